"""One turn of the conversation: the analyst's message in, one reply and audit out.

The turn's write scope is fixed from the message first; a whole-message
confirmation (or the UI's Approve, by id) runs exactly the pending action without a
model call, and anything else goes to the model's rounds
(:mod:`assistant.conversation.rounds`: model → guarded tool calls → results →
repeat). Every exit closes the turn the same way (:func:`_finish`).
"""

from __future__ import annotations

import json
import logging
import time

from assistant.approvals.scope import (
    TurnScope,
    begin_turn,
    begin_ui_approval,
    end_turn,
    no_scope,
)
from assistant.conversation.audit import write_audit
from assistant.conversation.budget import trim_session
from assistant.conversation.dispatch import run_tool_call
from assistant.conversation.hooks import Hooks
from assistant.conversation.limits import bounded_text, message_refusal
from assistant.conversation.recovery import internal_error, stop_turn
from assistant.conversation.rounds import run_rounds
from assistant.core.messages import Message, ToolCall
from assistant.core.session import Session, Turn
from assistant.models.base import Model, ModelError, UnexpectedModelCall
from assistant.toolkit.registry import TOOLS
from tools.context import ToolContext
from tools.errors import LedgerUnavailable
from tools.treatment import one_recommendation_per_turn

log = logging.getLogger(__name__)
# answered without a model call (:func:`_closed_reply`)
CLOSED_DECISIONS = frozenset({"declined", "nothing_pending", "reshow", "other_words"})
NOTHING_PENDING = (
    "Nothing is waiting for your confirmation, so nothing was done. Ask for the "
    "action first (for example 'book the bill review call for U124'); I will show "
    "it and its consequences, and your 'yes' then books it."
)


def run_turn(
    question: str,
    session: Session,
    model: Model,
    ctx: ToolContext,
    hooks: Hooks | None = None,
) -> Turn:
    """Answer one analyst message, calling tools through the guard.

    The analyst's message fixes the turn's write scope first
    (:func:`assistant.approvals.scope.begin_turn`). Exits, each with a reply and one
    audit record: a closed-set confirmation of the pending action runs exactly that
    action, without a model call; a decline drops it; a confirmation with nothing
    pending says so; otherwise the model answers without tool calls, or the round
    limit (``model.max_tool_rounds``) or the tool-error budget
    (``model.max_tool_errors``) is reached; the model service fails after its
    retries (a friendly reply, never a traceback); anything else raised inside the
    turn (a bug) is caught at this one boundary: unanswered tool calls get error
    results, the traceback is logged and the analyst gets a short apology
    (``stopped="internal_error"``), so the next turn works; the message is longer
    than ``validation.max_message_chars`` (refused before the model sees it). An
    audit record the ledger refuses is said in the reply.
    """
    hooks = hooks or Hooks()
    started = time.perf_counter()
    settings = ctx.base_config  # settings and limits: the same in every catalogue
    kept = bounded_text(question, settings.settings.audit.max_question_chars)
    log.debug("turn start session=%s question=%r", session.id, kept)
    turn = Turn(question=kept)
    session.current = turn
    scope = no_scope()
    before = session.customer_id
    refusal = message_refusal(question, settings)
    if refusal:
        turn.stopped, turn.reply = "message_too_long", refusal
        session.turns += 1
        _audit(ctx, session, turn, scope, model.name)
        return turn
    limits = settings.model
    trim_session(
        session.messages, limits.history_token_budget, limits.history_max_turns
    )
    session.messages.append(Message(role="user", content=question))
    try:
        with one_recommendation_per_turn():
            scope = begin_turn(question, session, ctx)
            _route(scope, session, model, ctx, turn, hooks)
    except ModelError as exc:
        stop_turn(session, turn, "model_error", str(exc))
    except UnexpectedModelCall:
        raise  # a test's script ran out: the test must fail, not be apologised to
    except Exception as exc:  # noqa: BLE001 - the one boundary for unhandled bugs
        internal_error(session, turn, exc)
    return _finish(scope, session, model, ctx, turn, before, started)


def _route(
    scope: TurnScope,
    session: Session,
    model: Model,
    ctx: ToolContext,
    turn: Turn,
    hooks: Hooks,
) -> None:
    """Answer the turn as its scope says: the action, a closed reply or the model.

    The confirmed action runs; a decline, nothing pending, the action shown again
    or other words get their closed reply; anything else goes to the model's
    rounds. Raises what they raise: :func:`run_turn` is the one boundary.
    """
    if scope.grant is not None:
        _execute_approved(scope, session, ctx, turn, hooks)
    elif scope.decision in CLOSED_DECISIONS:
        _answer(session, turn, hooks, _closed_reply(scope, session))
    else:
        run_rounds(session, model, ctx, turn, scope, hooks)


def _closed_reply(scope: TurnScope, session: Session) -> str:
    """The reply to a whole-message confirmation or decline (no model call)."""
    if scope.decision == "declined":
        title = scope.notes[-1].removeprefix("declined: ")
        return f"Not done: {title} was dropped. Nothing was written."
    if scope.decision == "reshow" and session.pending is not None:
        # named in the reply itself: a transcript or a plain client shows no card
        return (
            "Before anything is done, this is what your confirmation would run: "
            f"**{session.pending.title}**. Reply **yes** to run it, or **no**."
        )
    if scope.decision == "other_words":
        return scope.notes[-1]
    return NOTHING_PENDING


def _answer(session: Session, turn: Turn, hooks: Hooks, text: str) -> None:
    turn.reply = text
    session.messages.append(Message(role="assistant", content=text))
    if hooks.on_token:
        hooks.on_token(text)


def run_approval(
    action_id: str,
    session: Session,
    model: Model,
    ctx: ToolContext,
    hooks: Hooks | None = None,
) -> Turn:
    """Run the pending action the UI's Approve button stands for (by its id only).

    No analyst text is involved: the id is looked up in the session; an expired,
    replaced or unknown id writes nothing and says why.
    """
    hooks = hooks or Hooks()
    started = time.perf_counter()
    before = session.customer_id
    found = begin_ui_approval(action_id, session)
    if isinstance(found, str):
        turn = Turn(question="(UI) Approve", reply=found)
        session.current = turn
        return _finish(no_scope(), session, model, ctx, turn, before, started)
    assert found.grant is not None
    turn = Turn(question=f"(UI) Approve: {found.grant.title}")
    session.current = turn
    try:
        _execute_approved(found, session, ctx, turn, hooks)
    except Exception as exc:  # noqa: BLE001 - the one boundary for unhandled bugs
        internal_error(session, turn, exc)
    return _finish(found, session, model, ctx, turn, before, started)


def decline(action_id: str, session: Session) -> str:
    """Drop the pending action the UI's Cancel button stands for; say so."""
    pending = session.pending
    if pending is None or pending.id != action_id:
        why = session.closed.get(action_id, "it is not a pending action")
        return f"Nothing to cancel: {why}."
    session.drop("the analyst declined it")
    return f"Not done: {pending.title} was not approved. Nothing was written."


def _execute_approved(
    scope: TurnScope, session: Session, ctx: ToolContext, turn: Turn, hooks: Hooks
) -> None:
    """Run the one confirmed action through the guard, and answer from its result."""
    action = scope.grant
    assert action is not None
    spec = TOOLS[action.tool]
    call = ToolCall(
        id=f"approved_{action.id}",
        name=action.tool,
        arguments=json.dumps(action.arguments),
    )
    session.messages.append(Message(role="assistant", content="", tool_calls=[call]))
    if hooks.on_tool_start:
        hooks.on_tool_start(call.name, call.arguments)
    record, content = run_tool_call(call, scope, session, ctx, "analyst")
    session.messages.append(
        Message(role="tool", tool_call_id=call.id, name=call.name, content=content)
    )
    turn.tool_calls.append(record)
    if hooks.on_tool_end:
        hooks.on_tool_end(record)
    assert spec.approval is not None
    if record.ok and not record.held:
        reply = spec.approval.outcome(record.value, ctx)
    else:
        verb = "Nothing cancelled" if spec.approval.verb == "cancel" else "Not done"
        why = f"{record.rule or 'ERROR'}: {record.error}"
        reply = f"**{verb}:** {action.title} was refused. {why}"
    session.drop("it was carried out" if record.ok else "it was refused")
    _answer(session, turn, hooks, reply)


def _finish(
    scope: TurnScope,
    session: Session,
    model: Model,
    ctx: ToolContext,
    turn: Turn,
    customer_before: str | None,
    started: float,
) -> Turn:
    """Expire what the turn left stale, show the pending action, audit, log."""
    end_turn(scope, session, customer_before)
    pending = session.pending
    turn.pending = pending
    turn.pending_new = bool(
        pending
        and (
            (scope.presented is not None and scope.presented.id == pending.id)
            or session.shown != pending.id
        )
    )
    # a reply asking which reading was meant is the last thing shown, not the
    # pending action: a bare "yes" to it shows the action again before it can run
    session.shown = pending.id if pending and not turn.asked_back else None
    session.turns += 1
    _audit(ctx, session, turn, scope, model.name)
    log.info(
        "turn done session=%s model=%s calls=%d tools=%s refusals=%s held=%s "
        "stopped=%s ms=%.1f",
        session.id,
        model.name,
        turn.usage.model_calls,
        [c.name for c in turn.tool_calls],
        [c.rule for c in turn.tool_calls if c.rule],
        [c.name for c in turn.tool_calls if c.held],
        turn.stopped,
        (time.perf_counter() - started) * 1000,
    )
    return turn


def _audit(
    ctx: ToolContext, session: Session, turn: Turn, scope: TurnScope, model: str
) -> None:
    """Write the turn's audit record; if the ledger refuses, say so in the reply."""
    try:
        audit = ctx.base_config.settings.audit
        write_audit(ctx.ledger, session, turn, scope, model, audit)
    except LedgerUnavailable as exc:
        turn.reply += f"\n\n(This turn's audit record could not be written: {exc})"
