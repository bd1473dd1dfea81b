"""The Allocation tools: book, release and count treatments in the ledger.

``allocate_treatment`` evaluates every hard rule again inside the ledger's write
transaction, so what is checked is what is committed, across threads and processes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.clock import now as clock_now
from tools.clock import zone
from tools.config import NO_ACTION, CVMConfig
from tools.contact_time import NextContact
from tools.context import ToolContext, default_context
from tools.decision_log import log_booking
from tools.eligibility import (
    HARD_RULES,
    Booking,
    LedgerState,
    RuleVerdict,
    combine,
    customer_verdicts,
    is_high_value,
    ledger_verdicts,
)
from tools.errors import PolicyBlocked, ToolInputError

log = logging.getLogger(__name__)
MAX_ALLOCATION_ID = 2**63 - 1  # SQLite's largest integer
PAST_DAY = "PAST-DAY"


class AllocateArgs(BaseModel):
    """Arguments of ``allocate_treatment``."""

    customer_id: str
    treatment_key: str = Field(description="A treatment key, e.g. 'retention_email'.")


class ReleaseArgs(BaseModel):
    """Arguments of ``release_allocation``."""

    allocation_id: int = Field(
        ge=1, le=MAX_ALLOCATION_ID, description="The id returned by allocate_treatment."
    )


class AvailabilityArgs(BaseModel):
    """Arguments of ``check_availability``."""

    treatment_key: str = Field(
        description="A treatment key, e.g. 'marketing_call_back'."
    )


class NoArgs(BaseModel):
    """No arguments."""


class Allocation(BaseModel):
    """A booking in the ledger."""

    allocation_id: int
    customer_id: str
    treatment_key: str
    display_name: str
    channel: str
    purpose: str
    day: date
    created_at: str
    approved_by: str
    cost: float
    status: str = "active"
    next_contact: NextContact | None = None
    rules: list[RuleVerdict] = Field(default_factory=list)


class Availability(BaseModel):
    """Today's use of one treatment's capacity and budget."""

    treatment_key: str
    display_name: str
    channel: str
    day: date
    max_per_day: int | None
    used: int
    remaining: int | None
    reserved_for_high_value: int
    daily_budget: float | None
    spent: float
    budget_remaining: float | None


class ConstraintsReport(BaseModel):
    """Availability of every treatment today."""

    day: date
    treatments: list[Availability]


def ledger_day(config: CVMConfig, at: datetime | None = None) -> date:
    """The ledger day of an instant (default now): its date in the configured zone.

    Pass the instant a decision is evaluated at, so the rules and the booking agree
    on the day even across midnight.
    """
    return (at or clock_now()).astimezone(zone(config.settings.timezone)).date()


def read_state(
    conn: sqlite3.Connection, customer_id: str | None, day: date, config: CVMConfig
) -> LedgerState:
    """Today's counts and the customer's recent bookings, as the rules need them."""
    used: dict[str, int] = {}
    spent: dict[str, float] = {}
    for row in conn.execute(
        "SELECT treatment_key, used, spent FROM daily_usage WHERE day = ?",
        (day.isoformat(),),
    ):
        used[row[0]], spent[row[0]] = row[1], row[2]
    bookings: tuple[Booking, ...] = ()
    if customer_id:
        longest = max((c.period_days for c in config.policy.frequency_caps), default=1)
        since = (day - timedelta(days=longest)).isoformat()
        bookings = tuple(
            Booking(r[0], r[1], r[2], date.fromisoformat(r[3]))
            for r in conn.execute(
                "SELECT treatment_key, channel, purpose, day FROM allocations "
                "WHERE customer_id = ? AND status = 'active' AND day >= ?",
                (customer_id, since),
            )
        )
    return LedgerState(
        day=day, used_today=used, spent_today=spent, customer_bookings=bookings
    )


def _row_to_allocation(row: sqlite3.Row, config: CVMConfig) -> Allocation:
    t = config.treatments.get(row["treatment_key"])
    return Allocation(
        allocation_id=row["id"],
        customer_id=row["customer_id"],
        treatment_key=row["treatment_key"],
        display_name=t.display_name if t else row["treatment_key"],
        channel=row["channel"],
        purpose=row["purpose"],
        day=date.fromisoformat(row["day"]),
        created_at=row["created_at"],
        approved_by=row["approved_by"],
        cost=row["cost"],
        status=row["status"],
        rules=[RuleVerdict(**v) for v in json.loads(row["rules"])],
    )


def allocate_treatment(
    customer_id: str,
    treatment_key: str,
    approved_by: str,
    ctx: ToolContext | None = None,
) -> Allocation:
    """Book a treatment for a customer today (WRITE).

    Only when the analyst asked to book. Every hard rule (consent, objection,
    vulnerable, capacity, budget, frequency, duplicate) is re-checked at commit; a
    refusal names its rule id.

    Args:
        customer_id: The customer id, e.g. U124.
        treatment_key: The treatment to book.
        approved_by: The person who approved the booking.
        ctx: Configuration and ledger (defaults to the ones in force).

    Returns:
        The booking, with the next lawful contact time.

    Raises:
        PolicyBlocked: A hard rule refused it; ``rule`` names the first rule failed
            (``PAST-DAY`` when the clock is behind a day the ledger already holds).
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
        UnknownCustomerError, InvalidCustomerIdError, UnknownTreatmentError.
        ToolInputError: The no-action baseline was asked for (nothing to book).
    """
    from tools.assess import assess  # the kernel loads only where a booking is made

    ctx = ctx or default_context()
    config = ctx.config
    assessment = assess(customer_id, ctx)
    customer = assessment.customer
    treatment = config.treatment(treatment_key)
    if treatment_key == NO_ACTION:
        raise ToolInputError(
            f"'{NO_ACTION}' ({treatment.display_name}) is the no-action baseline: "
            "there is nothing to book."
        )
    if not approved_by.strip():
        raise ToolInputError("approved_by must name the person approving the booking")
    at = ctx.now()
    day = ledger_day(config, at)
    fixed = customer_verdicts(assessment, treatment_key, config, at)
    with ctx.ledger.write() as conn:  # the ledger rules are checked where they commit
        _refuse_past_day(conn, day)
        state = read_state(conn, customer.customer_id, day, config)
        verdict = combine(
            fixed, ledger_verdicts(customer, treatment_key, config, state)
        )
        hard = [v for v in verdict.failures if v.rule in HARD_RULES]
        log_booking(customer.customer_id, treatment_key, verdict.verdicts, not hard)
        if hard:
            reason = "; ".join(
                v.reason if i == 0 else f"{v.rule}: {v.reason}"
                for i, v in enumerate(hard)
            )
            log.info(
                "allocation refused treatment=%s rules=%s",
                treatment_key,
                [v.rule for v in hard],
            )
            raise PolicyBlocked(hard[0].rule, reason, [v.rule for v in hard])
        cur = conn.execute(
            "INSERT INTO allocations (customer_id, treatment_key, channel, purpose, "
            "day, created_at, approved_by, cost, high_value, rules) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                customer.customer_id,
                treatment_key,
                treatment.channel,
                treatment.purpose,
                day.isoformat(),
                at.isoformat(timespec="seconds"),
                approved_by,
                treatment.cost,
                int(is_high_value(customer, config)),
                json.dumps([v.model_dump() for v in verdict.verdicts]),
            ),
        )
        allocation_id = int(cur.lastrowid or 0)
    log.info("allocation #%d committed treatment=%s", allocation_id, treatment_key)
    log.debug(
        "allocation #%d customer=%s approver=%s",
        allocation_id,
        customer.customer_id,
        approved_by,
    )
    return Allocation(
        allocation_id=allocation_id,
        customer_id=customer.customer_id,
        treatment_key=treatment_key,
        display_name=treatment.display_name,
        channel=treatment.channel,
        purpose=treatment.purpose,
        day=day,
        created_at=at.isoformat(timespec="seconds"),
        approved_by=approved_by,
        cost=treatment.cost,
        next_contact=verdict.next_contact,
        rules=verdict.verdicts,
    )


def _refuse_past_day(conn: sqlite3.Connection, day: date) -> None:
    """Refuse a booking for a day earlier than the newest day the ledger holds.

    A clock set back (``CVM_NOW`` in the past, a wrong system clock) must not book
    onto a day that is over; the ledger's newest day is the time it has seen.
    """
    latest = conn.execute("SELECT MAX(day) FROM allocations").fetchone()[0]
    if latest and day.isoformat() < latest:
        raise PolicyBlocked(
            PAST_DAY,
            f"the clock says {day}, but the ledger already holds bookings for "
            f"{latest}: a day that is over cannot be booked (check the clock / "
            "CVM_NOW)",
        )


def release_allocation(
    allocation_id: int, released_by: str = "analyst", ctx: ToolContext | None = None
) -> Allocation:
    """Cancel an active booking (WRITE).

    By allocation id, freeing its capacity. Only when the
    analyst asked to cancel.

    Args:
        allocation_id: The id returned by ``allocate_treatment``.
        released_by: Who cancelled it.
        ctx: Configuration and ledger.

    Raises:
        ToolInputError: No such booking, or it was already released.
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
    """
    ctx = ctx or default_context()
    if not 1 <= allocation_id <= MAX_ALLOCATION_ID:
        raise ToolInputError(f"There is no allocation #{allocation_id}.")
    at = ctx.now().isoformat(timespec="seconds")
    with ctx.ledger.write() as conn:
        row = conn.execute(
            "SELECT * FROM allocations WHERE id = ?", (allocation_id,)
        ).fetchone()
        if row is None:
            raise ToolInputError(f"There is no allocation #{allocation_id}.")
        if row["status"] != "active":
            raise ToolInputError(
                f"Allocation #{allocation_id} was already released "
                f"on {row['released_at']}."
            )
        conn.execute(
            "UPDATE allocations SET status = 'released', released_at = ?, "
            "released_by = ? WHERE id = ?",
            (at, released_by, allocation_id),
        )
    return _row_to_allocation(row, ctx.config).model_copy(update={"status": "released"})


def _availability(key: str, state: LedgerState, config: CVMConfig) -> Availability:
    t = config.treatment(key)
    c = config.constraints.get(key)
    used, spent = (
        state.used_today.get(key, 0),
        round(state.spent_today.get(key, 0.0), 2),
    )
    return Availability(
        treatment_key=key,
        display_name=t.display_name,
        channel=t.channel,
        day=state.day,
        max_per_day=c.max_per_day if c else None,
        used=used,
        remaining=max(0, c.max_per_day - used) if c else None,
        reserved_for_high_value=int(c.reserved_share * c.max_per_day) if c else 0,
        daily_budget=c.daily_budget if c else None,
        spent=spent,
        budget_remaining=round(c.daily_budget - spent, 2)
        if c and c.daily_budget is not None
        else None,
    )


def check_availability(
    treatment_key: str, ctx: ToolContext | None = None
) -> Availability:
    """How much of a treatment's daily capacity and budget is used and left today.

    Raises:
        UnknownTreatmentError: The treatment key is not configured.
    """
    ctx = ctx or default_context()
    ctx.config.treatment(treatment_key)
    with ctx.ledger.connection() as conn:
        state = read_state(conn, None, ledger_day(ctx.config, ctx.now()), ctx.config)
    return _availability(treatment_key, state, ctx.config)


def get_constraints(ctx: ToolContext | None = None) -> ConstraintsReport:
    """Used / maximum / remaining today, and budget, for every treatment."""
    ctx = ctx or default_context()
    day = ledger_day(ctx.config, ctx.now())
    with ctx.ledger.connection() as conn:
        state = read_state(conn, None, day, ctx.config)
    return ConstraintsReport(
        day=day,
        treatments=[_availability(k, state, ctx.config) for k in ctx.config.treatments],
    )


def get_allocation(
    allocation_id: int, ctx: ToolContext | None = None
) -> Allocation | None:
    """One booking by id, active or released (None when there is no such booking)."""
    ctx = ctx or default_context()
    if not 1 <= allocation_id <= MAX_ALLOCATION_ID:  # SQLite's integers are 64-bit
        return None
    with ctx.ledger.connection() as conn:
        row = conn.execute(
            "SELECT * FROM allocations WHERE id = ?", (allocation_id,)
        ).fetchone()
    return _row_to_allocation(row, ctx.config) if row else None


DEFAULT_PAGE = 100  # bookings per listing page
MAX_PAGE = 10_000


def list_allocations(
    ctx: ToolContext | None = None,
    customer_id: str | None = None,
    day: date | None = None,
    include_released: bool = False,
    all_days: bool = False,
    limit: int | None = DEFAULT_PAGE,
    before_id: int | None = None,
) -> list[Allocation]:
    """Bookings in the ledger, newest first, one page at a time.

    Without ``day``, ``customer_id`` or ``all_days`` the listing is today's (the
    ledger day now), so it never reads the whole ledger.

    Args:
        ctx: Configuration and ledger.
        customer_id: Only this customer's bookings (every day).
        day: Only this day's bookings.
        include_released: Include cancelled bookings.
        all_days: Every day (newest first); use ``limit`` and ``before_id`` to page.
        limit: At most this many bookings (None: no limit, for small ledgers).
        before_id: Only bookings with a smaller id (the next page after that id).
    """
    ctx = ctx or default_context()
    if day is None and not customer_id and not all_days:
        day = ledger_day(ctx.config)
    sql, args = "SELECT * FROM allocations WHERE 1 = 1", list[Any]()
    if customer_id:
        sql, args = sql + " AND customer_id = ?", [*args, customer_id.upper()]
    if day:
        sql, args = sql + " AND day = ?", [*args, day.isoformat()]
    if not include_released:
        sql += " AND status = 'active'"
    if before_id is not None:
        sql, args = sql + " AND id < ?", [*args, min(before_id, MAX_ALLOCATION_ID)]
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql, args = sql + " LIMIT ?", [*args, max(0, min(limit, MAX_PAGE))]
    with ctx.ledger.connection() as conn:
        rows = conn.execute(sql, args).fetchall()
    return [_row_to_allocation(r, ctx.config) for r in rows]


def reset_constraints(ctx: ToolContext | None = None, by: str = "admin") -> int:
    """Admin only (not a model tool): release every booking of today.

    History is kept (rows are marked released). Returns how many were released.
    """
    ctx = ctx or default_context()
    at = ctx.now()
    with ctx.ledger.write() as conn:
        cur = conn.execute(
            "UPDATE allocations SET status = 'released', released_at = ?, "
            "released_by = ? "
            "WHERE day = ? AND status = 'active'",
            (
                at.isoformat(timespec="seconds"),
                by,
                ledger_day(ctx.config, at).isoformat(),
            ),
        )
        return cur.rowcount
