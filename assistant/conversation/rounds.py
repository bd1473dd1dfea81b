"""The model's rounds of a turn: model call, guarded tool calls, results, repeat.

Until the model answers without tool calls, or a limit is reached: the round limit
(``model.max_tool_rounds``) or the turn's tool-error budget
(``model.max_tool_errors``), each ending the turn with a reply that says so. One
configuration is read for the rounds until a tool writes (a write may change the
catalogue or the outcomes). The turn around them is :mod:`assistant.conversation.loop`.
"""

from __future__ import annotations

from assistant.approvals.scope import TurnScope
from assistant.conversation.dispatch import run_tool_call
from assistant.conversation.hooks import Hooks
from assistant.conversation.model_call import call_model
from assistant.conversation.recovery import stop_turn
from assistant.core.messages import Message
from assistant.core.session import Session, Turn
from assistant.models.base import Model, unreadable
from assistant.toolkit.registry import TOOLS
from tools.context import ToolContext


def run_rounds(
    session: Session,
    model: Model,
    ctx: ToolContext,
    turn: Turn,
    scope: TurnScope,
    hooks: Hooks,
) -> None:
    """Model calls and guarded tool calls until an answer or a limit."""
    limits = ctx.base_config.model
    errors = 0
    pinned = ctx.pinned()  # one configuration read until something is written
    for _ in range(limits.max_tool_rounds):
        response = call_model(model, session, pinned, turn, hooks.on_token)
        if not response.tool_calls and not (response.content or "").strip():
            raise unreadable("an empty answer")
        session.messages.append(
            Message(
                role="assistant",
                content=response.content,
                tool_calls=response.tool_calls,
            )
        )
        if not response.tool_calls:
            turn.reply = response.content or ""
            turn.asked_back = response.asks_back
            return
        for call in response.tool_calls:
            if hooks.on_tool_start:
                hooks.on_tool_start(call.name, call.arguments)
            record, content = run_tool_call(call, scope, session, pinned)
            if record.ok and not record.held and _writes(call.name):
                pinned = ctx.pinned()  # a write may change the catalogue or outcomes
            session.messages.append(
                Message(
                    role="tool", tool_call_id=call.id, name=call.name, content=content
                )
            )
            turn.tool_calls.append(record)
            errors += not record.ok
            if hooks.on_tool_end:
                hooks.on_tool_end(record)
        if errors >= limits.max_tool_errors:
            stop_turn(
                session,
                turn,
                "error_budget",
                f"I stopped after {errors} failed tool calls in this turn. "
                "Please rephrase or check the ids.",
            )
            return
    stop_turn(
        session,
        turn,
        "round_limit",
        f"I reached the limit of {limits.max_tool_rounds} tool rounds without a "
        "final answer. Please narrow the question.",
    )


def _writes(name: str) -> bool:
    """Whether the tool called ``name`` writes (an unknown name writes nothing)."""
    spec = TOOLS.get(name)
    return spec is not None and spec.kind == "WRITE"
