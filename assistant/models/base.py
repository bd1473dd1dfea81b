"""The one small interface every model back-end implements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.core.messages import Message, ModelResponse
from assistant.core.session import Session
from tools.config import CVMConfig
from tools.errors import CVMError

TokenSink = Callable[[str], None]
UNREADABLE = "The model service returned an unreadable answer"


class ModelError(CVMError):
    """The model service failed after its retries; the message is analyst-friendly."""


def unreadable(why: str) -> ModelError:
    """The analyst-facing error for a reply that is no usable answer."""
    return ModelError(
        f"{UNREADABLE} ({why}). Please try again; the offline model works "
        "without the service."
    )


class UnexpectedModelCall(CVMError):
    """A scripted model was called more often than its script allows."""


@dataclass(frozen=True)
class ModelRequest:
    """Everything a model sees for one call."""

    system: str
    messages: list[Message]
    tools: list[dict[str, Any]]  # offered tools' schemas (empty: uses_prompt False)
    session: Session
    context: str = ""
    config: CVMConfig | None = None  # with the catalogue version in force


class Model(Protocol):
    """A chat model that may answer or ask for tool calls."""

    name: str
    model_id: str
    uses_prompt: bool

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """Answer the request; stream answer text to ``on_token`` when given."""
        ...
