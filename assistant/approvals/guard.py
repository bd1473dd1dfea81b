"""The guard: a write happens by construction, never by interpretation.

At the start of a turn the turn's scope is fixed from the analyst's message, before
any model call (:mod:`assistant.approvals.scope`: the customers in focus, and
whether the message confirms or declines the pending action, shown to them).
:func:`check_write` then decides every WRITE call of the turn against it, from the
model, the planner or a button:

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

import secrets
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from assistant.approvals.scope import TurnScope
from assistant.approvals.second import Refused, route
from assistant.core.mentions import treatments_named
from assistant.core.pending import PendingAction, Source
from assistant.core.session import Session
from assistant.toolkit.spec import ToolSpec
from tools.context import ToolContext
from tools.errors import CVMError, PolicyBlocked
from tools.ledger.judge import OVERRIDABLE


@dataclass(frozen=True)
class Verdict:
    """Run, hold (pending, shown) or refuse with a rule id and a message."""

    outcome: Literal["run", "held", "refused"]
    rule: str | None = None
    message: str = ""
    action: PendingAction | None = None


RUN = Verdict("run")
__all__ = ["RUN", "TurnScope", "Verdict", "check_write", "make_action"]


def _refuse(message: str) -> Verdict:
    return Verdict("refused", "APPROVAL", message)


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
    verdict = _against_scope(spec, spec is called, args, scope, session, ctx)
    if verdict is not None:
        return verdict
    approval = spec.approval
    assert approval is not None
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


def _against_scope(
    spec: ToolSpec[Any, Any],
    as_called: bool,
    args: BaseModel,
    scope: TurnScope,
    session: Session,
    ctx: ToolContext,
) -> Verdict | None:
    """The verdict the turn's scope gives before the write is checked (None: none).

    The confirmed action runs once (``as_called``: not rerouted to another tool);
    anything else in a confirming turn, a customer out of focus, a second proposal
    or a question while an action is pending is refused; the pending action asked
    for again is held (shown) as it is.
    """
    approval = spec.approval
    assert approval is not None
    key = approval.key(args)
    if scope.grant is not None:
        if not scope.used and as_called and scope.grant.same_as(spec.name, key):
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
        pending.turn = session.turns  # shown again: it expires counting from now
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
    return None


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
