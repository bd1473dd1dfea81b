"""The customer store's relational schema: one table per thing a CVM warehouse keeps.

Every table is keyed by ``customer_id`` (``U`` + digits). Dates are ``DATE``, money is
``DECIMAL(12,2)`` in pounds, rates and measurements are ``DOUBLE``. Lists that keep
their order (interactions, offers) carry ``seq``, the position in the customer's
history. ``customer_features`` is derived (one row per customer, rebuilt on every
import by :mod:`tools.kernel.features`); everything else is imported data.

The same column lists drive ``cvm import`` (Parquet/CSV files named after the tables)
and ``cvm generate-customers``; README "Customer base" renders them. Each column
names its kind, a type of :mod:`tools.fields` (a day, a count, money, a vocabulary
…): the import checks a column with that type's bounds and values, the same the
customer record's field of that kind is validated with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.fields import (
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
    bounds,
    choices,
)

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    """One column: name, SQL type, whether it may be NULL, meaning, kind of value.

    ``kind`` is the :mod:`tools.fields` type its values must satisfy (None: any
    value of the SQL type).
    """

    name: str
    type: str
    nullable: bool
    doc: str
    kind: Any = None


def _c(
    name: str, type_: str, doc: str, nullable: bool = False, kind: Any = None
) -> Column:
    if kind is None and type_ == "DATE":
        kind = Day  # every date of the schema is a day of 1900-2100
    return Column(name, type_, nullable, doc, kind)


MONEY = "DECIMAL(12,2)"
ID = _c("customer_id", "VARCHAR", "customer id, e.g. U124 or U1000123")

TABLES: dict[str, tuple[Column, ...]] = {
    "customers": (
        ID,
        _c("name", "VARCHAR", "full name (PII: logged only at DEBUG)"),
        _c("segment", "VARCHAR", "consumer, family, senior, small_business, …"),
        _c("region", "VARCHAR", "home region (network planning area)", True),
        _c("time_zone", "VARCHAR", "IANA time zone; NULL = unknown", True),
        _c("tenure_months", "INTEGER", "months as a customer (≥ 0)", kind=Count),
        _c("vulnerable", "BOOLEAN", "flagged vulnerable: no automated marketing"),
        _c("monthly_revenue", MONEY, "average monthly revenue (£, ≥ 0)", kind=Amount),
        _c("plan_name", "VARCHAR", "current tariff"),
        _c("plan_monthly_fee", MONEY, "tariff fee (£/month, ≥ 0)", kind=Amount),
        _c(
            "plan_data_allowance_gb",
            "DOUBLE",
            "data allowance; NULL = unlimited",
            True,
            Measure,
        ),
        _c("plan_lines", "INTEGER", "lines on the account (≥ 1)", kind=Lines),
        _c("preferred_contact_time", "VARCHAR", "free text", True),
        _c("language", "VARCHAR", "ISO language code"),
        _c("churn_score", "DOUBLE", "churn model score, 0..1", kind=Probability),
        _c("churn_scored_on", "DATE", "when the churn score was computed"),
        _c("churn_satisfaction", "INTEGER", "satisfaction 0..10", True, Satisfaction),
        _c("churn_risk_factors", "VARCHAR[]", "the churn model's risk factors"),
    ),
    "consents": (
        ID,
        _c("channel", "VARCHAR", "call, sms, email or push", kind=ConsentChannel),
        _c("marketing", "BOOLEAN", "consent to marketing on this channel"),
        _c("service", "BOOLEAN", "consent to service messages"),
        _c("billing", "BOOLEAN", "consent to billing contact"),
        _c("updated", "DATE", "when the customer last changed it", True),
    ),
    "do_not_disturb": (
        ID,
        _c("starts", "TIME", "start of the daily quiet window (local, < 24:00)"),
        _c("ends", "TIME", "end (exclusive, < 24:00, ≠ starts; may wrap midnight)"),
    ),
    "bills": (
        ID,
        _c("bill_date", "DATE", "bill date (one bill per customer and date)"),
        _c("plan_name", "VARCHAR", "tariff billed"),
        _c("plan_charge", MONEY, "plan charge (£, ≥ 0)", kind=Amount),
        _c("total", MONEY, "bill total; NULL = plan charge + extras", True, Money),
        _c("status", "VARCHAR", "paid, pending or overdue", kind=BillStatus),
        _c("auto_pay", "BOOLEAN", "paid by direct debit", True),
    ),
    "bill_charges": (
        ID,
        _c("bill_date", "DATE", "the bill the charge is on"),
        _c("kind", "VARCHAR", "roaming, overage, late_fee, …"),
        _c("amount", MONEY, "charge (£; negative = credit)", kind=Money),
        _c("note", "VARCHAR", "free text", True),
    ),
    "usage": (
        ID,
        _c("reading_date", "DATE", "usage reading date (one per customer and date)"),
        _c("data_gb", "DOUBLE", "data used in the period (GB)", kind=Measure),
        _c("voice_minutes", "INTEGER", "voice minutes (≥ 0)", kind=Count),
        _c("sms_count", "INTEGER", "text messages (≥ 0)", kind=Count),
        _c("roaming_gb", "DOUBLE", "data used abroad (GB)", kind=Measure),
    ),
    "network": (
        ID,
        _c("measured_on", "DATE", "measurement date"),
        _c("quality", "VARCHAR", "poor, fair, good or excellent", kind=NetworkQuality),
        _c("download_mbps", "DOUBLE", "download speed", kind=Measure),
        _c("upload_mbps", "DOUBLE", "upload speed", kind=Measure),
        _c("latency_ms", "DOUBLE", "latency", kind=Measure),
        _c("packet_loss_pct", "DOUBLE", "packet loss (%)", kind=Percent),
    ),
    "interactions": (
        ID,
        _c("seq", "INTEGER", "position in the customer's contacts", kind=Count),
        _c("interaction_date", "DATE", "contact date"),
        _c("channel", "VARCHAR", "contact channel", False, InteractionChannel),
        _c("summary", "VARCHAR", "what was said (customer text: data, never orders)"),
        _c("sentiment", "VARCHAR", "positive, neutral or negative", kind=Sentiment),
        _c("duration_minutes", "DOUBLE", "length of the contact", True, Measure),
        _c("topics", "VARCHAR[]", "topic codes (billing_dispute, switch_threat, …)"),
        _c("resolution", "VARCHAR", "outcome", True),
    ),
    "offers": (
        ID,
        _c("seq", "INTEGER", "position in the customer's offers", kind=Count),
        _c("offer_date", "DATE", "when the recommender made the offer"),
        _c("offer_id", "VARCHAR", "the recommender's offer id"),
        _c("name", "VARCHAR", "offer name"),
        _c("kind", "VARCHAR", "plan_upgrade, discount, …"),
        _c("treatment", "VARCHAR", "mapped treatment key; NULL = none", True),
        _c("acceptance_probability", "DOUBLE", "P(accept), 0..1", kind=Probability),
        _c("value", MONEY, "offer value (£)", kind=Money),
        _c("status", "VARCHAR", "open, pending, accepted, declined", kind=OfferStatus),
        _c("expires", "DATE", "expiry date", True),
    ),
    "web_sessions": (
        ID,
        _c("session_date", "DATE", "visit date"),
        _c("page", "VARCHAR", "page visited"),
        _c("duration_seconds", "DOUBLE", "time on page", kind=Measure),
        _c("device", "VARCHAR", "device type", True),
    ),
}

# Closed vocabularies and value ranges, checked on import: from the columns' kinds.
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    (t, c.name): choices(c.kind)
    for t, cols in TABLES.items()
    for c in cols
    if choices(c.kind)
}
RANGES: dict[tuple[str, str], tuple[Any, Any]] = {
    (t, c.name): bounds(c.kind)
    for t, cols in TABLES.items()
    for c in cols
    if c.kind is not None and bounds(c.kind) != (None, None)
}
# Primary keys (unique per table): staged rows are checked on import (checks.py) and
# a customer's rows of a table are replaced as a whole (merge.py), so they stay unique.
KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "consents": ("customer_id", "channel"),
    "do_not_disturb": ("customer_id",),
    "bills": ("customer_id", "bill_date"),
    "usage": ("customer_id", "reading_date"),
    "network": ("customer_id", "measured_on"),
    "interactions": ("customer_id", "seq"),
    "offers": ("customer_id", "seq"),
}
# Order of a customer's list within a table (the record's list order).
ORDER: dict[str, str] = {
    "consents": "channel",
    "bills": "bill_date",
    "bill_charges": "bill_date",
    "usage": "reading_date",
    "network": "measured_on",
    "interactions": "seq",
    "offers": "seq",
    "web_sessions": "session_date",
}


def create_sql(table: str, name: str | None = None) -> str:
    """``CREATE TABLE`` for one table of the schema (no constraints: checked apart)."""
    cols = ", ".join(
        f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in TABLES[table]
    )
    return f"CREATE TABLE {name or table} ({cols})"


def column_names(table: str) -> list[str]:
    """The column names of a table, in schema order."""
    return [c.name for c in TABLES[table]]
