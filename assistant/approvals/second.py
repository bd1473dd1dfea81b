"""A second analyst's approval of a big plan, with login on (issue 23 part 7).

The guard (:func:`assistant.approvals.guard.check_write`) asks :func:`route` which
WRITE a call really is before holding or running it:

- In a logged-in conversation, booking a big plan
  (:func:`tools.planning.big_plan.big_plan_reason`) is never ``book_plan`` itself:
  with no request pending it is ``request_plan_approval`` (the analyst's approval
  records a request in the ledger and books nothing); with another analyst's
  request pending it is ``approve_plan`` (the second approval, which books it);
  with the analyst's own request pending it is refused (SECOND-APPROVAL).
- ``approve_plan`` by the analyst who asked is refused at once (SECOND-APPROVAL).
- Without login the second-approval WRITEs are refused (SECOND-APPROVAL) and a big
  plan is confirmed as before: its id typed back as the whole message.

Each routed action is held, shown and confirmed like any other: the UI's Approve
carries its server-issued id, or the whole message is the plan id.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assistant.core.session import Session
from assistant.toolkit.registry import TOOLS
from assistant.toolkit.spec import ToolSpec
from tools.context import ToolContext
from tools.errors import CVMError
from tools.planning.big_plan import RULE, big_plan_reason

REQUEST, APPROVE, DECLINE = "request_plan_approval", "approve_plan", "decline_plan"
SECOND_WRITES = frozenset({REQUEST, APPROVE, DECLINE})
NEEDS_LOGIN = (
    "second approvals are given by logged-in analysts in the UI (login on: "
    "CVM_USERS); without login a big plan is confirmed by typing its plan id"
)


class Refused(CVMError):
    """The call is refused before it is held (rule SECOND-APPROVAL)."""

    rule = RULE


def route(
    spec: ToolSpec[Any, Any],
    args: BaseModel,
    session: Session,
    ctx: ToolContext,
) -> ToolSpec[Any, Any]:
    """The WRITE this call stands for in this conversation (see the module doc).

    Args:
        spec: The WRITE called.
        args: Its validated arguments.
        session: The conversation (its approver, whether logged in).
        ctx: The ledger (plans and requests).

    Raises:
        Refused: A second-approval WRITE without login, or the analyst's own
            request approved by themselves.
    """
    if spec.name in SECOND_WRITES and not session.login:
        raise Refused(NEEDS_LOGIN)
    if not session.login or spec.name not in {"book_plan", APPROVE}:
        return spec
    from tools.planning.second_approval import analyst, pending_request
    from tools.planning.store import plan_store

    plan_id = str(getattr(args, "plan_id", "")).strip().upper()
    request = pending_request(plan_id, ctx)
    me = analyst(session.approver)
    if request is not None and request.requested_by == me:
        raise Refused(
            f"the second approval must come from another analyst: you ({me}) asked "
            f"for plan {request.plan_id} to be booked; it awaits another analyst"
        )
    if spec.name == APPROVE:
        return spec
    if request is not None:
        return TOOLS[APPROVE]
    try:
        plan = plan_store(ctx).get(plan_id)
    except CVMError:
        return spec  # book_plan names the missing plan
    return TOOLS[REQUEST] if big_plan_reason(plan, ctx.config) else spec


def awaiting_others(session: Session, ctx: ToolContext) -> int:
    """How many requests await a second approval this analyst may give now."""
    from tools.planning.second_approval import analyst, plan_approvals

    me = analyst(session.approver)
    inbox = plan_approvals(ctx).requests
    return sum(r.requested_by != me and not r.stale for r in inbox)
