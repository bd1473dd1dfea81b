"""Token accounting and history trimming for prompt-based models.

Prompt tokens are counted with tiktoken (o200k_base): the system prompt, every
message (with a small per-message overhead), and the tool definitions rendered the
way chat models receive function definitions (a TypeScript-like namespace, far
smaller than the JSON schema). Trimming keeps a conversation inside the configured
context budget: old tool results are condensed first, then the oldest turns go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from assistant.messages import Message
from tools.tokens import count_tokens

MESSAGE_OVERHEAD = 4
CONDENSED_CHARS = 160


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
    """Tokens of one message including its tool calls."""
    n = MESSAGE_OVERHEAD + count_tokens(message.content or "")
    for call in message.tool_calls:
        n += count_tokens(call.name) + count_tokens(call.arguments) + MESSAGE_OVERHEAD
    return n


def prompt_tokens(
    system: str, messages: list[Message], tools: list[dict[str, Any]]
) -> int:
    """Estimated prompt tokens of one model call."""
    return (
        count_tokens(system)
        + MESSAGE_OVERHEAD
        + count_tokens(render_tools(tools))
        + sum(message_tokens(m) for m in messages)
    )


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


def trim_history(messages: list[Message], budget: int, fixed: int) -> list[Message]:
    """Messages that fit ``budget`` tokens once ``fixed`` tokens are spent elsewhere.

    Old tool results (all but the current turn's) are condensed first; then whole
    turns are dropped from the oldest, so a tool result never loses its call.
    """

    def total(ms: list[Message]) -> int:
        return fixed + sum(message_tokens(m) for m in ms)

    if total(messages) <= budget:
        return messages
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=0)
    out = [
        m.model_copy(
            update={"content": (m.content or "")[:CONDENSED_CHARS] + " …[condensed]"}
        )
        if m.role == "tool" and i < last_user and len(m.content or "") > CONDENSED_CHARS
        else m
        for i, m in enumerate(messages)
    ]
    while total(out) > budget:
        starts = [i for i, m in enumerate(out) if m.role == "user"]
        if len(starts) < 2:
            break
        out = out[starts[1] :]
    return out
