"""The offline model: a deterministic planner, the default with no API key.

The understanding lives in :mod:`assistant.planner` (an intents table, a typed
utterance); this class puts it behind the same interface as any chat model, so its
tool calls go through the same loop and guard. It keeps the planner's own memory
per conversation (the session holds only what the conversation is about).
"""

from __future__ import annotations

import json
import re
import weakref

from assistant.core.messages import ModelResponse, ToolCall
from assistant.core.session import Session
from assistant.models.base import ModelRequest, TokenSink
from assistant.planner.intent import Call
from assistant.planner.planner import Preset, plan, respond
from assistant.planner.state import PlannerState
from tools.config import CVMConfig


class OfflineModel:
    """The deterministic planner behind the same interface as any chat model."""

    name = "offline"
    model_id = "offline-planner"
    uses_prompt = False

    def __init__(self, config: CVMConfig) -> None:
        self.config = config
        self.preset: Preset | None = None  # the next message is a UI button's
        self._memory: weakref.WeakKeyDictionary[Session, PlannerState] = (
            weakref.WeakKeyDictionary()
        )

    def memory(self, session: Session) -> PlannerState:
        """The planner's memory of this conversation."""
        found = self._memory.get(session)
        if found is None:
            found = self._memory[session] = PlannerState()
        return found

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """Plan tool calls for a new message, or answer from this turn's results."""
        session = request.session
        memory = self.memory(session)
        turn = session.current
        done = len(turn.tool_calls) if turn else 0
        if turn is not None and not done:
            preset, self.preset = self.preset, None
            config = request.config or self.config  # the catalogue in force
            calls = plan(turn.question, session, memory, config, preset)
            if calls:
                return _calls(calls, session.turns, 0)
        out = respond(session, memory)
        if not isinstance(out, str):
            return _calls(out, session.turns, done)
        if on_token:
            for chunk in re.split(r"(?<=\n)", out):
                on_token(chunk)
        return ModelResponse(content=out, asks_back=bool(memory.choices))


def _calls(calls: list[Call], turn: int, offset: int) -> ModelResponse:
    """The planner's typed calls as tool calls (JSON for the history, typed too)."""
    return ModelResponse(
        tool_calls=[
            ToolCall(
                id=f"offline_{turn}_{offset + i}",
                name=spec.name,
                arguments=json.dumps(args.model_dump(mode="json")),
                typed=args,
            )
            for i, (spec, args) in enumerate(calls)
        ]
    )
