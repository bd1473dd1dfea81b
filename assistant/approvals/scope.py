"""The turn's scope: what the analyst's message allows this turn to write.

At the start of a turn :func:`begin_turn` fixes the turn's :class:`TurnScope` from
the analyst's message *before* any model call: the customers in focus (named in the
message, else the conversation's customer) and whether the message confirms or
declines the pending action. A message confirms only when, as a whole, it is one of
the pending action's closed-set confirmations (:mod:`assistant.core.confirm`)
and that action was shown to the analyst at the end of the last turn. The UI's
Approve confirms by the server-issued id alone (:func:`begin_ui_approval`).
:func:`end_turn` closes what the turn carried out. Every WRITE call of the turn is
then decided against the scope by :func:`assistant.approvals.guard.check_write`.

Tool results never change a scope once fixed, so text quoted from customer
transcripts cannot widen it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.core.confirm import confirms, declines, is_confirmation
from assistant.core.mentions import booking_ids_in, customer_ids_in
from assistant.core.pending import PendingAction
from assistant.core.session import Session
from tools.bookings import get_allocation
from tools.context import ToolContext

PENDING_TURNS = 6  # messages on other things after which a pending action expires
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:what|what's|whats|why|how|when|where|who|whom|which|whose|"
    r"is|are|was|were|do(?!\s+(?:it|that|this|so|the needful)\b)|does|did|can|could|"
    r"would|should|shall|will|has|have|had|"
    r"may|might|isn'?t|aren'?t|any idea|i wonder)\b",
    re.I,
)
Decision = Literal[
    "confirmed", "declined", "nothing_pending", "reshow", "other_words", "none"
]


@dataclass
class TurnScope:
    """What the analyst's current message allows this turn to write."""

    text: str
    focus: tuple[str, ...]
    decision: Decision = "none"
    question: bool = False
    grant: PendingAction | None = None
    used: bool = False
    via_ui: bool = False
    presented: PendingAction | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def execute_now(self) -> bool:
        """The turn runs the confirmed action and nothing else."""
        return self.grant is not None

    def summary(self) -> dict[str, Any]:
        """For the audit record."""
        return {
            "decision": self.decision,
            "focus": list(self.focus),
            "granted": self.grant.title if self.grant else None,
            "granted_id": self.grant.id if self.grant else None,
            "overrides": list(self.grant.overrides) if self.grant else [],
            "used": self.used,
            "via_ui": self.via_ui,
            "proposed": self.presented.title if self.presented else None,
            "notes": self.notes,
        }


def no_scope() -> TurnScope:
    """The scope of a turn that approves nothing (e.g. a refused message)."""
    return TurnScope(text="", focus=())


def begin_turn(text: str, session: Session, ctx: ToolContext) -> TurnScope:
    """Fix the turn's scope from the analyst's message; expire stale actions.

    The focus is the customers the message names (by id, or as the customer of a
    booking it names by number), else the conversation's customer, else the
    customer of the action pending.

    Args:
        text: The analyst's message, exactly as typed.
        session: The conversation (its customer and pending action).
        ctx: The ledger (whose bookings a message may name).
    """
    listed = session.focus.listed(text)[1]  # "the top one" of the list last shown
    named = tuple(customer_ids_in(text)) or ((listed,) if listed else ())
    booked = tuple(
        b.customer_id
        for n in booking_ids_in(text)
        if (b := get_allocation(n, ctx)) is not None
    )
    pending_for = session.pending.customers if session.pending else ()
    focus = (
        tuple(dict.fromkeys(named + booked))
        or ((session.customer_id,) if session.customer_id else ())
        or pending_for  # "do it by email instead": the pending booking's customer
    )
    scope = TurnScope(text=text, focus=focus, question=bool(QUESTION.search(text)))
    _expire(scope, session, named)
    pending = session.pending
    if pending is not None and confirms(text, pending.confirmations):
        if _means_the_offer(text, session, pending):
            pass  # "book it" after an alternative was shown: proposed, not this one
        elif session.shown == pending.id:
            scope.grant, scope.decision = pending, "confirmed"
        else:
            scope.decision = "reshow"
            scope.notes.append("confirmation of an action not shown: shown now")
    elif pending is not None and declines(text):
        session.drop("the analyst declined it")
        scope.decision = "declined"
        scope.notes.append(f"declined: {pending.title}")
    elif pending is None and is_confirmation(text):
        scope.decision = "nothing_pending"
    elif pending is not None and is_confirmation(text):
        # a bare "yes" to an action confirmed by other words (a big plan: its id)
        scope.decision = "other_words"
        scope.notes.append(
            f"{pending.title} is confirmed by replying '{pending.confirmations[0]}', "
            "not a bare yes: nothing was done. Reply with it to go ahead, or 'no'."
        )
    return scope


def begin_ui_approval(action_id: str, session: Session) -> TurnScope | str:
    """The scope of a UI Approve: exactly the pending action with that id.

    Returns:
        The scope, or why the id approves nothing (expired, already done, unknown).
    """
    pending = session.pending
    if pending is None or pending.id != action_id:
        why = session.closed.get(action_id, "it is not a pending action")
        return f"That action can no longer be approved: {why}. Nothing was written."
    focus = pending.customers or ((session.customer_id,) if session.customer_id else ())
    return TurnScope(
        text="(UI) Approve",
        focus=focus,
        decision="confirmed",
        grant=pending,
        via_ui=True,
    )


def end_turn(scope: TurnScope, session: Session, customer_before: str | None) -> None:
    """Close what the turn carried out; expire an action left for another customer."""
    pending = session.pending
    if pending and scope.used and scope.grant and pending.id == scope.grant.id:
        session.drop("it was carried out")
    pending = session.pending
    if (
        pending
        and pending.customers
        and session.customer_id != customer_before
        and session.customer_id not in pending.customers
    ):
        session.drop(f"the conversation moved to {session.customer_id}")


def _expire(scope: TurnScope, session: Session, named: tuple[str, ...]) -> None:
    pending = session.pending
    if pending is None:
        return
    if named and not (pending.customers and set(pending.customers) <= set(named)):
        # another customer, or one customer while a plan (no customer) is pending
        session.drop(f"the conversation moved to {', '.join(named)}")
    elif session.turns - pending.turn >= PENDING_TURNS:
        session.drop("the conversation moved on to other things")
    if session.pending is None:
        scope.notes.append(f"pending action expired: {pending.title}")


def _means_the_offer(text: str, session: Session, pending: PendingAction) -> bool:
    """A booking order ("book it") right after another option was offered.

    The option offered instead of the pending booking ("Say book Data Boost to propose
    it instead") is what "book it" points at: the planner proposes it (shown, held
    for its own confirmation); the pending booking does not run. A bare "yes" still
    answers the action pending.
    """
    if pending.tool != "allocate_treatment" or not pending.customers:
        return False
    if is_confirmation(text):  # "yes", "go ahead": the action pending
        return False
    return session.offered_option(pending.customers[0], text) is not None
