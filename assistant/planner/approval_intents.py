"""The planner's rows for second approvals of big plans (login on).

"What needs my approval?" lists the big plans awaiting a second analyst's approval
(``plan_approvals``) and, in a logged-in conversation, proposes the second approval
of the oldest one another analyst asked for (``approve_plan``, held: the plan id
typed back as the whole message, or Approve, books it). "Decline plan P…" proposes
declining a request (``decline_plan``, held). "Approve plan P…" is the plan intents'
"book the plan": the guard makes it the second approval when another analyst asked
(:mod:`assistant.approvals.second`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Call, Intent, Results, call
from assistant.planner.plan_calls import PLAN_ID
from assistant.planner.utterance import Utterance
from assistant.views.text import money
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.planning.second_approval import ApprovalInbox

_INBOX = compiled(
    r"\b(needs?|awaiting|waiting (for|on)|pending|requires?)\b.{0,30}\b(my |a |your |"
    r"the |second |)approv|\b(approval|second[- ]approval) (requests?|queue|inbox)\b|"
    r"\banything (for me )?to approve\b|\bsecond approvals?\b",
    re.I,
)
_DECLINE = compiled(
    r"^\W*(please\W+)?(decline|reject|refuse|withdraw|turn down)\b.{0,30}"
    r"\b(plan|request)\b",
    re.I,
)


def _inbox_calls(ask: Ask, customer: str | None) -> list[Call]:
    return [call("plan_approvals")]


def _propose_second(ask: Ask, customer: str | None) -> Call | None:
    """The second approval of the oldest request another analyst made."""
    from tools.planning.second_approval import analyst

    inbox: ApprovalInbox | None = ask.results.one("plan_approvals")
    if inbox is None or not ask.session.login:
        return None
    me = analyst(ask.session.approver)
    theirs = [r for r in inbox.requests if r.requested_by != me and not r.stale]
    return call("approve_plan", plan_id=theirs[0].plan_id) if theirs else None


def answer_inbox(ask: Ask, customer: str | None, results: Results) -> str:
    """The requests awaiting a second approval, and how to give it."""
    from tools.planning.second_approval import analyst

    inbox: ApprovalInbox | None = results.one("plan_approvals")
    if inbox is None:
        failure = results.failure()
        return f"I could not read the requests: {failure}" if failure else ""
    if not inbox.requests:
        return "Nothing awaits a second approval."
    me = analyst(ask.session.approver)
    lines = ["Big plans awaiting a second approval:"]
    for r in inbox.requests:
        mine = " (yours: it awaits another analyst)" if r.requested_by == me else ""
        if r.stale:
            mine = f" (stale: {r.stale}; 'decline plan {r.plan_id}' closes it)"
        lines.append(
            f"- Plan {r.plan_id}: {r.contacts:,} bookings, {money(r.spend)}, "
            f"requested by {r.requested_by} at {r.requested_at}{mine}"
        )
    held = results.held("approve_plan")
    if held is not None:
        plan_id = held.arguments["plan_id"]
        lines.append(
            f"\nTo approve plan {plan_id} and book it, type **{plan_id}** as the whole"
            f" message (or press Approve); 'decline plan {plan_id}' declines it."
        )
    elif results.failure("approve_plan"):
        lines.append(f"\nNot proposed: {results.failure('approve_plan')}")
    elif not ask.session.login:
        lines.append(
            "\nSecond approvals are given by logged-in analysts in the UI (login on)."
        )
    return "\n".join(lines)


def _decline_calls(ask: Ask, customer: str | None) -> list[Call]:
    named = PLAN_ID.search(ask.u.text)
    pending = ask.session.pending
    plan_id = (
        named.group(0).upper()
        if named
        else str(pending.arguments.get("plan_id"))
        if pending and "plan_id" in pending.arguments
        else ask.session.plan_id
    )
    return [call("decline_plan", plan_id=plan_id)] if plan_id else []


def answer_decline(ask: Ask, customer: str | None, results: Results) -> str:
    """Declining a request, proposed for confirmation (nothing is written yet)."""
    held = results.held("decline_plan")
    if held is not None:
        return f"{held.title}: reply 'yes' to decline it, 'no' to keep it."
    failure = results.failure()
    if failure:
        return f"I could not do that: {failure}"
    return "Which plan's request? Name it, e.g. 'decline plan P20240306-1'."


def _is_inbox(u: Utterance, ask: Ask) -> bool:
    return bool(_INBOX.search(u.text))


def _is_decline(u: Utterance, ask: Ask) -> bool:
    return bool(_DECLINE.search(u.text))


APPROVAL_INTENTS: list[Intent] = [
    Intent(
        name="approvals_inbox",
        cues=(),
        when=_is_inbox,
        bonus=lambda u, ask: 9.5,
        calls=_inbox_calls,
        proposes=_propose_second,
        answer=answer_inbox,
        needs_customer=False,
        priority=5,
        examples=("what needs my approval?", "anything to approve?"),
    ),
    Intent(
        name="plan_decline",
        cues=(),
        when=_is_decline,
        bonus=lambda u, ask: 9.5,
        calls=_decline_calls,
        answer=answer_decline,
        needs_customer=False,
        priority=5,
        examples=("decline plan P20240306-1", "reject the plan request"),
    ),
]
