"""The one boundary where a model's tool call is parsed, guarded, run and shown.

Unknown tools, malformed JSON, invalid arguments, guard refusals and policy blocks
all become tool results flagged as errors (with a rule id for policy), which the
model sees and can recover from. Anything else is a bug and propagates.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from assistant.approvals.scope import TurnScope, check_write
from assistant.conversation.messages import ToolCall
from assistant.conversation.session import Session, ToolCallRecord
from assistant.toolkit.registry import TOOLS
from tools.context import ToolContext
from tools.errors import LedgerUnavailable, PolicyBlocked, ToolInputError


def _json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def _failure(
    call: ToolCall, args: dict[str, Any] | str, error: str, rule: str | None = None
) -> tuple[ToolCallRecord, str]:
    payload: dict[str, Any] = {"error": error}
    if rule:
        payload = {"blocked": True, "rule": rule, "reason": error}
    record = ToolCallRecord(
        id=call.id, name=call.name, arguments=args, ok=False, error=error, rule=rule
    )
    return record, _json(payload)


def run_tool_call(
    call: ToolCall, scope: TurnScope, session: Session, ctx: ToolContext
) -> tuple[ToolCallRecord, str]:
    """Run one tool call through validation, the guard and the tool.

    Args:
        call: The tool call (from the model, or an approved pending action).
        scope: What the analyst's message allows this turn (WRITE guard).
        session: The conversation (pending action, approver).
        ctx: Configuration and ledger.

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
    try:
        raw = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        return _failure(
            call,
            call.arguments,
            f"Arguments are not valid JSON ({exc.msg}); send a JSON object.",
        )
    if not isinstance(raw, dict):
        return _failure(call, call.arguments, "Arguments must be a JSON object.")
    try:
        args = spec.args.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
            for e in exc.errors()
        )
        return _failure(call, raw, f"Invalid arguments for {call.name}: {problems}.")
    if spec.kind == "WRITE":
        verdict = check_write(call.name, args.model_dump(), scope, session, ctx)
        if not verdict.allowed:
            return _failure(call, raw, verdict.message, verdict.rule)
    who = f"{session.approver} (ui)" if scope.via_ui else session.approver
    try:
        result = spec.call(args, ctx, who)
    except PolicyBlocked as exc:
        return _failure(call, raw, exc.reason, exc.rule)
    except LedgerUnavailable as exc:
        return _failure(call, raw, str(exc).removeprefix("LEDGER: "), exc.rule)
    except ToolInputError as exc:
        return _failure(call, raw, str(exc))
    view = spec.view(result)
    record = ToolCallRecord(
        id=call.id, name=call.name, arguments=raw, ok=True, result=view, value=result
    )
    return record, _json(view)
