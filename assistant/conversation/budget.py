"""Token accounting and history trimming for prompt-based models.

Prompt tokens are counted with tiktoken (o200k_base): the system prompt, every
message (with a small per-message overhead), and the tool definitions rendered the
way chat models receive function definitions (a TypeScript-like namespace, far
smaller than the JSON schema). Each message is counted once and keeps its count.

Budgets keep the cost of a conversation flat: the session's past turns are trimmed
in place before each new message to ``history_max_turns`` turns and
``history_token_budget`` tokens (tool results older than the last turn condensed,
then the oldest turns dropped), and each model call is kept inside
``context_token_budget`` (the same steps on a copy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from assistant.core.messages import Message

MESSAGE_OVERHEAD = 4
CONDENSED_CHARS = 160
CONDENSED_MARK = " …[condensed]"


def count_tokens(text: str) -> int:
    """Tokens of ``text`` (tiktoken's encoding, loaded when first counted)."""
    from tools.tokens import count_tokens as count

    return count(text)


def _ts_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_ts_type(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        return f"{_ts_type(schema.get('items', {}))}[]"
    return {
        "integer": "number",
        "null": "null",
        "boolean": "boolean",
        "number": "number",
        "string": "string",
    }.get(str(kind), "any")


def render_tools(tools: list[dict[str, Any]]) -> str:
    """Function definitions as chat models receive them (for counting only)."""
    lines = ["namespace functions {"]
    for tool in tools:
        fn = tool["function"]
        lines.append(f"// {fn['description']}")
        props = fn["parameters"].get("properties", {})
        if not props:
            lines.append(f"type {fn['name']} = () => any;")
            continue
        lines.append(f"type {fn['name']} = (_: {{")
        for name, prop in props.items():
            if prop.get("description"):
                lines.append(f"// {prop['description']}")
            lines.append(f"{name}: {_ts_type(prop)},")
        lines.append("}) => any;")
    lines.append("}")
    return "\n".join(lines)


def message_tokens(message: Message) -> int:
    """Tokens of one message including its tool calls (counted once, then kept)."""
    if message._tokens is None:
        n = MESSAGE_OVERHEAD + count_tokens(message.content or "")
        for call in message.tool_calls:
            n += MESSAGE_OVERHEAD + count_tokens(call.name)
            n += count_tokens(call.arguments)
        message._tokens = n
    return message._tokens


@lru_cache(maxsize=16)
def _text_tokens(text: str) -> int:
    return count_tokens(text)


def fixed_tokens(system: str, tools: list[dict[str, Any]]) -> int:
    """Tokens of the system prompt and the tool definitions (cached by text)."""
    return _text_tokens(system) + MESSAGE_OVERHEAD + _text_tokens(render_tools(tools))


def prompt_tokens(
    system: str, messages: list[Message], tools: list[dict[str, Any]]
) -> int:
    """Estimated prompt tokens of one model call."""
    return fixed_tokens(system, tools) + sum(message_tokens(m) for m in messages)


def estimate_cost(
    prices: Mapping[str, Mapping[Any, float]],
    model_id: str,
    prompt: int,
    completion: int,
) -> float:
    """Estimated cost in dollars from the config's price table (0 if unpriced)."""
    price = prices.get(model_id)
    if not price:
        return 0.0
    return round(
        (prompt * price.get("input", 0) + completion * price.get("output", 0))
        / 1_000_000,
        6,
    )


def condensed(message: Message) -> Message:
    """A tool result cut to its first characters (a new message, counted anew)."""
    content = message.content or ""
    if message.role != "tool" or len(content) <= CONDENSED_CHARS + len(CONDENSED_MARK):
        return message
    if content.endswith(CONDENSED_MARK):
        return message
    return Message(
        role="tool",
        tool_call_id=message.tool_call_id,
        name=message.name,
        content=content[:CONDENSED_CHARS] + CONDENSED_MARK,
    )


def _turn_starts(messages: list[Message]) -> list[int]:
    return [i for i, m in enumerate(messages) if m.role == "user"]


def _drop_oldest_turns(messages: list[Message], budget: int, fixed: int) -> None:
    """Delete whole turns from the front while over budget; the last one stays."""
    total = fixed + sum(message_tokens(m) for m in messages)
    starts = _turn_starts(messages)
    cut = 0
    for start in starts[1:]:
        if total <= budget:
            break
        total -= sum(message_tokens(m) for m in messages[cut:start])
        cut = start
    del messages[:cut]


def trim_session(messages: list[Message], budget: int, max_turns: int) -> int:
    """Trim a conversation's past turns in place, rarely.

    Called before the next analyst message is added. While the history is within
    ``budget`` tokens and ``max_turns`` turns nothing changes, so each model call
    repeats the previous one's messages as a prefix (what a provider's prompt
    cache serves). Once over either limit it is cut back at once to half of each
    (hysteresis, so this happens every few turns, not every turn): tool results
    older than the last turn are condensed (follow-ups such as "why?" read the
    last turn whole), then the oldest turns are dropped while over half the
    budget; if the last turn alone is still over the budget, its tool results are
    condensed too. A tool result never loses the call it answers.

    Returns:
        The tokens of the history that remains.
    """
    starts = _turn_starts(messages)
    total = sum(message_tokens(m) for m in messages)
    if len(starts) <= max_turns and total <= budget:
        return total
    keep = max(1, max_turns // 2)
    if len(starts) > keep:
        del messages[: starts[-keep]]
        starts = _turn_starts(messages)
    last = starts[-1] if starts else 0
    messages[:last] = [condensed(m) for m in messages[:last]]
    _drop_oldest_turns(messages, budget // 2, 0)
    total = sum(message_tokens(m) for m in messages)
    if total > budget:
        messages[:] = [condensed(m) for m in messages]
        total = sum(message_tokens(m) for m in messages)
    return total


def trim_history(messages: list[Message], budget: int, fixed: int) -> list[Message]:
    """Messages that fit ``budget`` tokens once ``fixed`` tokens are spent elsewhere.

    Old tool results (all but the current turn's) are condensed first; then whole
    turns are dropped from the oldest, so a tool result never loses its call. The
    session's list is left as it is (this is the view of one model call).
    """
    if fixed + sum(message_tokens(m) for m in messages) <= budget:
        return messages
    starts = _turn_starts(messages)
    last = starts[-1] if starts else 0
    out = [condensed(m) if i < last else m for i, m in enumerate(messages)]
    _drop_oldest_turns(out, budget, fixed)
    return out
