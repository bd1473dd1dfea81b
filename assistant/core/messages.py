"""Typed conversation messages; converted to a provider's format in one adapter."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr


class ToolCall(BaseModel):
    """A tool call proposed by a model; ``arguments`` is the raw JSON text.

    A call the planner builds also carries its typed arguments (``typed``), which
    the dispatch uses as they are instead of parsing the JSON.
    """

    id: str
    name: str
    arguments: str = "{}"
    typed: BaseModel | None = Field(None, exclude=True, repr=False)


class Message(BaseModel):
    """One message of the conversation."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    _tokens: int | None = PrivateAttr(default=None)  # counted once (budget.py)


class Usage(BaseModel):
    """Tokens of one model call (counted with tiktoken, or reported by the server)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class ModelResponse(BaseModel):
    """What a model returns: a final answer, or tool calls to run first."""

    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage | None = None
    asks_back: bool = Field(
        False,
        description="The answer asks which reading was meant (a clarification).",
    )
