"""Second-approval requests as the ledger holds them: typed values and their rows.

With login on, the first analyst's approval of a big plan (config ``big_plan``)
books nothing: it records a request here (plan, requester, time, totals, why it
is big). Another analyst then approves it (the plan is booked, with both names) or
either declines it; a request found stale (day passed, plan changed or already
booked) is closed as such. At most one request per plan is pending at a time.

Both backends (table ``plan_approvals``) store a request as :func:`new_row` makes
it and read it back with :func:`stored`, in :data:`COLUMNS` order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from tools.ledger.rows import Dialect, day, stamp

ApprovalStatus = Literal["pending", "approved", "declined", "stale"]
STATUSES: tuple[ApprovalStatus, ...] = ("pending", "approved", "declined", "stale")


@dataclass(frozen=True)
class NewApprovalRequest:
    """A request for a second analyst's approval of booking a plan."""

    plan_id: str
    day: date
    requested_by: str
    requested_at: datetime
    contacts: int
    spend: float
    reason: str  # why the plan is big (tools.planning.big_plan)


@dataclass(frozen=True)
class StoredApprovalRequest:
    """A request as stored, with what became of it."""

    request_id: int
    plan_id: str
    day: date
    requested_by: str
    requested_at: str  # ISO instant, seconds
    contacts: int
    spend: float
    reason: str
    status: ApprovalStatus
    decided_by: str | None = None
    decided_at: str | None = None
    note: str = ""


COLUMNS = (
    "request_id, plan_id, day, requested_by, requested_at, contacts, spend, reason, "
    "status, decided_by, decided_at, note"
)
SELECT = f"SELECT {COLUMNS} FROM plan_approvals"
# A new request's columns, in :func:`new_row` order (the rest have defaults).
NEW_COLUMNS = "plan_id, day, requested_by, requested_at, contacts, spend, reason"


def new_row(request: NewApprovalRequest, d: Dialect) -> tuple[Any, ...]:
    """A new request's values for :data:`NEW_COLUMNS`."""
    return (
        request.plan_id,
        d.day(request.day),
        request.requested_by,
        stamp(request.requested_at),
        request.contacts,
        request.spend,
        request.reason,
    )


def stored(row: Sequence[Any]) -> StoredApprovalRequest:
    """A request from a row of :data:`COLUMNS`."""
    return StoredApprovalRequest(
        request_id=int(row[0]),
        plan_id=row[1],
        day=day(row[2]),
        requested_by=row[3],
        requested_at=row[4],
        contacts=int(row[5]),
        spend=float(row[6]),
        reason=row[7],
        status=row[8],
        decided_by=row[9],
        decided_at=row[10],
        note=row[11],
    )
