"""Between one ``CustomerData`` record and its rows in the store's tables.

``to_rows`` splits a validated record into rows of every table (for the sample and
JSON imports); ``from_rows`` puts one customer's rows back together as the typed record
the per-customer tools read, and ``record_from_row`` does so from the customer's one
``customer_records`` row (a store file's, the row store's, the in-memory store's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from decimal import Decimal
from typing import Any

from tools.customer import CustomerData
from tools.store.schema import TABLES, column_names

Rows = dict[str, list[tuple[Any, ...]]]


def _window(text: str | None) -> tuple[time, time] | None:
    if not text or "-" not in text:
        return None
    start, end = (time.fromisoformat(p.strip()) for p in text.split("-", 1))
    return start, end


def _customer_row(c: CustomerData, region: str | None) -> tuple[Any, ...]:
    """The ``customers`` row of a record."""
    return (
        c.customer_id,
        c.name,
        c.segment,
        region,
        c.time_zone,
        c.tenure_months,
        c.vulnerable,
        c.monthly_revenue,
        c.plan.name,
        c.plan.monthly_fee,
        c.plan.data_allowance_gb,
        c.plan.lines,
        c.preferred_contact_time,
        c.language,
        c.churn.score,
        c.churn.scored_on,
        c.churn.satisfaction,
        list(c.churn.risk_factors),
    )


def _account_rows(c: CustomerData) -> Rows:
    """Consents, the quiet window, bills and their extra charges."""
    cid = c.customer_id
    window = _window(c.do_not_disturb)
    return {
        "consents": [
            (cid, ch, e.marketing, e.service, e.billing, e.updated)
            for ch, e in c.consents.items()
        ],
        "do_not_disturb": [(cid, *window)] if window else [],
        "bills": [
            (cid, b.date, b.plan_name, b.plan_charge, b.total, b.status, b.auto_pay)
            for b in c.bills
        ],
        "bill_charges": [
            (cid, b.date, e.kind, e.amount, e.note)
            for b in c.bills
            for e in b.extra_charges
        ],
    }


def _history_rows(c: CustomerData) -> Rows:
    """Usage, network, interactions, offers and web sessions (dated records)."""
    cid = c.customer_id
    return {
        "usage": [
            (cid, u.date, u.data_gb, u.voice_minutes, u.sms_count, u.roaming_gb)
            for u in c.usage
        ],
        "network": [
            (
                cid,
                n.date,
                n.quality,
                n.download_mbps,
                n.upload_mbps,
                n.latency_ms,
                n.packet_loss_pct,
            )
            for n in c.network
        ],
        "interactions": [
            (
                cid,
                seq,
                i.date,
                i.channel,
                i.summary,
                i.sentiment,
                i.duration_minutes,
                list(i.topics),
                i.resolution,
            )
            for seq, i in enumerate(c.interactions)
        ],
        "offers": [
            (
                cid,
                seq,
                o.date,
                o.offer_id,
                o.name,
                o.kind,
                o.treatment,
                o.acceptance_probability,
                o.value,
                o.status,
                o.expires,
            )
            for seq, o in enumerate(c.offers)
        ],
        "web_sessions": [
            (cid, w.date, w.page, w.duration_seconds, w.device) for w in c.web_sessions
        ],
    }


def to_rows(c: CustomerData, region: str | None = None) -> Rows:
    """Every table's rows for one customer record (tables in schema order)."""
    return {
        "customers": [_customer_row(c, region)],
        **_account_rows(c),
        **_history_rows(c),
    }


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _dicts(table: str, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    names = column_names(table)
    return [{n: _plain(v) for n, v in zip(names, row, strict=False)} for row in rows]


def from_rows(rows: Mapping[str, Sequence[Sequence[Any]]]) -> CustomerData:
    """One customer's record from its rows (``customers`` must hold exactly one)."""
    return from_dicts({table: _dicts(table, value) for table, value in rows.items()})


def _customer_fields(c: dict[str, Any], dnd: list[dict[str, Any]]) -> dict[str, Any]:
    """The record's own fields from its ``customers`` row (and quiet window)."""
    quiet = f"{dnd[0]['starts']:%H:%M}-{dnd[0]['ends']:%H:%M}" if dnd else None
    return {
        "customer_id": c["customer_id"],
        "name": c["name"],
        "segment": c["segment"],
        "time_zone": c["time_zone"],
        "tenure_months": c["tenure_months"],
        "vulnerable": c["vulnerable"],
        "monthly_revenue": c["monthly_revenue"],
        "plan": {
            "name": c["plan_name"],
            "monthly_fee": c["plan_monthly_fee"],
            "data_allowance_gb": c["plan_data_allowance_gb"],
            "lines": c["plan_lines"],
        },
        "preferred_contact_time": c["preferred_contact_time"],
        "language": c["language"],
        "do_not_disturb": quiet,
        "churn": {
            "score": c["churn_score"],
            "scored_on": c["churn_scored_on"],
            "satisfaction": c["churn_satisfaction"],
            "risk_factors": c["churn_risk_factors"] or [],
        },
    }


def _bills(rows: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The record's bills, each with its extra charges."""
    charges: dict[Any, list[dict[str, Any]]] = {}
    for e in rows["bill_charges"]:
        charges.setdefault(e["bill_date"], []).append(
            {"kind": e["kind"], "amount": e["amount"], "note": e["note"]}
        )
    return [
        {
            "date": b["bill_date"],
            "plan_name": b["plan_name"],
            "plan_charge": b["plan_charge"],
            "total": b["total"],
            "status": b["status"],
            "auto_pay": b["auto_pay"],
            "extra_charges": charges.get(b["bill_date"], []),
        }
        for b in rows["bills"]
    ]


def from_dicts(rows: Mapping[str, list[dict[str, Any]]]) -> CustomerData:
    """One customer's record from its rows as dicts by column name.

    ``customers`` must hold exactly one; the child tables' rows may leave out the
    customer id (it is the record's). Money may be ``Decimal`` or ``float``. The
    dicts are consumed (some keys are renamed in place).
    """
    (c,) = rows["customers"]
    bills = _bills(rows)
    record = {
        **_customer_fields(c, rows["do_not_disturb"]),
        "consents": {
            e["channel"]: {k: e[k] for k in ("marketing", "service", "billing")}
            | {"updated": e["updated"]}
            for e in rows["consents"]
        },
        "bills": bills,
        "usage": [{**u, "date": u.pop("reading_date")} for u in rows["usage"]],
        "network": [{**n, "date": n.pop("measured_on")} for n in rows["network"]],
        "interactions": [
            {**i, "date": i.pop("interaction_date"), "topics": i["topics"] or []}
            for i in rows["interactions"]
        ],
        "offers": [{**o, "date": o.pop("offer_date")} for o in rows["offers"]],
        "web_sessions": [
            {**w, "date": w.pop("session_date")} for w in rows["web_sessions"]
        ],
    }
    return CustomerData.model_validate(record)


_MONEY = {  # per table, the columns DuckDB gives as Decimal
    t: tuple(c.name for c in cols if c.type.startswith("DECIMAL"))
    for t, cols in TABLES.items()
}


def record_from_row(found: Sequence[Any], *, fresh: bool = False) -> CustomerData:
    """A customer's record from its ``customer_records`` row (struct dicts by column).

    The row store's rows (JSON: floats already) and DuckDB's (money as ``Decimal``)
    alike; the dicts are copied, never changed in place, unless ``fresh``: made for
    this call from the row store's JSON (no ``Decimal``), and consumed.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    if fresh:
        for table, value in zip(TABLES, found[1:], strict=True):
            rows[table] = [value] if table == "customers" else value or []
        return from_dicts(rows)
    for table, value in zip(TABLES, found[1:], strict=True):
        money = _MONEY[table]
        each = [value] if table == "customers" else value or []
        rows[table] = [
            {**r, **{m: float(r[m]) for m in money if isinstance(r[m], Decimal)}}
            if money
            else dict(r)
            for r in each
        ]
    return from_dicts(rows)
