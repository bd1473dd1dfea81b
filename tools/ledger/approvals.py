"""Second-approval requests as the ledger holds them: plain typed values, no SQL.

With login on, the first analyst's approval of a big plan (config ``big_plan``)
books nothing: it records a request here (plan, requester, time, totals, why it
is big). Another analyst then approves it (the plan is booked, with both names) or
either declines it; a request found stale (day passed, plan changed or already
booked) is closed as such. At most one request per plan is pending at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

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
