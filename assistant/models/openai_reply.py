"""Reading a chat.completions reply defensively, plain or streamed.

The SDK builds its response objects without validating them, so a compatible
server's malformed reply arrives as objects with missing or null fields, or as a
bare string (an HTML error page). Every shape that is not a usable answer — no
choices, a null message, neither text nor tool calls, a tool call without a name,
an ``{"error": …}`` body, a stream that ends before its finish reason — raises a
``ModelError`` saying so: never an ``AttributeError``, never ``""``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assistant.core.messages import ModelResponse, ToolCall, Usage
from assistant.models.base import TokenSink, unreadable

MAX_SERVICE_TEXT = 200


def service_error(obj: Any) -> str | None:
    """The text of an ``{"error": …}`` body the service sent with HTTP 200."""
    extra = getattr(obj, "model_extra", None) or {}
    error = extra.get("error") if isinstance(extra, dict) else None
    if error is None:
        return None
    text = error.get("message") if isinstance(error, dict) else error
    return f"the service said: {str(text)[:MAX_SERVICE_TEXT]}"


def read_usage(obj: Any) -> Usage | None:
    """The token usage a reply reports, if it reports a readable one."""
    usage = getattr(obj, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if isinstance(prompt, int) and isinstance(completion, int):
        return Usage(prompt_tokens=prompt, completion_tokens=completion)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _answer(
    content: str | None, calls: list[ToolCall], usage: Usage | None
) -> ModelResponse:
    if not calls and not (content or "").strip():
        raise unreadable("neither text nor tool calls")
    return ModelResponse(content=content or None, tool_calls=calls, usage=usage)


def read_completion(completion: Any, on_token: TokenSink | None) -> ModelResponse:
    """A non-streamed chat.completion as our typed response."""
    if isinstance(completion, str):
        page = completion.lstrip()[:1] == "<"
        raise unreadable("an HTML page" if page else "not a chat completion")
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise unreadable(service_error(completion) or "no choices")
    message = getattr(choices[0], "message", None)
    if message is None:
        raise unreadable("no message")
    calls = []
    for i, call in enumerate(getattr(message, "tool_calls", None) or []):
        if getattr(call, "type", "function") != "function":
            continue
        function = getattr(call, "function", None)
        name = _text(getattr(function, "name", None))
        if not name:
            raise unreadable("a tool call without a name")
        calls.append(
            ToolCall(
                id=_text(getattr(call, "id", None)) or f"call_{i}",
                name=name,
                arguments=_text(getattr(function, "arguments", None)) or "{}",
            )
        )
    content = _text(getattr(message, "content", None))
    response = _answer(content, calls, read_usage(completion))
    if response.content and on_token:
        on_token(response.content)
    return response


def read_stream(chunks: Iterable[Any], on_token: TokenSink | None) -> ModelResponse:
    """A streamed reply: text deltas to ``on_token``, tool calls by index.

    Chunks without choices (the usage chunk) are skipped; a stream that never
    sends a finish reason was cut off and is not used.
    """
    text: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    usage: Usage | None = None
    finished, events = False, 0
    for chunk in chunks:
        events += 1
        usage = read_usage(chunk) or usage
        choices = getattr(chunk, "choices", None)
        if not isinstance(choices, list) or not choices:
            continue
        finished = finished or bool(getattr(choices[0], "finish_reason", None))
        delta = getattr(choices[0], "delta", None)
        piece = _text(getattr(delta, "content", None))
        if piece:
            text.append(piece)
            if on_token:
                on_token(piece)
        for tc in getattr(delta, "tool_calls", None) or []:
            index = getattr(tc, "index", None)
            slot = calls.setdefault(
                index if isinstance(index, int) else len(calls),
                {"id": "", "name": "", "arguments": ""},
            )
            slot["id"] = slot["id"] or (_text(getattr(tc, "id", None)) or "")
            function = getattr(tc, "function", None)
            slot["name"] += _text(getattr(function, "name", None)) or ""
            slot["arguments"] += _text(getattr(function, "arguments", None)) or ""
    if not events:
        raise unreadable("no events in the stream")
    if not finished:
        raise unreadable("the stream ended before the answer was complete")
    if any(not c["name"] for c in calls.values()):
        raise unreadable("a tool call without a name")
    tool_calls = [
        ToolCall(
            id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"] or "{}"
        )
        for i, c in sorted(calls.items())
    ]
    return _answer("".join(text), tool_calls, usage)
