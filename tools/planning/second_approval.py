"""A second analyst's approval of a big plan (with login on; issue 23 part 7).

With login on, an analyst's approval of a plan above config ``big_plan``
(:func:`tools.planning.big_plan.big_plan_reason`) books nothing:
:func:`request_plan_approval` records a pending request in the ledger (plan,
requester, time, totals). Another logged-in analyst sees it
(:func:`plan_approvals`) and gives the second approval (:func:`approve_plan`):
only then is the plan booked, through the one booking writer
(:func:`tools.planning.booking.book_plan`), its bookings approved by both names.
The requester's own second approval is refused (rule SECOND-APPROVAL); a stale
request (the day passed, the plan changed or was booked meanwhile) is closed and
refused with the reason; either analyst may decline it (:func:`decline_plan`).

Without login none of this applies: the chat asks for the plan id typed back and
the CLI for ``--confirm-plan ID``.

What the tools answer (a request, the inbox, a plan booked on a second approval)
is :mod:`tools.planning.second_approval_results`'s.
"""

from __future__ import annotations

from pydantic import Field

from tools.context import ToolContext
from tools.errors import PolicyBlocked, ToolInputError
from tools.lazy_model import LazyModel
from tools.ledger.approvals import (
    ApprovalStatus,
    NewApprovalRequest,
    StoredApprovalRequest,
)
from tools.ledger.days import ledger_day
from tools.planning.big_plan import RULE, big_plan_reason
from tools.planning.booking import book_plan
from tools.planning.model import Plan
from tools.planning.second_approval_results import (
    ApprovalInbox,
    ApprovalRequest,
    SecondApproval,
)
from tools.planning.store import plan_store


class InboxArgs(LazyModel):
    """Arguments of ``plan_approvals`` (none)."""


class PlanApprovalArgs(LazyModel):
    """Arguments of the second-approval tools: the plan."""

    plan_id: str = Field(description="The plan id, e.g. P20240306-1.")


def analyst(approver: str) -> str:
    """Who approves, without a note ("ana (ui)" is ana approving from the UI)."""
    return approver.split(" (", 1)[0].strip()


def pending_request(plan_id: str, ctx: ToolContext) -> StoredApprovalRequest | None:
    """The plan's request awaiting a second approval, if any."""
    found = ctx.ledger.approval_requests(plan_id.strip().upper(), limit=1)
    return found[0] if found else None


def plan_approvals(ctx: ToolContext) -> ApprovalInbox:
    """Big plans awaiting a second analyst's approval before they are booked.

    Each request names the plan, who asked for it, when, its bookings and cost,
    and why it can no longer be approved if it is stale (the day passed, the plan
    changed or was booked meanwhile: decline it to close it). Another analyst
    approves one by typing its plan id (or pressing Approve).
    """
    return ApprovalInbox(
        requests=[
            ApprovalRequest.of(r).model_copy(update={"stale": _stale(r, ctx)})
            for r in ctx.ledger.approval_requests()
        ]
    )


def _bookable(plan: Plan, ctx: ToolContext) -> str | None:
    """Why the plan cannot be booked now (None: it can)."""
    today = ledger_day(ctx.config, ctx.now())
    if plan.day != today:
        return f"plan {plan.plan_id} is for {plan.day}, and today is {today}"
    if plan.hypothetical:
        return f"plan {plan.plan_id} is hypothetical (a what-if): never bookable"
    if any(r.outcome is not None for r in plan_store(ctx).rows(plan.plan_id)):
        return f"plan {plan.plan_id} was already booked"
    return None


def check_requestable(plan_id: str, ctx: ToolContext) -> tuple[Plan, str]:
    """The plan and why it is big, if a second approval can be asked for it.

    Raises:
        ToolInputError: No such plan, not a big plan, or it cannot be booked now.
    """
    plan = plan_store(ctx).get(plan_id.strip().upper())
    reason = big_plan_reason(plan, ctx.config)
    if reason is None:
        raise ToolInputError(
            f"Plan {plan.plan_id} is within the big-plan limits: it needs no second "
            "approval (book it directly)."
        )
    why = _bookable(plan, ctx)
    if why:
        raise ToolInputError(f"Plan {plan.plan_id} cannot be booked: {why}.")
    return plan, reason


def request_plan_approval(
    plan_id: str, approved_by: str, ctx: ToolContext
) -> ApprovalRequest:
    """Ask another analyst to approve booking a big plan (books nothing yet).

    Args:
        plan_id: The plan, e.g. P20240306-1.
        approved_by: The analyst asking (the first approval).
        ctx: Configuration, ledger and clock.

    Raises:
        ToolInputError: No such plan, not a big plan, or it cannot be booked now.
    """
    plan, reason = check_requestable(plan_id, ctx)
    stored = ctx.ledger.request_approval(
        NewApprovalRequest(
            plan_id=plan.plan_id,
            day=plan.day,
            requested_by=analyst(approved_by),
            requested_at=ctx.now(),
            contacts=plan.assigned,
            spend=round(plan.spend, 2),
            reason=reason,
        )
    )
    return ApprovalRequest.of(stored)


def _stale(request: StoredApprovalRequest, ctx: ToolContext) -> str | None:
    """Why a pending request can no longer be approved (None: it can)."""
    try:
        plan = plan_store(ctx).get(request.plan_id)
    except ToolInputError:
        return f"there is no plan {request.plan_id} any more"
    why = _bookable(plan, ctx)
    if why:
        return why
    if (plan.assigned, round(plan.spend, 2)) != (request.contacts, request.spend):
        return (
            f"plan {plan.plan_id} changed since it was requested ({request.contacts:,}"
            f" bookings, £{request.spend:,.2f}; now {plan.assigned:,}, "
            f"£{plan.spend:,.2f})"
        )
    return None


def _awaiting(plan_id: str, ctx: ToolContext) -> StoredApprovalRequest:
    """The plan's pending request, or why there is none."""
    request = pending_request(plan_id, ctx)
    if request is not None:
        return request
    earlier = ctx.ledger.approval_requests(plan_id.strip().upper(), pending_only=False)
    if not earlier:
        raise ToolInputError(
            f"No second approval was requested for plan {plan_id.strip().upper()}."
        )
    raise _no_longer_pending(earlier[-1])


def _no_longer_pending(last: StoredApprovalRequest) -> ToolInputError:
    return ToolInputError(
        f"The request for plan {last.plan_id} is no longer pending: {last.status} "
        f"by {last.decided_by or 'the assistant'} at {last.decided_at}"
        + (f" ({last.note})" if last.note else "")
        + ". Nothing was booked."
    )


def _settle(
    request: StoredApprovalRequest, status: ApprovalStatus, by: str, note: str,
    ctx: ToolContext,
) -> None:  # fmt: skip
    """Settle the pending request, or say who settled it first (ToolInputError)."""
    before = ctx.ledger.settle_approval(request.request_id, status, by, ctx.now(), note)
    if before is None or before.status != "pending":  # another analyst was first
        raise _no_longer_pending(_current(request, ctx))


def _current(request: StoredApprovalRequest, ctx: ToolContext) -> StoredApprovalRequest:
    """The request as the ledger holds it now."""
    found = ctx.ledger.approval_requests(request.plan_id, pending_only=False)
    return next(r for r in found if r.request_id == request.request_id)


def check_awaiting(plan_id: str, ctx: ToolContext, stale_ok: bool = False) -> None:
    """Refuse at once a second approval (or decline) that would be refused.

    Raises:
        ToolInputError: No pending request for the plan, or (unless ``stale_ok``)
            it is stale.
    """
    request = _awaiting(plan_id, ctx)
    stale = None if stale_ok else _stale(request, ctx)
    if stale:
        raise ToolInputError(
            f"The request for plan {request.plan_id} is stale: {stale}. Nothing "
            "was booked."
        )


def approve_plan(plan_id: str, approved_by: str, ctx: ToolContext) -> SecondApproval:
    """Give the second approval of a big plan another analyst asked to book; books it.

    Args:
        plan_id: The plan awaiting a second approval.
        approved_by: The second analyst (not the one who asked).
        ctx: Configuration, ledger, customers and clock.

    Raises:
        PolicyBlocked: SECOND-APPROVAL: the approver is the one who asked.
        ToolInputError: No pending request, or it is stale (closed as such).
    """
    request = _awaiting(plan_id, ctx)
    who = analyst(approved_by)
    if who == request.requested_by:
        raise PolicyBlocked(
            RULE,
            f"the second approval must come from another analyst: {who} asked for "
            f"plan {request.plan_id} to be booked; nothing was booked",
        )
    stale = _stale(request, ctx)
    if stale:
        _settle(request, "stale", who, stale, ctx)
        raise ToolInputError(
            f"The request for plan {request.plan_id} is stale: {stale}. It is "
            "closed; nothing was booked."
        )
    _settle(request, "approved", who, "", ctx)
    try:
        booking = book_plan(
            request.plan_id, f"{request.requested_by} + {approved_by}", ctx
        )
    except Exception as exc:  # the request waits again; the error propagates
        ctx.ledger.settle_approval(
            request.request_id, "pending", None, ctx.now(), f"booking failed: {exc}",
            expect="approved",
        )  # fmt: skip
        raise
    settled = _current(request, ctx)
    return SecondApproval(request=ApprovalRequest.of(settled), booking=booking)


def decline_plan(plan_id: str, approved_by: str, ctx: ToolContext) -> ApprovalRequest:
    """Decline (or, for the analyst who asked, withdraw) a big plan's request.

    Nothing is booked; the plan can be requested again.

    Args:
        plan_id: The plan awaiting a second approval.
        approved_by: The analyst declining.
        ctx: Ledger and clock.

    Raises:
        ToolInputError: No pending request for that plan.
    """
    request = _awaiting(plan_id, ctx)
    _settle(request, "declined", analyst(approved_by), "", ctx)
    return ApprovalRequest.of(_current(request, ctx))
