"""The offline model: a deterministic planner, the default with no API key.

The understanding lives in :mod:`assistant.planner` (an intents table, a typed
utterance, planner state in the session); this class puts it behind the same
interface as any chat model, so its tool calls go through the same loop and guard.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.conversation.messages import ModelResponse, ToolCall
from assistant.models.base import ModelRequest, TokenSink
from assistant.planner.planner import plan, respond
from tools.config import CVMConfig


class OfflineModel:
    """The deterministic planner behind the same interface as any chat model."""

    name = "offline"
    model_id = "offline-planner"
    uses_prompt = False

    def __init__(self, config: CVMConfig) -> None:
        self.config = config

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """Plan tool calls for a new message, or answer from this turn's results."""
        session = request.session
        turn = session.current
        done = len(turn.tool_calls) if turn else 0
        if turn is not None and not done:
            calls = plan(turn.question, session, self.config)
            if calls:
                return self._calls(calls, session.turns, 0)
        out = respond(session)
        if not isinstance(out, str):
            return self._calls(out, session.turns, done)
        if on_token:
            for chunk in re.split(r"(?<=\n)", out):
                on_token(chunk)
        return ModelResponse(content=out)

    @staticmethod
    def _calls(
        calls: list[tuple[str, dict[str, Any]]], turn: int, offset: int
    ) -> ModelResponse:
        return ModelResponse(
            tool_calls=[
                ToolCall(
                    id=f"offline_{turn}_{offset + i}",
                    name=name,
                    arguments=json.dumps(args),
                )
                for i, (name, args) in enumerate(calls)
            ]
        )
