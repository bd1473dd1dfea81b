"""One model call: the system prompt, the tools offered, the trimmed history, usage.

Usage is what the service reports when it does, else our own count (each message
counted once, ``budget.py``), priced from the config.
"""

from __future__ import annotations

import logging

from assistant.conversation.budget import (
    estimate_cost,
    fixed_tokens,
    message_tokens,
    trim_history,
)
from assistant.conversation.prompt import build_system_prompt, render_context
from assistant.conversation.toolset import offered_tools
from assistant.core.messages import Message, ModelResponse
from assistant.core.session import Session, Turn
from assistant.models.base import Model, ModelRequest, TokenSink
from tools.context import ToolContext

log = logging.getLogger("assistant.conversation.loop")


def call_model(
    model: Model,
    session: Session,
    ctx: ToolContext,
    turn: Turn,
    on_token: TokenSink | None,
) -> ModelResponse:
    """One model call; usage as the service reports it, else as we count it."""
    config = ctx.config  # the catalogue version in force for this call
    system = build_system_prompt(config)
    context = render_context(session)
    # the tools' JSON schemas only for a model that reads them: deriving them
    # costs a fresh process more than the offline model's whole turn
    tools = offered_tools(session) if model.uses_prompt else []
    messages = session.messages
    estimate = 0
    if model.uses_prompt:
        limits = config.model
        fixed = fixed_tokens(system, tools)
        messages = trim_history(
            messages, limits.context_token_budget, fixed + limits.max_tokens
        )
        estimate = fixed + sum(message_tokens(m) for m in messages)
        estimate += message_tokens(Message(role="system", content=context))
    request = ModelRequest(system, messages, tools, session, context, config)
    response = model.complete(request, on_token)
    turn.usage.model_calls += 1
    if model.uses_prompt:
        if response.usage:
            prompt = response.usage.prompt_tokens
            completion = response.usage.completion_tokens
        else:
            prompt = estimate
            completion = message_tokens(
                Message(
                    role="assistant",
                    content=response.content,
                    tool_calls=response.tool_calls,
                )
            )
        log.debug(
            "model call session=%s prompt=%d (estimated %d, %s) completion=%d",
            session.id,
            prompt,
            estimate,
            "reported" if response.usage else "not reported",
            completion,
        )
        cost = estimate_cost(
            config.model.prices_per_million, model.model_id, prompt, completion
        )
        turn.usage.prompt_tokens += prompt
        turn.usage.completion_tokens += completion
        turn.usage.estimated_cost_usd = round(turn.usage.estimated_cost_usd + cost, 6)
    return response
