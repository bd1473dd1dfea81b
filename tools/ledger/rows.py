"""Bookings, plans and audit records as rows: one definition for every backend.

A backend keeps its SQL dialect, connections, transactions and locks; how a typed
value (:mod:`tools.ledger.model`) becomes the row it stores, and how a row it reads
becomes a typed value again, is defined here once. The columns are named in the
order both backends read them; a :class:`Dialect` says the only ways their drivers
differ in the values they take: days (SQLite: ISO text; PostgreSQL: ``date``),
flags (SQLite: 0/1; PostgreSQL: ``bool``) and the parameter mark. Rows read back
are taken in either form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from tools.eligibility import Booking, RuleVerdict
from tools.ledger.model import (
    AuditEntry,
    BookingQuery,
    NewBooking,
    NewPlan,
    PlanHeader,
    PlanRow,
    StoredAudit,
    StoredBooking,
    StoredPlan,
    erased,
)


class Dialect(NamedTuple):
    """How one backend's driver takes values and parameters."""

    mark: str  # the parameter mark: "?" or "%s"
    day: Callable[[date], Any]  # a day as stored
    flag: Callable[[bool], Any]  # a yes/no column as stored


def _as_is(value: Any) -> Any:
    return value


SQLITE = Dialect("?", date.isoformat, int)
POSTGRES = Dialect("%s", _as_is, bool)


def day(value: Any) -> date:
    """A stored day (a ``date`` or ISO text) as a ``date``."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def stamp(at: datetime) -> str:
    """An instant as the ledger stores it (ISO, seconds, its own offset)."""
    return at.isoformat(timespec="seconds")


def utc(at: datetime) -> str:
    """An instant in UTC as the audit records store it (ISO, seconds)."""
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


# --- bookings -------------------------------------------------------------------

BOOKING_COLUMNS = (
    "id, customer_id, treatment_key, channel, purpose, day, created_at, "
    "approved_by, cost, high_value, status, rules, overrides, released_at, "
    "released_by, catalogue_version"
)
# A new booking's columns (the id is the backend's), in :func:`booking_rows` order.
NEW_BOOKING_COLUMNS = (
    "customer_id, treatment_key, channel, purpose, day, created_at, approved_by, "
    "cost, high_value, rules, overrides, catalogue_version"
)
HISTORY = "SELECT customer_id, treatment_key, channel, purpose, day FROM allocations"
RULES = TypeAdapter(tuple[RuleVerdict, ...])  # verdicts to JSON, in one call


def rules(text: str) -> tuple[RuleVerdict, ...]:
    """Stored verdicts (a rule id this release does not know is kept as stored)."""
    try:
        return RULES.validate_json(text)
    except ValidationError:
        return tuple(RuleVerdict.model_construct(**v) for v in json.loads(text))


def stored_booking(row: Sequence[Any]) -> StoredBooking:
    """A booking from a row of :data:`BOOKING_COLUMNS`."""
    return StoredBooking(
        allocation_id=int(row[0]),
        customer_id=row[1],
        treatment_key=row[2],
        channel=row[3],
        purpose=row[4],
        day=day(row[5]),
        created_at=row[6],
        approved_by=row[7],
        cost=row[8],
        high_value=bool(row[9]),
        status=row[10],
        rules=rules(row[11]),
        overrides=tuple(json.loads(row[12])),
        released_at=row[13],
        released_by=row[14],
        catalogue_version=row[15],
    )


def booking_rows(bookings: Sequence[NewBooking], d: Dialect) -> list[tuple[Any, ...]]:
    """New bookings' values for :data:`NEW_BOOKING_COLUMNS`, in order.

    A plan's chunk repeats its day, instant and overrides: each is rendered once.
    """
    days = {x: d.day(x) for x in {b.day for b in bookings}}
    stamps = {t: stamp(t) for t in {b.created_at for b in bookings}}
    overrides = {o: json.dumps(list(o)) for o in {b.overrides for b in bookings}}
    return [
        (
            b.customer_id,
            b.treatment_key,
            b.channel,
            b.purpose,
            days[b.day],
            stamps[b.created_at],
            b.approved_by,
            b.cost,
            d.flag(b.high_value),
            RULES.dump_json(b.rules).decode(),
            overrides[b.overrides],
            b.catalogue_version,
        )
        for b in bookings
    ]


def by_customer(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[Booking, ...]]:
    """Active bookings' rows (:data:`HISTORY` columns) by customer."""
    out: dict[str, list[Booking]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(Booking(r[1], r[2], r[3], day(r[4])))
    return {c: tuple(b) for c, b in out.items()}


def counters(
    rows: Iterable[Sequence[Any]],
) -> tuple[dict[str, int], dict[str, float]]:
    """A day's counter rows (treatment, used, spent) as used and spent maps."""
    used: dict[str, int] = {}
    spent: dict[str, float] = {}
    for r in rows:
        used[r[0]], spent[r[0]] = r[1], r[2]
    return used, spent


def booking_filter(
    query: BookingQuery, d: Dialect
) -> tuple[str, list[Any], str, list[Any]]:
    """A listing's ``WHERE`` (for its count) and its page's, with their arguments.

    Only constant fragments and the dialect's parameter mark are joined: every
    value travels as a parameter.
    """
    where, args = "WHERE 1 = 1", list[Any]()
    if query.customer_id:
        where, args = f"{where} AND customer_id = {d.mark}", [query.customer_id]
    if query.day:
        where, args = f"{where} AND day = {d.mark}", [*args, d.day(query.day)]
    if not query.include_released:
        where += " AND status = 'active'"
    page, page_args = where, list(args)
    if query.before_id is not None:
        page, page_args = f"{page} AND id < {d.mark}", [*page_args, query.before_id]
    page += " ORDER BY id DESC"
    if query.limit is not None:
        page, page_args = f"{page} LIMIT {d.mark}", [*page_args, max(0, query.limit)]
    return where, args, page, page_args


def marks(bookings: Sequence[NewBooking], ids: Sequence[int]) -> list[tuple[int, int]]:
    """(allocation id, plan row seq) of the new bookings that book a plan's row."""
    return [
        (i, b.plan_seq)
        for i, b in zip(ids, bookings, strict=True)
        if b.plan_seq is not None
    ]


# --- plans ------------------------------------------------------------------------

PLAN_HEADER = "SELECT plan_id, day, hypothetical, parent_id FROM plans"
PLAN = "SELECT plan_id, day, hypothetical, parent_id, created_at, body FROM plans"
PLAN_ROWS = (
    "SELECT seq, customer_id, treatment_key, expected_value, cost, high_value, "
    "allocation_id, outcome FROM plan_rows"
)
NEW_PLAN_COLUMNS = "plan_id, created_at, day, parent_id, body, hypothetical"
NEW_PLAN_ROW_COLUMNS = (
    "plan_id, seq, customer_id, treatment_key, expected_value, cost, high_value"
)


def plan_id(day_: date, earlier: int) -> str:
    """A new plan's id: ``P<yyyymmdd>-<n>``, ``n`` counting the day's plans."""
    return f"P{day_:%Y%m%d}-{earlier + 1}"


def plan_row(new: NewPlan, plan_id_: str, d: Dialect) -> tuple[Any, ...]:
    """A new plan's values for :data:`NEW_PLAN_COLUMNS`."""
    return (
        plan_id_,
        stamp(new.created_at),
        d.day(new.day),
        new.parent_id,
        new.body(plan_id_),
        d.flag(new.hypothetical),
    )


def plan_row_values(
    new: NewPlan, plan_id_: str, d: Dialect
) -> Iterable[tuple[Any, ...]]:
    """A new plan's rows for :data:`NEW_PLAN_ROW_COLUMNS`, numbered from 0."""
    return (
        (plan_id_, i, c, t, ev, cost, d.flag(hv))
        for i, (c, t, ev, cost, hv) in enumerate(new.rows)
    )


def plan_header(row: Sequence[Any]) -> PlanHeader:
    """A plan's header from a row of :data:`PLAN_HEADER` (or :data:`PLAN`)."""
    return PlanHeader(row[0], day(row[1]), bool(row[2]), row[3])


def stored_plan(row: Sequence[Any]) -> StoredPlan:
    """A plan from a row of :data:`PLAN`."""
    return StoredPlan(header=plan_header(row), created_at=row[4], body=row[5])


def stored_plan_row(r: Sequence[Any]) -> PlanRow:
    """A plan row from a row of :data:`PLAN_ROWS`."""
    return PlanRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7])


# --- audit --------------------------------------------------------------------------

AUDIT_COLUMNS = "id, at, session_id, customer_id, approver, question, record"
NEW_AUDIT_COLUMNS = "at, session_id, customer_id, approver, question, record"


def audit_row(entry: AuditEntry) -> tuple[Any, ...]:
    """An audit record's values for :data:`NEW_AUDIT_COLUMNS`."""
    return (
        utc(entry.at),
        entry.session_id,
        entry.customer_id,
        entry.approver,
        entry.question,
        json.dumps(dict(entry.record), default=str),
    )


def stored_audit(r: Sequence[Any]) -> StoredAudit:
    """An audit record from a row of :data:`AUDIT_COLUMNS`."""
    return StoredAudit(
        id=r[0],
        at=r[1],
        session_id=r[2],
        customer_id=r[3],
        approver=r[4],
        question=r[5],
        record=json.loads(r[6]),
    )


def erasures(
    quoting: Iterable[Sequence[Any]], customer_id: str
) -> list[tuple[str, str, int]]:
    """(question, record, id) of records quoting a customer, the id erased."""
    return [(erased(q, customer_id), erased(r, customer_id), i) for i, q, r in quoting]
