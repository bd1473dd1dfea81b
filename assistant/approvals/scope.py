"""The guard: what one turn may write, decided from the analyst's message alone.

At the start of a turn :func:`begin_turn` reads the analyst's message
(:func:`~assistant.approvals.orders.classify_order`) and fixes the turn's
:class:`TurnScope`: the customers in focus (named in the message, else the
conversation's customer) and the *one* action the analyst approved, if any — a
pending action they confirmed, or the exact action their order names for a customer
in focus. Tool results never change a scope once it is fixed, so text from customer
transcripts cannot widen it.

:func:`check_write` then decides each WRITE call of the turn (rule APPROVAL):

- the approved action, once: runs;
- any other WRITE in a turn with an approval: refused (one approval = one action);
- a WRITE for a customer not in focus: refused before anything is evaluated;
- the pending action itself, unconfirmed: refused, still awaiting confirmation;
- a WRITE the analyst named without ordering it ("could we book the retention
  e-mail?"): held as the pending action, to confirm;
- anything else (never proposed to or named by the analyst): refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.approvals.actions import (
    ACTION_KINDS,
    PendingAction,
    booking_action,
    make_action,
)
from assistant.approvals.grants import resolve
from assistant.approvals.orders import (
    NotAnOrder,
    Order,
    Reading,
    classify_order,
    customer_ids_in,
)
from assistant.conversation.session import Session
from tools.context import ToolContext
from tools.treatment import BASELINE

PENDING_TURNS = 6  # messages on other things after which a pending action expires


@dataclass
class TurnScope:
    """What the analyst's current message allows this turn to write."""

    reading: Reading
    focus: tuple[str, ...]
    text: str = ""
    grant: PendingAction | None = None
    used: bool = False
    via_ui: bool = False
    execute_now: bool = False
    held: PendingAction | None = None
    presented: PendingAction | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """For the audit record."""
        r = self.reading
        return {
            "reading": r.kind if isinstance(r, Order) else f"not an order: {r.reason}",
            "focus": list(self.focus),
            "granted": self.grant.title if self.grant else None,
            "granted_id": self.grant.id if self.grant else None,
            "used": self.used,
            "via_ui": self.via_ui,
            "held": self.held.title if self.held else None,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Verdict:
    """Allow, or reject with a rule id and a message the model can act on."""

    allowed: bool
    rule: str | None = None
    message: str = ""


ALLOW = Verdict(True)


def _refuse(message: str) -> Verdict:
    return Verdict(False, "APPROVAL", message)


def no_scope() -> TurnScope:
    """The scope of a turn that approves nothing (e.g. a refused message)."""
    return TurnScope(reading=NotAnOrder("no_order"), focus=())


def begin_turn(text: str, session: Session, ctx: ToolContext) -> TurnScope:
    """Fix the turn's scope from the analyst's message; expire stale pending actions.

    Args:
        text: The analyst's message, exactly as typed.
        session: The conversation (its customer, pending action and bookings).
        ctx: Configuration and ledger.
    """
    reading = classify_order(text, ctx.config)
    named = tuple(customer_ids_in(text))
    focus = named or ((session.customer_id,) if session.customer_id else ())
    scope = TurnScope(
        reading=reading,
        focus=focus,
        text=text,
    )
    _expire(scope, session, named)
    if isinstance(reading, Order):
        resolution = resolve(reading, focus, session, ctx)
        scope.grant = resolution.grant
        if resolution.hold is not None:
            scope.held = scope.presented = session.hold(resolution.hold)
        if resolution.note:
            scope.notes.append(resolution.note)
        pending = session.pending
        scope.execute_now = bool(
            reading.kind == "confirm"
            and scope.grant
            and pending
            and scope.grant.id == pending.id
        )
    elif reading.reason == "question" and _ASKS_TO_BOOK.search(text):
        _offer_proposal(scope, session, ctx)
    return scope


_ASKS_TO_BOOK = re.compile(
    r"^\W*(?:could|can|should|shall|would|may)\s+(?:we|i|you)\s+(?:please\s+)?"
    r"(?:book|schedule|arrange|allocate)\s+(?:it|that|this|that one|this one)\b",
    re.I,
)


def _offer_proposal(scope: TurnScope, session: Session, ctx: ToolContext) -> None:
    """Hold the proposal again on "could we book it?", as a question to confirm."""
    proposal, customer = session.proposal, session.proposal_for
    if proposal is None or customer is None or customer not in scope.focus:
        return
    if proposal.treatment_key == BASELINE:
        return
    scope.presented = session.hold(booking_action(customer, proposal, session.turns))


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
        reading=NotAnOrder("no_order", "approved in the UI"),
        focus=focus,
        grant=pending,
        via_ui=True,
        execute_now=True,
    )


def end_turn(scope: TurnScope, session: Session, customer_before: str | None) -> None:
    """Close what the turn carried out; expire a pending action left behind."""
    pending = session.pending
    if (
        pending
        and scope.used
        and scope.grant
        and pending.same_as(scope.grant.tool, scope.grant.arguments)
    ):
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
    pending, reading = session.pending, scope.reading
    session.declined = None
    if pending is None:
        return
    if named and pending.customers and not set(pending.customers) <= set(named):
        session.drop(f"the conversation moved to {', '.join(named)}")
    elif isinstance(reading, NotAnOrder) and reading.declines:
        session.drop("the analyst declined it")
        session.declined = pending
    elif session.turns - pending.turn >= PENDING_TURNS:
        session.drop("the conversation moved on to other things")
    if session.pending is None:
        scope.notes.append(f"pending action expired: {pending.title}")


def check_write(
    tool: str,
    args: dict[str, Any],
    scope: TurnScope,
    session: Session,
    ctx: ToolContext,
) -> Verdict:
    """Decide whether a WRITE tool call may run now (rule APPROVAL).

    Args:
        tool: The WRITE tool's name.
        args: Its validated arguments.
        scope: What the analyst's message allows this turn.
        session: The conversation (its pending action).
        ctx: Configuration and ledger.
    """
    kind = ACTION_KINDS.get(tool)
    if kind is None:
        return _refuse(f"{tool} has no approval rule; it cannot run.")
    if scope.grant is not None:
        if not scope.used and scope.grant.same_as(tool, args):
            scope.used = True
            return ALLOW
        return _refuse(
            f"The analyst approved one action in this message ({scope.grant.title}); "
            f"this {kind.verb} is another action. One approval is one action: ask "
            "them to confirm it separately."
        )
    customers = kind.customers(args, ctx)
    held = scope.held
    if held is not None and held.same_as(tool, args):
        why = (
            f"it is for {', '.join(customers)}; the customer in focus is "
            f"{', '.join(scope.focus) or 'none yet'}"
            if customers and not set(customers) <= set(scope.focus)
            else "it was not made in this conversation"
        )
        return _refuse(
            f"'{held.title}' waits for the analyst's confirmation ({why}); it runs "
            "only when they reply yes (or press Approve)."
        )
    if customers and not set(customers) <= set(scope.focus):
        return _refuse(
            f"{', '.join(customers)} is not the customer in focus "
            f"({', '.join(scope.focus) or 'none yet'}); nothing was evaluated. Ask "
            "the analyst about that customer first."
        )
    pending = session.pending
    if pending and pending.same_as(tool, args):
        return _refuse(
            f"Not run: awaiting the analyst's confirmation of '{pending.title}'. "
            "Ask them to reply yes (or press Approve)."
        )
    if scope.held is None and _named_not_declined(tool, args, scope, ctx):
        action = session.hold(make_action(tool, args, ctx, session.turns, "model"))
        scope.held = scope.presented = action
        return _refuse(
            f"Not run: held for the analyst's confirmation: '{action.title}'. Ask "
            "them to confirm it (yes / Approve)."
        )
    return _refuse(
        f"The analyst has not ordered this {kind.verb} in this message, and it is "
        "not an action proposed to them. Present the recommendation and let them "
        "confirm; never book or cancel on your own."
    )


def _named_not_declined(
    tool: str, args: dict[str, Any], scope: TurnScope, ctx: ToolContext
) -> bool:
    reading = scope.reading
    if isinstance(reading, NotAnOrder) and reading.reason != "question":
        return False
    return ACTION_KINDS[tool].named(args, scope.text, ctx.config)
