"""Malformed or empty model-service replies become a clear reply, never "" or a crash.

Each case is served by the local fake server to the real SDK; the turn must stop
with ``model_error``, say the answer was unreadable (and why), write its audit
record, and leave the conversation usable: the next turn succeeds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.conversation.audit import list_audit
from assistant.conversation.loop import Hooks
from tests.fake_openai import FakeOpenAI, completion
from tests.test_turn_boundary import openai_bot

HTML = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
ERROR_BODY = {"error": {"message": "model overloaded", "type": "server_error"}}


def chunk(choices: list[Any], **extra: Any) -> str:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-4o",
        "choices": choices,
        **extra,
    }
    return f"data: {json.dumps(body)}\n\n"


def sse(*events: str, done: bool = True) -> dict[str, Any]:
    return {"raw_stream": "".join(events) + ("data: [DONE]\n\n" if done else "")}


def plain(**changes: Any) -> dict[str, Any]:
    body = completion("unused")["json"]
    for key, value in changes.items():
        if key == "message":
            body["choices"][0]["message"] = value
        else:
            body[key] = value
    return {"json": body}


USAGE = {"prompt_tokens": 10, "completion_tokens": 0, "total_tokens": 10}
DELTA_HEL = [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": None}]

# (streamed?, step served, why it is unreadable)
CASES = {
    # the nine cases of issue 10
    "stream-empty-choices": (
        True,
        sse(chunk([]), chunk([], usage=USAGE)),
        "the stream ended before the answer was complete",
    ),
    "stream-null-content": (
        True,
        sse(
            chunk([{"index": 0, "delta": {"content": None}, "finish_reason": None}]),
            chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        ),
        "neither text nor tool calls",
    ),
    "stream-null-message": (
        True,
        sse(chunk([{"index": 0, "delta": None, "finish_reason": "stop"}])),
        "neither text nor tool calls",
    ),
    "stream-html-body": (
        True,
        {"raw": HTML, "content_type": "text/html"},
        "no events in the stream",
    ),
    "stream-non-json-event": (True, sse("data: {this is not json\n\n"), "not JSON"),
    "stream-200-error-event": (
        True,
        sse(f"data: {json.dumps(ERROR_BODY)}\n\n"),
        "the service said: model overloaded",
    ),
    "stream-truncated-mid-event": (
        True,
        sse('data: {"id": "x", "choices": [{"delta": {"content": "He', done=False),
        "no events in the stream",
    ),
    "stream-truncated-before-finish": (
        True,
        sse(chunk(DELTA_HEL), done=False),
        "the stream ended before the answer was complete",
    ),
    "plain-null-content": (
        False,
        plain(message={"role": "assistant", "content": None}),
        "neither text nor tool calls",
    ),
    # issue 11: a null message, an HTML body
    "plain-null-message": (False, plain(message=None), "no message"),
    "plain-html-body": (
        False,
        {"raw": HTML, "content_type": "text/html"},
        "an HTML page",
    ),
    "plain-html-labelled-json": (False, {"raw": HTML}, "not JSON"),
    # more of the same family
    "plain-200-error-body": (
        False,
        {"json": ERROR_BODY},
        "the service said: model overloaded",
    ),
    "plain-empty-choices": (False, plain(choices=[]), "no choices"),
    "plain-empty-body": (False, {"raw": ""}, "not JSON"),
    "plain-whitespace-content": (
        False,
        plain(message={"role": "assistant", "content": "  \n"}),
        "neither text nor tool calls",
    ),
    "plain-tool-call-without-name": (
        False,
        plain(
            message={
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"arguments": "{}"}}
                ],
            }
        ),
        "a tool call without a name",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_reply_is_a_clear_answer_and_the_next_turn_works(tmp_path, case):
    streamed, step, why = CASES[case]
    tokens: list[str] = []
    with FakeOpenAI([step, completion("Offer U124 the marketing call back.")]) as fake:
        bot = openai_bot(fake, tmp_path, stream=streamed)
        turn = bot.ask(
            "What should we offer U124?", hooks=Hooks(on_token=tokens.append)
        )
        assert turn.stopped == "model_error"
        assert turn.reply.startswith(
            f"The model service returned an unreadable answer ({why})."
        )
        assert list_audit(bot.ctx.ledger)[0].record["stopped"] == "model_error"
        assert bot.session.turns == 1
        nxt = bot.ask("What should we offer U124?")
    assert nxt.stopped is None and nxt.reply == "Offer U124 the marketing call back."
    assert fake.requests[0].get("stream", False) is streamed
    assert len(fake.requests) == 2  # unreadable answers are not retried


def test_stream_asks_for_and_reports_usage(tmp_path):
    with FakeOpenAI([completion("Hello there.")]) as fake:
        turn = openai_bot(fake, tmp_path, stream=True).ask("hi")
    assert fake.requests[0]["stream_options"] == {"include_usage": True}
    assert turn.reply == "Hello there." and turn.usage.prompt_tokens > 0


def test_cli_ask_prints_the_clear_reply_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    with FakeOpenAI([plain(message=None)]) as fake:
        out = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", "--model", "openai", "hi"],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                **os.environ,
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_BASE_URL": fake.base_url,
            },
        )
    assert "Traceback" not in out.stderr
    assert "The model service returned an unreadable answer (" in out.stdout
