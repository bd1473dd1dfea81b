"""The OpenAI back-end: the official SDK's chat.completions with tools.

The only module that imports ``openai``. Works with any OpenAI-compatible endpoint
(``OPENAI_BASE_URL``: Azure OpenAI, Ollama, vLLM, llama.cpp). Retries and timeouts
come from the config; failures that survive the retries become a ``ModelError``
with a message an analyst can act on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import openai

from assistant.core.messages import Message, ModelResponse
from assistant.models.base import ModelError, ModelRequest, TokenSink, unreadable
from assistant.models.openai_reply import (
    MAX_SERVICE_TEXT,
    read_completion,
    read_stream,
)
from tools.config_settings import ModelSettings

log = logging.getLogger(__name__)


def to_openai_messages(
    system: str, messages: list[Message], context: str = ""
) -> list[dict[str, Any]]:
    """Our typed messages as chat.completions message dicts.

    The stable system prompt comes first and the turn's context last, after the
    history, so the prefix a provider caches stays the same from call to call.
    Assistant messages with tool calls carry ``content: ""`` rather than null:
    some compatible servers (llama.cpp) reject null content.
    """
    out: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for m in messages:
        if m.role == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": m.content or ""}
            if m.tool_calls:
                item["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in m.tool_calls
                ]
            out.append(item)
        elif m.role == "tool":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": m.tool_call_id,
                    "content": m.content or "",
                }
            )
        else:
            out.append({"role": m.role, "content": m.content or ""})
    if context:
        out.append({"role": "system", "content": context})
    return out


class OpenAIModel:
    """Chat completions with tools, streaming and parallel tool calls."""

    name = "openai"
    uses_prompt = True

    def __init__(
        self, settings: ModelSettings, api_key: str, client: openai.OpenAI | None = None
    ) -> None:
        self.settings = settings
        self.model_id = settings.id
        self.client = client or openai.OpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.request_timeout_s,
            max_retries=settings.max_retries,
        )

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """One chat.completions call (streamed when configured)."""
        kwargs: dict[str, Any] = {
            "model": self.settings.id,
            "messages": to_openai_messages(
                request.system, request.messages, request.context
            ),
            "tools": request.tools,
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }
        try:
            if self.settings.stream:
                return self._stream(kwargs, on_token)
            return self._plain(kwargs, on_token)
        except openai.AuthenticationError as exc:
            raise ModelError(
                "The model endpoint rejected the API key (401). Check "
                "OPENAI_API_KEY; the offline model works without one."
            ) from exc
        except openai.RateLimitError as exc:
            raise ModelError(
                "The model service is rate-limiting us (429) even after "
                f"{self.settings.max_retries} retries. Try again in a "
                "minute."
            ) from exc
        except openai.APITimeoutError as exc:
            raise ModelError(
                "The model service did not answer within "
                f"{self.settings.request_timeout_s:g} s. Try again, or "
                "use the offline model."
            ) from exc
        except openai.APIConnectionError as exc:
            raise ModelError(
                "Cannot reach the model service at "
                f"{self.client.base_url}. Check OPENAI_BASE_URL or your "
                "network."
            ) from exc
        except openai.APIStatusError as exc:
            raise ModelError(
                f"The model service failed (HTTP {exc.status_code}) after "
                f"{self.settings.max_retries} retries. Try again "
                "later."
            ) from exc
        except (openai.APIResponseValidationError, json.JSONDecodeError) as exc:
            raise unreadable("not JSON") from exc
        except openai.APIError as exc:  # e.g. an error event inside a stream
            raise unreadable(
                f"the service said: {str(exc.message)[:MAX_SERVICE_TEXT]}"
            ) from exc

    def _plain(
        self, kwargs: dict[str, Any], on_token: TokenSink | None
    ) -> ModelResponse:
        return read_completion(self.client.chat.completions.create(**kwargs), on_token)

    def _stream(
        self, kwargs: dict[str, Any], on_token: TokenSink | None
    ) -> ModelResponse:
        stream = self.client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        return read_stream(stream, on_token)
