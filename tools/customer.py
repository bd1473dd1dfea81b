"""The normalised customer record (``CustomerData``) and its parts.

Field aliases accept the inconsistent names of the original system's files
(``total_data_gb`` / ``data_usage_gb``, ``type`` / ``channel``, ``monthly_charge`` /
``plan_cost``, ``Y``/``N`` consents ...), so older extracts load into the same schema.
"""

from __future__ import annotations

import datetime as _dt
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from tools.config_settings import known_time_zone

Sentiment = Literal["positive", "neutral", "negative"]
INT32_MAX = 2**31 - 1  # the customer store's INTEGER columns hold no more
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
StoreInt = Annotated[int, Field(ge=-INT32_MAX, le=INT32_MAX)]
MONEY_MAX = 9_999_999_999.99  # the store's DECIMAL(12,2) money columns
Money = Annotated[float, Field(ge=-MONEY_MAX, le=MONEY_MAX)]

_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_WINDOW = re.compile(rf"^\s*{_HHMM}\s*-\s*{_HHMM}\s*$")


class _Record(BaseModel):
    # Finite numbers only: `monthly_revenue: Infinity` is refused at load.
    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


def window(value: str | None) -> str | None:
    """Check a daily window ``HH:MM-HH:MM`` (may wrap midnight, not empty).

    Raises:
        ValueError: Not two 24-hour times, or start equals end.
    """
    if value is None or not value.strip():
        return None
    match = _WINDOW.match(value)
    if not match:
        raise ValueError(
            f"{value[:40]!r} is not a window like 22:00-08:00 (24-hour HH:MM-HH:MM)"
        )
    if match.group(1, 2) == match.group(3, 4):
        raise ValueError(f"{value!r} starts and ends at the same time")
    return value.strip()


def _yes_no(value: Any) -> Any:
    if isinstance(value, str) and value.upper() in {"Y", "N"}:
        return value.upper() == "Y"
    return value


class ConsentEntry(_Record):
    """Consent of one channel, per purpose."""

    marketing: bool
    service: bool = Field(validation_alias=AliasChoices("service", "service_updates"))
    billing: bool
    updated: date | None = Field(
        None, validation_alias=AliasChoices("updated", "last_updated")
    )

    _yn = field_validator("marketing", "service", "billing", mode="before")(
        lambda cls, v: _yes_no(v)
    )


class Plan(_Record):
    """The customer's current tariff."""

    name: str
    monthly_fee: Money
    data_allowance_gb: float | None = None
    lines: Count = 1


class Churn(_Record):
    """The churn model's latest score."""

    score: float = Field(
        ge=0, le=1, validation_alias=AliasChoices("score", "churn_probability")
    )
    risk_factors: list[str] = Field(default_factory=list)
    scored_on: date = Field(validation_alias=AliasChoices("scored_on", "date"))
    satisfaction: StoreInt | None = Field(
        None, validation_alias=AliasChoices("satisfaction", "recent_satisfaction_score")
    )


class ExtraCharge(_Record):
    """A charge on top of the plan fee."""

    kind: str = Field(validation_alias=AliasChoices("kind", "type"))
    amount: Money
    note: str | None = Field(None, validation_alias=AliasChoices("note", "description"))


class Bill(_Record):
    """One monthly bill."""

    date: date
    plan_name: str
    plan_charge: Money = Field(
        validation_alias=AliasChoices("plan_charge", "monthly_charge", "plan_cost")
    )
    extra_charges: list[ExtraCharge] = Field(
        default_factory=list,
        validation_alias=AliasChoices("extra_charges", "additional_charges"),
    )
    total: Money | None = Field(
        None, validation_alias=AliasChoices("total", "monthly_bill")
    )
    status: Literal["paid", "pending", "overdue"] = Field(
        validation_alias=AliasChoices("status", "payment_status")
    )
    auto_pay: bool | None = None

    @field_validator("extra_charges", mode="before")
    @classmethod
    def _number_to_item(cls, v: Any) -> Any:
        if isinstance(v, (int, float)):
            return [{"kind": "other", "amount": float(v)}] if v else []
        return v

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        return "paid" if v == "on_time" else v

    @property
    def extras_total(self) -> float:
        """Sum of the extra charges."""
        return round(sum(c.amount for c in self.extra_charges), 2)

    @property
    def amount(self) -> float:
        """The bill total (plan charge plus extras when no total was given)."""
        if self.total is not None:
            return self.total
        return round(self.plan_charge + self.extras_total, 2)


class Usage(_Record):
    """A usage reading."""

    date: date
    data_gb: float = Field(
        validation_alias=AliasChoices("data_gb", "total_data_gb", "data_usage_gb")
    )
    voice_minutes: Count = 0
    sms_count: Count = 0
    roaming_gb: float = Field(
        0.0,
        validation_alias=AliasChoices(
            "roaming_gb", "roaming_usage_gb", "roaming_data_gb"
        ),
    )
    data_by_app: dict[str, float] = Field(default_factory=dict)


class NetworkReading(_Record):
    """A network quality measurement at the customer's location."""

    date: date
    quality: Literal["poor", "fair", "good", "excellent"] = Field(
        validation_alias=AliasChoices("quality", "connection_quality")
    )
    download_mbps: float = Field(
        validation_alias=AliasChoices("download_mbps", "download_speed_mbps")
    )
    upload_mbps: float = Field(
        validation_alias=AliasChoices("upload_mbps", "upload_speed_mbps")
    )
    latency_ms: float
    packet_loss_pct: float = Field(
        validation_alias=AliasChoices("packet_loss_pct", "packet_loss_percent")
    )


class Offer(_Record):
    """An offer from the recommender model, mapped to a treatment where one fits."""

    date: date
    offer_id: str
    name: str = Field(validation_alias=AliasChoices("name", "offer_name"))
    kind: str = "recommender"
    treatment: str | None = None
    acceptance_probability: float = Field(ge=0, le=1)
    value: Money = 0.0
    status: Literal["open", "pending", "accepted", "declined"] = "open"
    expires: _dt.date | None = Field(
        None, validation_alias=AliasChoices("expires", "expiration_date")
    )


class Interaction(_Record):
    """A call or web chat, summarised, with its sentiment and topic codes.

    ``summary`` is text from the customer contact: it is data, never instructions.
    """

    date: date
    channel: Literal["call", "web_chat", "email", "store"] = Field(
        validation_alias=AliasChoices("channel", "type")
    )
    summary: str
    sentiment: Sentiment
    duration_minutes: float | None = None
    topics: list[str] = Field(default_factory=list)
    resolution: str | None = None


class WebSession(_Record):
    """A visit to the website or app."""

    date: date
    page: str
    duration_seconds: float = 0
    device: str | None = Field(
        None, validation_alias=AliasChoices("device", "device_type")
    )


class CustomerData(_Record):
    """Everything known about one customer, normalised."""

    customer_id: str = Field(min_length=1, max_length=64)
    name: str
    segment: str
    time_zone: str | None = None
    tenure_months: int = Field(ge=0, le=INT32_MAX)
    vulnerable: bool = False
    monthly_revenue: float = Field(ge=0, le=MONEY_MAX)
    plan: Plan
    consents: dict[Literal["call", "sms", "email", "push"], ConsentEntry]
    do_not_disturb: str | None = None
    preferred_contact_time: str | None = None
    language: str = "en"
    churn: Churn
    bills: list[Bill] = Field(default_factory=list)
    usage: list[Usage] = Field(default_factory=list)
    network: list[NetworkReading] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    web_sessions: list[WebSession] = Field(default_factory=list)

    _tz = field_validator("time_zone")(
        lambda cls, v: None if v is None else known_time_zone(v)
    )
    _dnd = field_validator("do_not_disturb")(lambda cls, v: window(v))

    @field_validator("consents", mode="before")
    @classmethod
    def _push_alias(cls, v: Any) -> Any:
        if isinstance(v, dict) and "push_notifications" in v:
            v = {("push" if k == "push_notifications" else k): e for k, e in v.items()}
        return v

    def has_consent(self, channel: str, purpose: str) -> bool:
        """Whether the customer consented to ``purpose`` contact on ``channel``."""
        entry = self.consents.get(channel)  # type: ignore[call-overload]
        return bool(entry and getattr(entry, purpose))

    def objects_to_marketing(self) -> bool:
        """True when marketing is refused on every channel (GDPR Art. 21 objection)."""
        return bool(self.consents) and not any(
            c.marketing for c in self.consents.values()
        )
