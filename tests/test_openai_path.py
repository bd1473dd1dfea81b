"""The real openai SDK against a local fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from assistant.api import Assistant
from assistant.conversation.loop import Hooks
from tests.fake_openai import FakeOpenAI, booking, completion, error, stream
from tests.lazy import lazy
from tools.allocation import list_allocations
from tools.config import get_config

# the openai SDK loads when a test first uses it (tests/lazy.py)
openai_model = lazy("assistant.models.openai_model")


def make_bot(fake: FakeOpenAI, tmp_path, **settings):
    config = get_config()
    model_settings = config.model.model_copy(
        update={
            "base_url": fake.base_url,
            "max_retries": 2,
            "request_timeout_s": 5,
            "stream": False,
            **settings,
        }
    )
    config = config.model_copy(update={"model": model_settings})
    return Assistant.create(
        model=openai_model.OpenAIModel(model_settings, api_key="sk-test"),
        config=config,
        state_dir=tmp_path / "state",
    )


def tool_messages(request):
    return [m for m in request["messages"] if m["role"] == "tool"]


def test_non_streaming_tool_call_then_answer(tmp_path):
    with FakeOpenAI(
        [
            completion(tool_calls=[("recommend_treatment", {"customer_id": "U124"})]),
            completion("Recommend the marketing call back for U124."),
        ]
    ) as fake:
        bot = make_bot(fake, tmp_path)
        turn = bot.ask("What should we offer U124?")
    assert turn.reply == "Recommend the marketing call back for U124."
    assert turn.recommended == "bill_review_call"
    assert [c.name for c in turn.tool_calls] == ["recommend_treatment"]
    first, second = fake.requests
    assert first["model"] == "gpt-4o" and first["messages"][0]["role"] == "system"
    names = [t["function"]["name"] for t in first["tools"]]
    assert {"recommend_treatment", "allocate_treatment", "release_allocation"} <= set(
        names
    )
    schema = first["tools"][names.index("allocate_treatment")]["function"]
    assert schema["strict"] and schema["parameters"]["additionalProperties"] is False
    result = json.loads(tool_messages(second)[0]["content"])
    assert result["top"]["treatment_key"] == "bill_review_call"
    assigned = [m for m in second["messages"] if m.get("tool_calls")][0]
    assert assigned["content"] == ""  # never null next to tool calls
    assert turn.usage.model_calls == 2 and turn.usage.prompt_tokens > 1000
    assert turn.usage.estimated_cost_usd > 0


def test_streaming_with_parallel_tool_call_deltas(tmp_path):
    tokens: list[str] = []
    with FakeOpenAI(
        [
            stream(
                tool_calls=[
                    ("get_customer_data", {"customer_id": "U125"}),
                    ("recommend_treatment", {"customer_id": "U125"}),
                ]
            ),
            stream("U125: the poor network makes a service call-back the best action."),
        ]
    ) as fake:
        bot = make_bot(fake, tmp_path, stream=True)
        turn = bot.ask(
            "What should we do for U125?", hooks=Hooks(on_token=tokens.append)
        )
    assert [c.name for c in turn.tool_calls] == [
        "get_customer_data",
        "recommend_treatment",
    ]
    assert all(c.ok for c in turn.tool_calls)
    assert "".join(tokens) == turn.reply and len(tokens) > 3
    assert fake.requests[0]["stream"] is True
    assert len(tool_messages(fake.requests[1])) == 2


def test_rate_limit_then_success_books_once(tmp_path):
    with FakeOpenAI(
        [
            error(429),
            booking("U124", "bill_review_call"),
            completion("It needs your confirmation."),
        ]
    ) as fake:
        bot = make_bot(fake, tmp_path)
        bot.session.customer_id = "U124"
        turn = bot.ask("Book a bill review call for U124")
        assert turn.reply == "It needs your confirmation." and turn.pending_new
        assert list_allocations(bot.ctx) == []  # proposed once, not booked
        done = bot.ask("yes")  # runs the shown action: no model call at all
    assert done.usage.model_calls == 0 and len(fake.requests) == 3
    booked = list_allocations(bot.ctx)
    assert [(a.customer_id, a.treatment_key) for a in booked] == [
        ("U124", "bill_review_call")
    ]


def test_server_errors_until_retries_run_out(tmp_path):
    with FakeOpenAI([error(500)] * 3) as fake:
        bot = make_bot(fake, tmp_path)
        turn = bot.ask("What should we offer U124?")
    assert len(fake.requests) == 3  # first try + 2 retries
    assert turn.stopped == "model_error" and "HTTP 500" in turn.reply
    assert list_allocations(bot.ctx) == []


def test_timeout_gives_a_friendly_reply(tmp_path):
    with FakeOpenAI([{"sleep": 1.5, **completion("late")}]) as fake:
        bot = make_bot(fake, tmp_path, request_timeout_s=0.3, max_retries=0)
        turn = bot.ask("What should we offer U124?")
    assert turn.stopped == "model_error" and "did not answer within" in turn.reply


def test_malformed_body_gives_a_friendly_reply(tmp_path):
    with FakeOpenAI([{"raw": "{this is not json"}]) as fake:
        bot = make_bot(fake, tmp_path, max_retries=0)
        turn = bot.ask("What should we offer U124?")
    assert turn.stopped == "model_error"
    assert "unreadable answer (not JSON)" in turn.reply


def test_authentication_error(tmp_path):
    with FakeOpenAI([error(401, "bad key")]) as fake:
        turn = make_bot(fake, tmp_path).ask("hi")
    assert "rejected the API key" in turn.reply


def test_model_booking_a_non_consented_retention_email_is_refused(
    tmp_path, monkeypatch
):
    """Acceptance: OPENAI_BASE_URL at a fake server whose model books U126's e-mail."""

    def book_then_report(body):
        results = tool_messages(body)
        if not results:
            return booking("U126", "retention_email")
        return completion(f"Refused: {json.loads(results[-1]['content'])['rule']}")

    with FakeOpenAI([book_then_report, book_then_report]) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        bot = Assistant.create(model="openai", state_dir=tmp_path / "state")
        turn = bot.ask("Book a retention email for U126")
    assert list_allocations(bot.ctx) == []
    refusal = json.loads(tool_messages(fake.requests[1])[0]["content"])
    assert refusal["blocked"] and refusal["rule"] in {"CONSENT", "OBJECTION"}
    assert "OBJECTION" in refusal["reason"]
    assert turn.reply.startswith("Refused: ")
    assert turn.tool_calls[0].rule == refusal["rule"]
    assert fake.requests[0]["stream"] is True  # the configured default


def test_model_cannot_book_without_the_analysts_instruction(tmp_path):
    with FakeOpenAI(
        [
            booking("U124", "bill_review_call"),
            completion("I have not booked anything; shall I?"),
        ]
    ) as fake:
        bot = make_bot(fake, tmp_path)
        turn = bot.ask("What should we offer U124?")
    assert turn.tool_calls[0].held and turn.pending is not None  # shown, not run
    assert list_allocations(bot.ctx) == []


def test_openai_base_url_env_reaches_the_fake_server(tmp_path, monkeypatch):
    with FakeOpenAI([completion("pong")]) as fake:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant",
                "ask",
                "--model",
                "openai",
                "--json",
                "ping",
            ],
            capture_output=True,
            text=True,
            timeout=300,  # a start-up, not a speed check: loaded CI hosts are slow
            env={
                **os.environ,
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_BASE_URL": fake.base_url,
            },
        )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["reply"] == "pong"
    assert len(fake.requests) == 1


def test_openai_without_a_key_is_a_clear_error():
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--model", "openai", "hi"],
        capture_output=True,
        text=True,
        timeout=300,  # a start-up, not a speed check: loaded CI hosts are slow
    )
    assert out.returncode == 2 and "OPENAI_API_KEY" in out.stderr
    assert "Traceback" not in out.stderr


def test_offline_is_the_default_without_a_key(tmp_path):
    assert Assistant.create(state_dir=tmp_path / "s").model.name == "offline"


def test_cvm_model_chooses_explicitly(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-FAKE-OPENAI-API-KEY")
    assert Assistant.create(state_dir=tmp_path / "s").model.name == "openai"
    monkeypatch.setenv("CVM_MODEL", "offline")
    assert Assistant.create(state_dir=tmp_path / "s").model.name == "offline"


def test_live_mode_reports_pass_k_against_an_endpoint(tmp_path):
    conv = tmp_path / "live.yaml"
    conv.write_text(
        "name: live-u124\nturns:\n  - user: What should we offer U124?\n"
        "    expect: {recommended: bill_review_call}\n"
    )
    scripted = tmp_path / "scripted.yaml"
    scripted.write_text(
        "name: s\nmodel: scripted\nturns:\n  - user: hi\n    model: [{content: hi}]\n"
    )

    def good_model(body):
        if not tool_messages(body):
            return completion(
                tool_calls=[("recommend_treatment", {"customer_id": "U124"})]
            )
        return completion("Marketing call back.")

    with FakeOpenAI([good_model] * 10) as fake:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant",
                "test-conversations",
                "--model",
                "openai",
                "--repeat",
                "3",
                str(conv),
                str(scripted),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={
                **os.environ,
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_BASE_URL": fake.base_url,
            },
        )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS live-u124 (3/3 tries, pass^3 = 1)" in out.stdout
    assert "pass^3 overall: 1/1 = 1.00" in out.stdout
    assert out.stdout.strip().endswith("1 passed, 0 failed")  # scripted one skipped
    assert len(fake.requests) == 6


def test_live_mode_is_skipped_without_a_key(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "test-conversations",
            "--model",
            "openai",
            "tests/conversations",
        ],
        capture_output=True,
        text=True,
        timeout=300,  # a start-up, not a speed check: loaded CI hosts are slow
    )
    assert out.returncode == 0 and out.stdout.startswith("skipped:")
