"""The guard: a write happens by construction, never by interpretation.

At the start of a turn :func:`begin_turn` fixes the turn's :class:`TurnScope` from
the analyst's message *before* any model call: the customers in focus (named in the
message, else the conversation's customer) and whether the message confirms or
declines the pending action. A message confirms only when, as a whole, it is one of
the pending action's closed-set confirmations (:mod:`assistant.core.confirm`)
and that action was shown to the analyst at the end of the last turn. The UI's
Approve confirms by the server-issued id alone (:func:`begin_ui_approval`).

:func:`check_write` then decides every WRITE call of the turn, from the model, the
planner or a button:

- the confirmed action, once: **runs** (rule APPROVAL refuses any second write);
- a WRITE for a customer not in focus: refused before anything is evaluated;
- a second, different proposal in the same turn: refused (one action at a time);
- otherwise it is **held**: it becomes the pending action, shown with its
  consequences, and runs only on a later confirmation. A question never replaces
  a pending action (it may propose one when none is pending).

Tool results never change a scope once fixed, so text quoted from customer
transcripts cannot widen it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from assistant.approvals.second import Refused, route
from assistant.core.confirm import confirms, declines, is_confirmation
from assistant.core.mentions import (
    booking_ids_in,
    customer_ids_in,
    treatments_named,
)
from assistant.core.pending import PendingAction, Source
from assistant.core.session import Session
from assistant.toolkit.spec import ToolSpec
from tools.allocation import get_allocation
from tools.context import ToolContext
from tools.errors import CVMError, PolicyBlocked
from tools.ledger.writer import OVERRIDABLE

PENDING_TURNS = 6  # messages on other things after which a pending action expires
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:what|what's|whats|why|how|when|where|who|whom|which|whose|"
    r"is|are|was|were|do|does|did|can|could|would|should|shall|will|has|have|had|"
    r"may|might|isn'?t|aren'?t|any idea|i wonder)\b",
    re.I,
)
Decision = Literal["confirmed", "declined", "nothing_pending", "reshow", "none"]


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


@dataclass(frozen=True)
class Verdict:
    """Run, hold (pending, shown) or refuse with a rule id and a message."""

    outcome: Literal["run", "held", "refused"]
    rule: str | None = None
    message: str = ""
    action: PendingAction | None = None


RUN = Verdict("run")


def _refuse(message: str) -> Verdict:
    return Verdict("refused", "APPROVAL", message)


def no_scope() -> TurnScope:
    """The scope of a turn that approves nothing (e.g. a refused message)."""
    return TurnScope(text="", focus=())


def begin_turn(text: str, session: Session, ctx: ToolContext) -> TurnScope:
    """Fix the turn's scope from the analyst's message; expire stale actions.

    The focus is the customers the message names (by id, or as the customer of a
    booking it names by number), else the conversation's customer.

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
    focus = tuple(dict.fromkeys(named + booked)) or (
        (session.customer_id,) if session.customer_id else ()
    )
    scope = TurnScope(text=text, focus=focus, question=bool(QUESTION.search(text)))
    _expire(scope, session, named)
    pending = session.pending
    if pending is not None and confirms(text, pending.confirmations):
        if session.shown == pending.id:
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


def make_action(
    spec: ToolSpec[Any, Any],
    args: BaseModel,
    ctx: ToolContext,
    turn: int,
    source: Source,
    overrides: tuple[str, ...] = (),
) -> PendingAction:
    """A pending action for a WRITE call, with a fresh server-issued id."""
    approval = spec.approval
    assert approval is not None, f"{spec.name} is not a WRITE tool"
    title, details = approval.describe(args, ctx)
    if overrides:  # the warning the analyst sees before confirming
        details = [
            *details,
            f"Warning: {', '.join(overrides)} refuses this; your order overrides it "
            "and the override is recorded with the booking and in the audit.",
        ]
    return PendingAction(
        id=secrets.token_urlsafe(12),
        tool=spec.name,
        verb=approval.verb,
        arguments=args.model_dump(mode="json"),
        key=approval.key(args),
        customers=approval.customers(args, ctx),
        title=title,
        details=details,
        confirmations=tuple(sorted(approval.confirmations(args, ctx), key=_first)),
        overrides=overrides,
        turn=turn,
        source=source,
    )


def _first(text: str) -> tuple[int, str]:
    """Confirmations in the order a prompt shows them: 'yes' first."""
    return (text != "yes", text)


def check_write(
    spec: ToolSpec[Any, Any],
    args: BaseModel,
    scope: TurnScope,
    session: Session,
    ctx: ToolContext,
    source: Source = "model",
) -> Verdict:
    """Decide whether a WRITE call runs now, is held for confirmation, or is refused.

    Args:
        spec: The WRITE tool.
        args: Its validated arguments.
        scope: What the analyst's message allows this turn.
        session: The conversation (its pending action).
        ctx: Configuration and ledger.
        source: Who made the call (the model, the planner, a button).
    """
    called = spec
    try:  # with login, a big plan's booking is a request or a second approval
        spec = route(spec, args, session, ctx)
    except Refused as exc:
        return Verdict("refused", exc.rule, str(exc))
    approval = spec.approval
    assert approval is not None
    key = approval.key(args)
    if scope.grant is not None:
        if not scope.used and spec is called and scope.grant.same_as(spec.name, key):
            scope.used = True
            return RUN
        return _refuse(
            f"The analyst confirmed one action in this message ({scope.grant.title});"
            f" this {approval.verb} is another action. One approval is one action."
        )
    customers = approval.customers(args, ctx)
    if customers and not set(customers) <= set(scope.focus):
        return _refuse(
            f"{', '.join(customers)} is not the customer in focus "
            f"({', '.join(scope.focus) or 'none yet'}); nothing was evaluated. Ask "
            "the analyst about that customer first."
        )
    pending = session.pending
    if pending is not None and pending.same_as(spec.name, key):
        scope.presented = pending
        return Verdict("held", action=pending)
    if scope.presented is not None:
        return _refuse(
            f"'{scope.presented.title}' is already proposed in this turn; propose one "
            "action at a time."
        )
    if pending is not None and scope.question:
        return _refuse(
            f"The analyst asked a question; it does not replace the pending action "
            f"'{pending.title}'. Answer it; they can ask for this one explicitly."
        )
    overrides: tuple[str, ...] = ()
    if approval.check is not None:
        try:
            approval.check(args, ctx)
        except PolicyBlocked as exc:
            overrides = _overrides(spec, args, scope, ctx, exc)
            if not overrides:
                return Verdict("refused", exc.rule, exc.reason)
        except CVMError as exc:
            return Verdict("refused", None, str(exc))
    action = make_action(spec, args, ctx, session.turns, source, overrides)
    scope.presented = session.hold(action)
    return Verdict("held", action=scope.presented)


def _overrides(
    spec: ToolSpec[Any, Any],
    args: BaseModel,
    scope: TurnScope,
    ctx: ToolContext,
    blocked: PolicyBlocked,
) -> tuple[str, ...]:
    """The rules the analyst's own order overrides, when only those refused it.

    Only a booking of a treatment the analyst named, for a customer in focus, in
    their own words this turn (not a button, not the model's own choice), refused
    by nothing but rules the booking writer lets an analyst override
    (``OVERRIDABLE``: SUITABILITY). Empty otherwise: the refusal stands. A rule
    that passes is never "overridden", so the audit records only real overrides.
    """
    key = getattr(args, "treatment_key", None)
    if spec.name != "allocate_treatment" or scope.via_ui or key is None:
        return ()
    if key not in treatments_named(scope.text, ctx.config):
        return ()
    failed = frozenset(blocked.rules)
    return tuple(sorted(failed)) if failed <= OVERRIDABLE else ()
