"""A turn always ends cleanly: a bug in a tool never breaks the conversation."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from assistant.api import Assistant
from assistant.conversation.audit import list_audit
from assistant.models.scripted import ScriptedModel
from assistant.toolkit.registry import TOOLS
from tests.fake_openai import FakeOpenAI, completion, history_problem
from tests.lazy import lazy
from tools.allocation import list_allocations
from tools.config import get_config

# the openai SDK loads when a test first uses it (tests/lazy.py)
openai_model = lazy("assistant.models.openai_model")

APOLOGY = "something went wrong on my side"


class ToolBug(RuntimeError):
    """A bug inside a tool (not a tool error the model could fix)."""


def break_tool(monkeypatch, name: str) -> list[str]:
    """Make tool ``name`` raise; returns the list its calls are recorded in."""
    calls: list[str] = []

    def boom(ctx, **kwargs):
        calls.append(name)
        raise ToolBug("secret detail U124 Jane Doe")

    boom.__name__ = name
    monkeypatch.setitem(TOOLS, name, dataclasses.replace(TOOLS[name], function=boom))
    return calls


def openai_bot(fake: FakeOpenAI, tmp_path, **settings) -> Assistant:
    config = get_config()
    model_settings = config.model.model_copy(
        update={
            "base_url": fake.base_url,
            "max_retries": 0,
            "request_timeout_s": 5,
            "stream": False,
            **settings,
        }
    )
    return Assistant.create(
        model=openai_model.OpenAIModel(model_settings, api_key="sk-test"),
        config=config.model_copy(update={"model": model_settings}),
        state_dir=tmp_path / "state",
    )


def assert_failed_cleanly(bot: Assistant, turn, caplog) -> None:
    assert turn.stopped == "internal_error"
    assert APOLOGY in turn.reply and "Traceback" not in turn.reply
    assert bot.session.turns == 1
    wire = [m.model_dump() for m in bot.session.messages]
    for m in wire:
        m["tool_calls"] = [{"id": c["id"]} for c in m["tool_calls"]]
    assert history_problem(wire) is None  # every tool call has its result
    [record] = list_audit(bot.ctx.ledger)
    assert record.record["stopped"] == "internal_error"
    assert record.question == turn.question
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "ToolBug" in errors[0].getMessage()
    assert "boom" in errors[0].getMessage()  # the traceback's frames
    above_debug = "\n".join(
        r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG
    )
    assert "Jane Doe" not in above_debug and "U124" not in above_debug


def test_openai_path_failing_tool_then_a_successful_turn(tmp_path, monkeypatch, caplog):
    calls = break_tool(monkeypatch, "get_customer_data")
    with FakeOpenAI(
        [
            completion(
                tool_calls=[
                    ("get_customer_data", {"customer_id": "U124"}),
                    ("recommend_treatment", {"customer_id": "U124"}),
                ]
            ),
            completion(tool_calls=[("recommend_treatment", {"customer_id": "U124"})]),
            completion("Offer U124 the marketing call back."),
        ]
    ) as fake:
        bot = openai_bot(fake, tmp_path)
        with caplog.at_level(logging.INFO):
            first = bot.ask("What should we offer U124?")
        assert calls == ["get_customer_data"]
        assert_failed_cleanly(bot, first, caplog)
        assert [(c.name, c.ok) for c in first.tool_calls] == [
            ("get_customer_data", False),
            ("recommend_treatment", False),  # never ran: answered with an error
        ]
        tool_results = [m for m in bot.session.messages if m.role == "tool"]
        assert all("internal error" in m.content for m in tool_results)
        second = bot.ask("What should we offer U124?")
    assert second.stopped is None
    assert second.reply == "Offer U124 the marketing call back."
    assert second.recommended == "bill_review_call"
    assert bot.session.turns == 2
    # the service accepted the repaired history (a bad one is an HTTP 400)
    assert len(fake.requests) == 3
    assert all(history_problem(r["messages"]) is None for r in fake.requests)
    sent = fake.requests[1]["messages"]
    assert [m["role"] for m in sent[1:]] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
        "user",
        "system",  # the turn's context, after the history
    ]


def test_offline_failing_tool_then_the_next_turn_works(tmp_path, monkeypatch, caplog):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    with monkeypatch.context() as patch:
        break_tool(patch, "recommend_treatment")
        with caplog.at_level(logging.INFO):
            first = bot.ask("What should we offer U124?")
        assert_failed_cleanly(bot, first, caplog)
    second = bot.ask("What should we offer U124?")
    assert second.stopped is None and second.recommended == "bill_review_call"
    assert "Marketing" in second.reply or "marketing" in second.reply
    assert bot.session.turns == 2
    assert len(list_audit(bot.ctx.ledger)) == 2


def test_scripted_failing_tool_then_the_next_turn_works(tmp_path, monkeypatch, caplog):
    model = ScriptedModel(
        [
            {
                "tool_calls": [
                    {"name": "get_constraints", "arguments": {}},
                    {"name": "check_availability", "arguments": {"treatment_key": 5}},
                ]
            },
            {"content": "Capacity is fine today."},
        ]
    )
    bot = Assistant.create(model=model, state_dir=tmp_path / "state")
    with monkeypatch.context() as patch:
        break_tool(patch, "get_constraints")
        with caplog.at_level(logging.INFO):
            first = bot.ask("How much capacity is left?")
        assert_failed_cleanly(bot, first, caplog)
    second = bot.ask("How much capacity is left?")
    assert second.reply == "Capacity is fine today." and bot.session.turns == 2
    model.assert_complete()


def test_a_booking_made_before_the_bug_is_reported(tmp_path, monkeypatch):
    model = ScriptedModel(
        [
            {
                "tool_calls": [
                    {
                        "name": "allocate_treatment",
                        "arguments": {
                            "customer_id": "U124",
                            "treatment_key": "bill_review_call",
                        },
                    }
                ]
            },
            {"content": "Shall I book it?"},
        ]
    )
    bot = Assistant.create(model=model, state_dir=tmp_path / "state")
    assert bot.ask("Book a bill review call for U124").pending is not None
    spec = TOOLS["allocate_treatment"]

    def boom(result, ctx):
        raise ToolBug("secret detail U124 Jane Doe")

    broken = dataclasses.replace(spec.approval, outcome=boom)
    monkeypatch.setitem(TOOLS, spec.name, dataclasses.replace(spec, approval=broken))
    turn = bot.ask("yes")  # the booking commits, then writing the answer fails
    assert turn.stopped == "internal_error"
    assert "1 booking(s) made before the error stand" in turn.reply
    assert len(list_allocations(bot.ctx)) == 1
    record = list_audit(bot.ctx.ledger)[0].record
    assert record["allocations"] == [turn.allocations[0]["allocation_id"]]


@pytest.mark.parametrize("where", ["model", "hook"])
def test_a_bug_outside_the_tools_also_ends_the_turn(tmp_path, where):
    from assistant.conversation.loop import Hooks

    class BrokenModel(ScriptedModel):
        def complete(self, request, on_token=None):
            raise KeyError("top")

    def broken_hook(record):
        raise ValueError("ui went away")

    if where == "model":
        bot = Assistant.create(model=BrokenModel(), state_dir=tmp_path / "s")
        turn = bot.ask("hi")
    else:
        bot = Assistant.create(
            model=ScriptedModel(
                [{"tool_calls": [{"name": "get_constraints", "arguments": {}}]}]
            ),
            state_dir=tmp_path / "s",
        )
        turn = bot.ask("capacity?", hooks=Hooks(on_tool_end=broken_hook))
        assert [m.role for m in bot.session.messages] == [
            "user",
            "assistant",
            "tool",
            "assistant",
        ]
        assert json.loads(bot.session.messages[2].content)["treatments"]
    assert turn.stopped == "internal_error" and APOLOGY in turn.reply
    assert list_audit(bot.ctx.ledger)[0].record["stopped"] == "internal_error"
