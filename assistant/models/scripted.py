"""A model that replays given responses, for deterministic tests.

Like pydantic-ai's ``FunctionModel`` / openai-agents' fake model: it records every
request, raises on a call its script does not cover, and ``assert_complete`` fails
if responses were left unused.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from typing import Any

from assistant.core.messages import ModelResponse, ToolCall
from assistant.models.base import ModelRequest, TokenSink, UnexpectedModelCall


def to_response(item: ModelResponse | dict[str, Any], index: int) -> ModelResponse:
    """A response from a mapping ``{content, tool_calls: [{name, arguments}]}``.

    ``arguments`` may be a mapping (sent as JSON) or a raw string (sent as is, to
    test malformed JSON).
    """
    if isinstance(item, ModelResponse):
        return item
    calls = []
    for n, call in enumerate(item.get("tool_calls") or []):
        args = call.get("arguments", {})
        calls.append(
            ToolCall(
                id=call.get("id") or f"call_{index}_{n}",
                name=call["name"],
                arguments=args if isinstance(args, str) else json.dumps(args),
            )
        )
    return ModelResponse(content=item.get("content"), tool_calls=calls)


class ScriptedModel:
    """Replays responses in order; one per model call."""

    name = "scripted"
    model_id = "scripted"
    uses_prompt = False

    def __init__(
        self, responses: Iterable[ModelResponse | dict[str, Any]] = ()
    ) -> None:
        self._queue: deque[ModelResponse] = deque()
        self.requests: list[ModelRequest] = []
        self._count = 0
        self.add(*responses)

    def add(self, *responses: ModelResponse | dict[str, Any]) -> None:
        """Append responses to the script."""
        for item in responses:
            self._count += 1
            self._queue.append(to_response(item, self._count))

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """Return the next scripted response."""
        self.requests.append(request)
        if not self._queue:
            raise UnexpectedModelCall(
                f"scripted model called {len(self.requests)} times; its script has "
                "no response left"
            )
        response = self._queue.popleft()
        if response.content and on_token:
            on_token(response.content)
        return response

    def assert_complete(self) -> None:
        """Fail if scripted responses were never used."""
        if self._queue:
            raise AssertionError(f"{len(self._queue)} scripted response(s) unused")
