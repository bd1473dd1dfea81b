"""What goes into and comes out of a ledger store: plain typed values, no SQL.

Every backend (:mod:`tools.ledger.sqlite` first) takes and returns these, so the
callers never see rows, cursors or connections. Times are timezone-aware
``datetime`` values; days are ``date`` values in the ledger's time zone (the caller
decides which day an instant belongs to, see :func:`tools.allocation.ledger_day`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from tools.eligibility import Booking, LedgerState, RuleVerdict

ERASED = "[erased]"

__all__ = [
    "ALL_CUSTOMERS",
    "ERASED",
    "AuditEntry",
    "BackupInfo",
    "Booking",
    "BookingPage",
    "BookingQuery",
    "BookingScope",
    "DayState",
    "Judge",
    "Judgement",
    "LedgerState",
    "NewBooking",
    "NewPlan",
    "PlanHeader",
    "PlanRow",
    "PlanRowInput",
    "StoredAudit",
    "StoredBooking",
    "StoredPlan",
    "erased",
]

Status = Literal["active", "released"]
ALL_CUSTOMERS = None  # ``bookings_since(..., customer_ids=ALL_CUSTOMERS)``


@dataclass(frozen=True)
class StoredBooking:
    """One booking as the ledger holds it (active or released)."""

    allocation_id: int
    customer_id: str
    treatment_key: str
    channel: str
    purpose: str
    day: date
    created_at: str  # ISO instant, seconds
    approved_by: str
    cost: float
    high_value: bool
    status: Status
    rules: tuple[RuleVerdict, ...]
    overrides: tuple[str, ...] = ()
    released_at: str | None = None
    released_by: str | None = None
    catalogue_version: int | None = None  # None: booked before versions were kept


@dataclass(frozen=True)
class BookingQuery:
    """Which bookings a listing wants (every filter optional), newest first.

    ``before_id`` pages (only ids below it); ``limit`` None means no limit.
    ``count`` asks for the total matching the filters (ignoring page and limit).
    """

    customer_id: str | None = None
    day: date | None = None
    include_released: bool = False
    before_id: int | None = None
    limit: int | None = 100
    count: bool = False


@dataclass(frozen=True)
class BookingPage:
    """One page of a listing and, when asked for, how many match in total."""

    bookings: list[StoredBooking]
    total: int | None = None


@dataclass(frozen=True)
class PlanHeader:
    """What the booking writer must know of the plan it books."""

    plan_id: str
    day: date
    hypothetical: bool
    parent_id: str | None = None


@dataclass(frozen=True)
class DayState:
    """The ledger as the rules read it for one day, from one consistent snapshot.

    ``used`` / ``spent``: today's active bookings and their cost per treatment.
    ``history``: per customer asked for, their active bookings on days from the
    ``since`` day asked for (the FREQUENCY window) up to any later day.
    ``newest_day``: the latest day any booking is for (PAST-DAY). Inside
    :meth:`LedgerStore.book`, ``plan`` is the plan being booked (None otherwise) and
    ``marked`` its rows already marked by an earlier booking (seq -> outcome).
    """

    day: date
    used: Mapping[str, int] = field(default_factory=dict)
    spent: Mapping[str, float] = field(default_factory=dict)
    history: Mapping[str, tuple[Booking, ...]] = field(default_factory=dict)
    newest_day: date | None = None
    plan: PlanHeader | None = None
    marked: Mapping[int, str] = field(default_factory=dict)

    def for_customer(self, customer_id: str | None) -> LedgerState:
        """The rules' view (:class:`tools.eligibility.LedgerState`) for a customer."""
        return LedgerState(
            day=self.day,
            used_today=dict(self.used),
            spent_today=dict(self.spent),
            customer_bookings=self.history.get(customer_id, ()) if customer_id else (),
        )


@dataclass(frozen=True)
class BookingScope:
    """What one booking transaction reads, locks and may write.

    ``customer_ids`` and ``treatments``: whose history is read and which day
    counters are used (a backend with row locks locks exactly these).
    ``history_since``: the first day of the FREQUENCY window. ``plan_id`` and
    ``plan_seqs``: the plan rows this transaction may mark.
    """

    day: date
    customer_ids: tuple[str, ...]
    treatments: tuple[str, ...]
    history_since: date
    plan_id: str | None = None
    plan_seqs: tuple[int, ...] = ()


class NewBooking(NamedTuple):
    """A booking the writer decided to make (every rule passed, or was overridden).

    A named tuple: a plan makes thousands of them in one transaction.
    """

    customer_id: str
    treatment_key: str
    channel: str
    purpose: str
    day: date
    created_at: datetime
    approved_by: str
    cost: float
    high_value: bool
    rules: tuple[RuleVerdict, ...]
    overrides: tuple[str, ...] = ()
    plan_seq: int | None = None  # the plan row it books (marked in the same commit)
    catalogue_version: int = 1  # the treatment catalogue version it was decided on


@dataclass(frozen=True)
class Judgement:
    """What a booking transaction writes: the bookings and the plan rows refused.

    ``refused``: (plan row seq, rule id) for rows the rules refused; they are
    marked ``refused:<rule>`` in the same commit.
    """

    bookings: list[NewBooking] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


# Called inside the booking transaction with the state read there; must be pure
# (a backend may call it again when it retries a transaction). Raise to write nothing.
Judge = Callable[[DayState], Judgement]


PlanRowInput = tuple[str, str, float, float, bool]  # customer, treatment, EV, cost, HV


@dataclass(frozen=True)
class NewPlan:
    """A plan to store; ``body`` renders its JSON document given its new id."""

    day: date
    created_at: datetime
    parent_id: str | None
    hypothetical: bool
    body: Callable[[str], str]
    rows: Sequence[PlanRowInput]


@dataclass(frozen=True)
class StoredPlan:
    """A stored plan: its header and JSON document."""

    header: PlanHeader
    created_at: str
    body: str


@dataclass(frozen=True)
class PlanRow:
    """One planned booking and, once booked or refused, what became of it."""

    seq: int
    customer_id: str
    treatment_key: str
    expected_value: float
    cost: float
    high_value: bool
    allocation_id: int | None
    outcome: str | None  # None, "booked" or "refused:<rule>"


@dataclass(frozen=True)
class AuditEntry:
    """One turn's audit record to store (``record`` is JSON-ready)."""

    at: datetime
    session_id: str
    customer_id: str | None
    approver: str | None
    question: str
    record: Mapping[str, Any]


@dataclass(frozen=True)
class StoredAudit:
    """An audit record as stored."""

    id: int
    at: str
    session_id: str
    customer_id: str | None
    approver: str | None
    question: str
    record: dict[str, Any]


@dataclass(frozen=True)
class BackupInfo:
    """A copy of the ledger made or restored: where, which ledger, how much."""

    path: Path
    ledger_id: str
    last_booking: int
    bookings: int
    bytes: int


def erased(text: str, customer_id: str) -> str:
    """``text`` with every whole mention of ``customer_id`` replaced by [erased].

    Whole mentions only: erasing U12 leaves U123 as it is.
    """
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(customer_id)}(?![A-Za-z0-9_])"
    return re.sub(pattern, ERASED, text)
