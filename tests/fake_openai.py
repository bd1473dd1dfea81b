"""A local fake OpenAI-compatible server (stdlib) for exercising the real SDK path.

Each POST to ``…/chat/completions`` takes the next step of a script: a response to
send (plain JSON, an SSE stream, an HTTP error, a delay, a malformed body), or a
callable that decides from the request. Requests are recorded.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tools.tokens import count_tokens

_count_once = lru_cache(maxsize=8192)(count_tokens)  # each text counted once
Step = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


def completion(
    content: str | None = None,
    tool_calls: list[tuple[str, Any]] = (),
    prompt_tokens: int | None = None,
    completion_tokens: int = 20,
) -> dict[str, Any]:
    """A chat.completion body with an answer or tool calls.

    ``prompt_tokens=None`` reports the request's size as the server counts it
    (tiktoken over the messages and the tool definitions), like a real service.
    """
    calls = [
        {
            "id": f"call_{i}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": args if isinstance(args, str) else json.dumps(args),
            },
        }
        for i, (name, args) in enumerate(tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return {
        "json": {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": (prompt_tokens or 0) + completion_tokens,
            },
        }
    }


def booking(customer_id: str, treatment_key: str) -> dict[str, Any]:
    """A response whose model asks to book ``treatment_key`` for ``customer_id``."""
    return completion(
        tool_calls=[
            (
                "allocate_treatment",
                {"customer_id": customer_id, "treatment_key": treatment_key},
            )
        ]
    )


def stream(
    content: str | None = None,
    tool_calls: list[tuple[str, Any]] = (),
    prompt_tokens: int | None = None,
) -> dict:
    """An SSE stream: content in pieces, tool-call arguments split across deltas.

    The last chunk reports usage (``prompt_tokens=None``: counted from the request).
    """

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": None})]
    for i, (name, args) in enumerate(tool_calls):
        text = args if isinstance(args, str) else json.dumps(args)
        half = len(text) // 2
        chunks.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": f"call_{i}",
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        for part in (text[:half], text[half:]):
            chunks.append(
                chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
            )
    for i in range(0, len(content or ""), 7):
        chunks.append(chunk({"content": content[i : i + 7]}))
    chunks.append(chunk({}, "tool_calls" if tool_calls else "stop"))
    chunks.append(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4o",
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": 20,
                "total_tokens": (prompt_tokens or 0) + 20,
            },
        }
    )
    return {"stream": chunks}


def error(status: int, message: str = "fake error") -> dict[str, Any]:
    """An HTTP error response (retried by the SDK for 408/409/429/5xx)."""
    return {"status": status, "json": {"error": {"message": message, "type": "fake"}}}


def last_message(body: dict[str, Any]) -> dict[str, Any]:
    """The request's last conversation message (the turn's context comes after it)."""
    messages = body["messages"]
    last = messages[-1]
    if last["role"] == "system" and len(messages) > 1:
        return messages[-2]
    return last


def wire_prompt_tokens(body: dict[str, Any]) -> int:
    """Prompt tokens of a request as sent: messages, tool calls, tool definitions."""
    from assistant.conversation.budget import render_tools

    total = _count_once(render_tools(body.get("tools") or []))
    return total + sum(_wire_message_tokens(m) for m in body["messages"])


def _wire_message_tokens(m: dict[str, Any]) -> int:
    from assistant.conversation.budget import MESSAGE_OVERHEAD

    count = _count_once
    total = MESSAGE_OVERHEAD + count(m.get("content") or "")
    for call in m.get("tool_calls") or []:
        fn = call["function"]
        total += MESSAGE_OVERHEAD + count(fn["name"]) + count(fn["arguments"])
    return total


def cached_prefix_tokens(previous: dict[str, Any], body: dict[str, Any]) -> int:
    """Prompt tokens of ``body`` that repeat ``previous`` from the start.

    What a provider's prefix cache would serve: the tool definitions (when
    unchanged), then the messages identical to the previous request's, in order,
    up to the first that differs.
    """
    from assistant.conversation.budget import render_tools

    if previous.get("tools") != body.get("tools"):
        return 0
    total = _count_once(render_tools(body.get("tools") or []))
    for before, now in zip(previous["messages"], body["messages"], strict=False):
        if before != now:
            break
        total += _wire_message_tokens(now)
    return total


def _fill_usage(step: dict[str, Any], body: dict[str, Any]) -> None:
    """Report the request's counted size where the step left usage open."""
    bodies = [step.get("json") or {}, *(step.get("stream") or [])]
    for item in bodies:
        usage = item.get("usage") if isinstance(item, dict) else None
        if isinstance(usage, dict) and usage.get("prompt_tokens", 0) is None:
            usage["prompt_tokens"] = wire_prompt_tokens(body)
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]


def _plain_message(step: dict[str, Any]) -> dict[str, Any] | None:
    """The message of a well-formed plain completion step (None otherwise)."""
    choices = step.get("json", {}).get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        return message if isinstance(message, dict) else None
    return None


def history_problem(messages: list[dict[str, Any]]) -> str | None:
    """What OpenAI would reject in a message list (None if it is valid).

    Like the real service: every ``tool_calls`` of an assistant message must be
    answered by tool messages right after it, and a tool message must answer one.
    """
    pending: set[str] = set()
    for m in messages:
        if m["role"] == "tool":
            if m.get("tool_call_id") not in pending:
                return (
                    "messages with role 'tool' must be a response to a preceding "
                    "message with 'tool_calls'"
                )
            pending.discard(m["tool_call_id"])
            continue
        if pending:
            return (
                "An assistant message with 'tool_calls' must be followed by tool "
                "messages responding to each 'tool_call_id'. The following "
                f"tool_call_ids did not have response messages: {sorted(pending)}"
            )
        pending = {c["id"] for c in m.get("tool_calls") or []}
    return None


class FakeOpenAI:
    """The server. Use as a context manager; ``base_url`` for the SDK.

    Like the real service, it answers HTTP 400 to a request whose history leaves a
    tool call unanswered (``strict_history=False`` turns that off).
    """

    def __init__(
        self, steps: list[Step] | None = None, strict_history: bool = True
    ) -> None:
        self.steps: list[Step] = list(steps or [])
        self.requests: list[dict[str, Any]] = []
        self.seconds = 0.0  # time spent answering (to tell it apart from ours)
        self.cpu_seconds = 0.0  # CPU time of the threads that answered
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                started, cpu = time.perf_counter(), time.thread_time()
                try:
                    self.answer()
                finally:
                    with fake._lock:
                        fake.seconds += time.perf_counter() - started
                        fake.cpu_seconds += time.thread_time() - cpu

            def answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                problem = strict_history and history_problem(body["messages"])
                with fake._lock:
                    fake.requests.append(body)
                    if problem:
                        step: Step = error(400, problem)
                    elif not fake.steps:
                        step = error(500, "fake server script exhausted")
                    else:
                        step = fake.steps.pop(0)
                step = copy.deepcopy(step(body) if callable(step) else step)
                message = (
                    _plain_message(step)
                    if body.get("stream") and step.get("status", 200) == 200
                    else None
                )
                if message is not None:  # a plain answer, sent as a stream
                    step = stream(
                        message.get("content"),
                        [
                            (c["function"]["name"], c["function"]["arguments"])
                            for c in message.get("tool_calls", [])
                        ],
                        step["json"].get("usage", {}).get("prompt_tokens"),
                    )
                _fill_usage(step, body)
                if step.get("sleep"):
                    time.sleep(step["sleep"])
                status = step.get("status", 200)
                self.send_response(status)
                self.send_header("retry-after-ms", "5")
                if "stream" in step or "raw_stream" in step:
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    if "raw_stream" in step:  # e.g. a stream cut off mid-event
                        self.wfile.write(step["raw_stream"].encode())
                        return
                    for c in step["stream"]:
                        self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                payload = step.get("raw", json.dumps(step.get("json", {}))).encode()
                self.send_header(
                    "Content-Type", step.get("content_type", "application/json")
                )
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and hung up is part of the test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
