"""The one boundary where a tool call is parsed, guarded, run, shown and remembered.

Unknown tools, malformed JSON, invalid arguments, guard refusals and policy blocks
all become tool results flagged as errors (with a rule id for policy), which the
model sees and can recover from. A WRITE the analyst has not confirmed is held as
the pending action (not run) and the model is told so. Anything else is a bug and
propagates.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.approvals.guard import check_write
from assistant.approvals.scope import TurnScope
from assistant.core.messages import ToolCall
from assistant.core.pending import PendingAction, Source
from assistant.core.session import Session, ToolCallRecord
from assistant.toolkit.registry import TOOLS
from assistant.toolkit.spec import RunContext, ToolSpec
from assistant.toolkit.views import to_json
from tools.context import ToolContext
from tools.errors import LedgerUnavailable, PolicyBlocked, ToolInputError
from tools.treatment import forget_recommendations


def as_json(payload: Any) -> str:
    """Compact JSON for the model (:func:`assistant.toolkit.views.to_json`)."""
    return to_json(payload)


def _failure(
    call: ToolCall, args: dict[str, Any] | str, error: str, rule: str | None = None
) -> tuple[ToolCallRecord, str]:
    payload: dict[str, Any] = {"error": error}
    if rule:
        payload = {"blocked": True, "rule": rule, "reason": error}
    record = ToolCallRecord(
        id=call.id, name=call.name, arguments=args, ok=False, error=error, rule=rule
    )
    return record, as_json(payload)


def _held(
    call: ToolCall, args: dict[str, Any], action: PendingAction
) -> tuple[ToolCallRecord, str]:
    view = {
        "held_for_confirmation": action.title,
        "consequences": action.details,
        "note": "Not run. It runs only when the analyst confirms it (they reply "
        f"'{action.confirmations[0]}' or press Approve); tell them what it is and "
        "do not call it again.",
    }
    record = ToolCallRecord(
        id=call.id,
        name=call.name,
        arguments=args,
        ok=True,
        held=True,
        result=view,
        value=action,
    )
    return record, as_json(view)


def _arguments(
    spec: ToolSpec[Any, Any], call: ToolCall
) -> BaseModel | tuple[dict[str, Any] | str, str]:
    """The validated arguments, or (what was sent, why it is not valid)."""
    if call.typed is not None:
        return call.typed
    try:
        raw = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        why = f"Arguments are not valid JSON ({exc.msg}); send a JSON object."
        return call.arguments, why
    if not isinstance(raw, dict):
        return call.arguments, "Arguments must be a JSON object."
    try:
        return spec.args.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
            for e in exc.errors()
        )
        return raw, f"Invalid arguments for {call.name}: {problems}."


def run_tool_call(
    call: ToolCall,
    scope: TurnScope,
    session: Session,
    ctx: ToolContext,
    source: Source = "model",
) -> tuple[ToolCallRecord, str]:
    """Run one tool call through validation, the guard and the tool.

    Args:
        call: The tool call (from the model, the planner, or a confirmed action).
        scope: What the analyst's message allows this turn (WRITE guard).
        session: The conversation (pending action, approver).
        ctx: Configuration, ledger, customers and clock.
        source: Who made the call.

    Returns:
        The record of the call and the tool message content the model will read.
    """
    spec = TOOLS.get(call.name)
    if spec is None:
        return _failure(
            call,
            call.arguments,
            f"Unknown tool '{call.name}'. Available tools: {', '.join(TOOLS)}.",
        )
    args = _arguments(spec, call)
    if not isinstance(args, BaseModel):
        return _failure(call, args[0], args[1])
    raw = args.model_dump(mode="json")
    if spec.kind == "WRITE":
        verdict = check_write(spec, args, scope, session, ctx, source)
        if verdict.outcome == "refused":
            return _failure(call, raw, verdict.message, verdict.rule)
        if verdict.outcome == "held":
            assert verdict.action is not None and spec.approval is not None
            if spec.approval.proposed is not None:
                spec.approval.proposed(session, args)
            return _held(call, raw, verdict.action)
    return _execute(spec, call, args, raw, scope, session, ctx)


def _execute(
    spec: ToolSpec[Any, Any],
    call: ToolCall,
    args: BaseModel,
    raw: dict[str, Any],
    scope: TurnScope,
    session: Session,
    ctx: ToolContext,
) -> tuple[ToolCallRecord, str]:
    """Run the tool with the turn's dependencies, show its result, leave its effect.

    A policy block, a ledger refusal or bad input becomes an error result (with
    its rule id); after a WRITE, the turn's recommendations are forgotten.
    """
    who = f"{session.approver} (ui)" if scope.via_ui else session.approver
    overrides = scope.grant.overrides if scope.grant and scope.used else ()
    try:
        result = spec.run(
            RunContext(ctx, who, frozenset(overrides), login=session.login), args
        )
    except PolicyBlocked as exc:
        return _failure(call, raw, exc.reason, exc.rule)
    except LedgerUnavailable as exc:
        return _failure(call, raw, str(exc).removeprefix("LEDGER: "), exc.rule)
    except ToolInputError as exc:
        return _failure(call, raw, str(exc))
    finally:
        if spec.kind == "WRITE":  # what the turn recommended may have changed
            forget_recommendations()
    view = spec.view(result)
    if spec.effect is not None:
        spec.effect(session, args, result, scope)
    record = ToolCallRecord(
        id=call.id, name=call.name, arguments=raw, ok=True, result=view, value=result
    )
    return record, as_json(view)
