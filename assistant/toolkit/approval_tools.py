"""The second-approval tools' specs: list requests (READ), request, approve, decline.

With login on, booking a big plan is routed by the guard
(:mod:`assistant.approvals.second`) to ``request_plan_approval`` (the first
analyst's approval records a request; nothing is booked) or ``approve_plan`` (another
analyst's approval books it); ``decline_plan`` closes a request. Each is held as a
pending action and confirmed by the UI's Approve (its server-issued id) or, for a
request or a second approval, only by the plan id typed back as the whole message.
Joined to the registry by one line in :mod:`assistant.toolkit.registry`.
"""

from __future__ import annotations

from typing import Any

from assistant.core.confirm import GENERIC, normalise
from assistant.toolkit.plan_tools import plan_lines
from assistant.toolkit.spec import Approval, ToolSpec, dump
from assistant.views.plan_card import booking_answer
from assistant.views.text import money
from tools.context import ToolContext
from tools.errors import CVMError
from tools.planning import second_approval as second
from tools.planning.big_plan import big_plan_reason
from tools.planning.second_approval import PlanApprovalArgs
from tools.planning.second_approval_results import ApprovalRequest, SecondApproval
from tools.planning.store import plan_store


def _pid(args: PlanApprovalArgs) -> str:
    return args.plan_id.strip().upper()


def _plan_details(plan_id: str, ctx: ToolContext) -> list[str]:
    try:
        return plan_lines(plan_store(ctx).get(plan_id))
    except CVMError as exc:
        return [str(exc)]


def _typed_back(args: PlanApprovalArgs, ctx: ToolContext) -> frozenset[str]:
    return frozenset({normalise(_pid(args))})


def _describe_request(
    args: PlanApprovalArgs, ctx: ToolContext
) -> tuple[str, list[str]]:
    plan_id = _pid(args)
    try:
        plan = plan_store(ctx).get(plan_id)
    except CVMError as exc:
        lines, big = [str(exc)], None
    else:
        lines, big = plan_lines(plan), big_plan_reason(plan, ctx.config)
    lines.append(
        f"A big plan ({big or 'above the limits'}): your approval books nothing; it "
        "asks another analyst, whose approval then books it. Type the plan id "
        f"**{plan_id}** as the whole message (or press Approve) to ask."
    )
    return f"Ask another analyst to approve booking plan {plan_id}", lines


def _asked(result: ApprovalRequest, ctx: ToolContext) -> str:
    return (
        f"**Plan {result.plan_id} awaits a second approver.** Requested by "
        f"{result.requested_by} at {result.requested_at}: {result.contacts:,} "
        f"bookings, {money(result.spend)}. Nothing is booked yet: another analyst "
        "approves it (they ask 'what needs my approval?' and type the plan id, or "
        "press Approve)."
    )


def _check_request(args: PlanApprovalArgs, ctx: ToolContext) -> None:
    second.check_requestable(_pid(args), ctx)


def _check_awaiting(args: PlanApprovalArgs, ctx: ToolContext) -> None:
    second.check_awaiting(_pid(args), ctx)


def _describe_approve(
    args: PlanApprovalArgs, ctx: ToolContext
) -> tuple[str, list[str]]:
    plan_id = _pid(args)
    request = second.pending_request(plan_id, ctx)
    who = request.requested_by if request else "nobody"
    lines = _plan_details(plan_id, ctx)
    if request is not None:
        lines.append(
            f"Requested by {who} at {request.requested_at} ({request.reason}). "
            f"Your approval books it now, approved by {who} and you. Type the plan "
            f"id **{plan_id}** as the whole message (or press Approve) to approve."
        )
    return f"Second approval: book plan {plan_id} (requested by {who})", lines


def _approved(result: SecondApproval, ctx: ToolContext) -> str:
    r = result.request
    return (
        f"**Second approval given: plan {r.plan_id} is booked.** Requested by "
        f"{r.requested_by}, approved by {r.decided_by}.\n"
        + booking_answer(result.booking)
    )


def _describe_decline(
    args: PlanApprovalArgs, ctx: ToolContext
) -> tuple[str, list[str]]:
    plan_id = _pid(args)
    request = second.pending_request(plan_id, ctx)
    who = request.requested_by if request else "nobody"
    return (
        f"Decline the request to book plan {plan_id} (requested by {who})",
        ["Nothing is booked; the plan can be requested again."],
    )


def _declined(result: ApprovalRequest, ctx: ToolContext) -> str:
    return (
        f"Declined: plan {result.plan_id} (requested by {result.requested_by}) is "
        f"not booked; declined by {result.decided_by}."
    )


REQUEST = Approval[PlanApprovalArgs, ApprovalRequest](
    verb="ask a second approval for",
    key=lambda a: (_pid(a),),
    customers=lambda a, ctx: (),
    describe=_describe_request,
    outcome=_asked,
    check=_check_request,
    confirmations=_typed_back,
)
APPROVE = Approval[PlanApprovalArgs, SecondApproval](
    verb="give the second approval of",
    key=lambda a: (_pid(a),),
    customers=lambda a, ctx: (),
    describe=_describe_approve,
    outcome=_approved,
    check=_check_awaiting,
    confirmations=_typed_back,
)
DECLINE = Approval[PlanApprovalArgs, ApprovalRequest](
    verb="decline",
    key=lambda a: (_pid(a),),
    customers=lambda a, ctx: (),
    describe=_describe_decline,
    outcome=_declined,
    check=lambda a, ctx: second.check_awaiting(_pid(a), ctx, stale_ok=True),
    confirmations=lambda a, ctx: GENERIC,
)

SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(second.plan_approvals, second.InboxArgs, "READ", dump),
    ToolSpec(second.request_plan_approval, PlanApprovalArgs, "WRITE", dump,
             approval=REQUEST),
    ToolSpec(second.approve_plan, PlanApprovalArgs, "WRITE", dump, approval=APPROVE),
    ToolSpec(second.decline_plan, PlanApprovalArgs, "WRITE", dump, approval=DECLINE),
]  # fmt: skip
