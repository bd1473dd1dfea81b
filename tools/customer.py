"""The normalised customer record (``CustomerData``) and its parts.

Field aliases accept the inconsistent names of the original system's files
(``total_data_gb`` / ``data_usage_gb``, ``type`` / ``channel``, ``monthly_charge`` /
``plan_cost``, ``Y``/``N`` consents ...), so older extracts load into the same schema.
Every field's type is one of :mod:`tools.fields` (days 1900-2100, counts >= 0,
finite bounded money and measures, ASCII ids, HH:MM windows), the same types the
import's SQL checks and the configuration use.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from tools.config_settings import known_time_zone
from tools.fields import (
    ID_CHARS,
    INT32_MAX,
    MONEY_MAX,
    NOT_ASCII_ID,
    Amount,
    BillStatus,
    ConsentChannel,
    Count,
    Day,
    InteractionChannel,
    Lines,
    Measure,
    Money,
    NetworkQuality,
    OfferStatus,
    Percent,
    Probability,
    Satisfaction,
    Sentiment,
    window,
)

__all__ = ["INT32_MAX", "MONEY_MAX", "CustomerData", "Sentiment", "window"]


def _id_chars(value: str) -> str:
    if not re.fullmatch(ID_CHARS, value):
        raise ValueError(NOT_ASCII_ID)
    return value


CustomerId = Annotated[str, AfterValidator(_id_chars)]


class _Record(BaseModel):
    # Finite numbers only: `monthly_revenue: Infinity` is refused at load.
    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


def _yes_no(value: Any) -> Any:
    if isinstance(value, str) and value.upper() in {"Y", "N"}:
        return value.upper() == "Y"
    return value


class ConsentEntry(_Record):
    """Consent of one channel, per purpose."""

    marketing: bool
    service: bool = Field(validation_alias=AliasChoices("service", "service_updates"))
    billing: bool
    updated: Day | None = Field(
        None, validation_alias=AliasChoices("updated", "last_updated")
    )

    _yn = field_validator("marketing", "service", "billing", mode="before")(
        lambda cls, v: _yes_no(v)
    )


class Plan(_Record):
    """The customer's current tariff."""

    name: str
    monthly_fee: Amount
    data_allowance_gb: Measure | None = None
    lines: Lines = 1


class Churn(_Record):
    """The churn model's latest score."""

    score: Probability = Field(
        validation_alias=AliasChoices("score", "churn_probability")
    )
    risk_factors: list[str] = Field(default_factory=list)
    scored_on: Day = Field(validation_alias=AliasChoices("scored_on", "date"))
    satisfaction: Satisfaction | None = Field(
        None, validation_alias=AliasChoices("satisfaction", "recent_satisfaction_score")
    )


class ExtraCharge(_Record):
    """A charge on top of the plan fee."""

    kind: str = Field(validation_alias=AliasChoices("kind", "type"))
    amount: Money
    note: str | None = Field(None, validation_alias=AliasChoices("note", "description"))


class Bill(_Record):
    """One monthly bill."""

    date: Day
    plan_name: str
    plan_charge: Amount = Field(
        validation_alias=AliasChoices("plan_charge", "monthly_charge", "plan_cost")
    )
    extra_charges: list[ExtraCharge] = Field(
        default_factory=list,
        validation_alias=AliasChoices("extra_charges", "additional_charges"),
    )
    total: Money | None = Field(
        None, validation_alias=AliasChoices("total", "monthly_bill")
    )
    status: BillStatus = Field(
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

    date: Day
    data_gb: Measure = Field(
        validation_alias=AliasChoices("data_gb", "total_data_gb", "data_usage_gb")
    )
    voice_minutes: Count = 0
    sms_count: Count = 0
    roaming_gb: Measure = Field(
        0.0,
        validation_alias=AliasChoices(
            "roaming_gb", "roaming_usage_gb", "roaming_data_gb"
        ),
    )
    data_by_app: dict[str, Measure] = Field(default_factory=dict)


class NetworkReading(_Record):
    """A network quality measurement at the customer's location."""

    date: Day
    quality: NetworkQuality = Field(
        validation_alias=AliasChoices("quality", "connection_quality")
    )
    download_mbps: Measure = Field(
        validation_alias=AliasChoices("download_mbps", "download_speed_mbps")
    )
    upload_mbps: Measure = Field(
        validation_alias=AliasChoices("upload_mbps", "upload_speed_mbps")
    )
    latency_ms: Measure
    packet_loss_pct: Percent = Field(
        validation_alias=AliasChoices("packet_loss_pct", "packet_loss_percent")
    )


class Offer(_Record):
    """An offer from the recommender model, mapped to a treatment where one fits."""

    date: Day
    offer_id: str
    name: str = Field(validation_alias=AliasChoices("name", "offer_name"))
    kind: str = "recommender"
    treatment: str | None = None
    acceptance_probability: Probability
    value: Money = 0.0
    status: OfferStatus = "open"
    expires: Day | None = Field(
        None, validation_alias=AliasChoices("expires", "expiration_date")
    )


class Interaction(_Record):
    """A call or web chat, summarised, with its sentiment and topic codes.

    ``summary`` is text from the customer contact: it is data, never instructions.
    """

    date: Day
    channel: InteractionChannel = Field(
        validation_alias=AliasChoices("channel", "type")
    )
    summary: str
    sentiment: Sentiment
    duration_minutes: Measure | None = None
    topics: list[str] = Field(default_factory=list)
    resolution: str | None = None


class WebSession(_Record):
    """A visit to the website or app."""

    date: Day
    page: str
    duration_seconds: Measure = 0
    device: str | None = Field(
        None, validation_alias=AliasChoices("device", "device_type")
    )


class CustomerData(_Record):
    """Everything known about one customer, normalised."""

    customer_id: CustomerId
    name: str
    segment: str
    time_zone: str | None = None
    tenure_months: Count
    vulnerable: bool = False
    monthly_revenue: Amount
    plan: Plan
    consents: dict[ConsentChannel, ConsentEntry]
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
