"""What the second-approval tools answer: a request, the inbox, a booked big plan.

The tools are :mod:`tools.planning.second_approval`'s; the requests are stored by
the ledger (:mod:`tools.ledger.approvals`).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from tools.lazy_model import LazyModel
from tools.ledger.approvals import StoredApprovalRequest
from tools.planning.booking import PlanBooking


class ApprovalRequest(LazyModel):
    """A request for a second analyst's approval of booking a big plan."""

    request_id: int
    plan_id: str
    day: date
    requested_by: str
    requested_at: str
    contacts: int = Field(description="Bookings in the plan.")
    spend: float = Field(description="The plan's cost in pounds.")
    reason: str = Field(description="Why it needs a second approval.")
    status: str = Field(description="pending, approved, declined or stale.")
    decided_by: str | None = None
    decided_at: str | None = None
    note: str = ""
    stale: str | None = Field(
        None, description="Why a pending request can no longer be approved."
    )

    @classmethod
    def of(cls, stored: StoredApprovalRequest) -> ApprovalRequest:
        """The tool-facing value of a stored request."""
        return cls.model_validate(stored, from_attributes=True)


class ApprovalInbox(LazyModel):
    """Requests awaiting a second approval, oldest first."""

    requests: list[ApprovalRequest]


class SecondApproval(LazyModel):
    """A big plan booked on a second analyst's approval."""

    request: ApprovalRequest
    booking: PlanBooking
