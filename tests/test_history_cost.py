"""Flat history cost: counted once, trimmed in place, reported usage preferred."""

from __future__ import annotations

import json

import pytest

from assistant.conversation import budget
from assistant.conversation.budget import CONDENSED_MARK, message_tokens, trim_session
from assistant.core.messages import Message, ToolCall
from assistant.toolkit.registry import TOOLS, tool_schemas
from tests.fake_openai import (
    FakeOpenAI,
    cached_prefix_tokens,
    completion,
    history_problem,
    last_message,
    wire_prompt_tokens,
)
from tests.test_turn_boundary import openai_bot
from tools.config import get_config

CUSTOMERS = [f"U{n}" for n in range(123, 134)]


def recommend_then_answer(body):
    last = last_message(body)
    if last["role"] == "user":
        cid = last["content"].split()[-1].rstrip("?")
        return completion(tool_calls=[("recommend_treatment", {"customer_id": cid})])
    top = json.loads(last["content"])["top"]["treatment_key"]
    return completion(f"Recommend {top}.")


def turn_messages(n: int, result: str = "r" * 600) -> list[Message]:
    out = []
    for i in range(n):
        call = ToolCall(id=f"c{i}", name="recommend_treatment", arguments="{}")
        out += [
            Message(role="user", content=f"question {i}"),
            Message(role="assistant", tool_calls=[call]),
            Message(role="tool", tool_call_id=f"c{i}", content=result),
            Message(role="assistant", content=f"answer {i}"),
        ]
    return out


def wire(messages: list[Message]) -> list[dict]:
    return [
        {
            "role": m.role,
            "tool_call_id": m.tool_call_id,
            "tool_calls": [{"id": c.id} for c in m.tool_calls],
        }
        for m in messages
    ]


def test_a_message_is_counted_once(monkeypatch):
    counted: list[str] = []
    real = budget.count_tokens
    monkeypatch.setattr(budget, "count_tokens", lambda t: counted.append(t) or real(t))
    m = Message(role="user", content="What should we offer U124?")
    assert message_tokens(m) == message_tokens(m) > budget.MESSAGE_OVERHEAD
    assert counted == ["What should we offer U124?"]


def test_trim_session_changes_nothing_within_its_limits():
    """Within the limits the history is left as it is: the next call repeats it as
    a prefix (what a provider's prompt cache serves)."""
    messages = turn_messages(10)
    before = [(m.role, m.content) for m in messages]
    total = trim_session(messages, budget=100_000, max_turns=10)
    assert [(m.role, m.content) for m in messages] == before
    assert total == sum(message_tokens(m) for m in messages)


def test_trim_session_works_in_place_and_keeps_the_last_turn_whole():
    messages = turn_messages(15)
    same = messages
    total = trim_session(messages, budget=100_000, max_turns=10)
    assert messages is same and len(messages) == 20  # cut back to half: 5 turns
    assert messages[0].content == "question 10"
    tools = [m for m in messages if m.role == "tool"]
    assert all(t.content.endswith(CONDENSED_MARK) for t in tools[:-1])
    assert tools[-1].content == "r" * 600  # the last turn, for "why?"
    assert total == sum(message_tokens(m) for m in messages)
    assert history_problem(wire(messages)) is None


def test_trim_session_drops_the_oldest_turns_over_the_token_budget():
    messages = turn_messages(8)
    total = trim_session(messages, budget=300, max_turns=10)
    assert total <= 300 and messages[0].role == "user"
    assert 1 <= len(messages) // 4 < 8
    assert messages[-1].content == "answer 7"
    assert history_problem(wire(messages)) is None
    one = turn_messages(1, result="z" * 5000)
    trim_session(one, budget=200, max_turns=10)  # the last turn alone is too big
    assert len(one) == 4 and one[2].content.endswith(CONDENSED_MARK)


def test_a_condensed_message_is_counted_anew():
    [*_, tool, _] = turn_messages(1)
    before = message_tokens(tool)
    assert message_tokens(budget.condensed(tool)) < before


def test_reported_usage_is_used_when_present(tmp_path):
    with FakeOpenAI(
        [
            completion(
                tool_calls=[("recommend_treatment", {"customer_id": "U124"})],
                prompt_tokens=1234,
                completion_tokens=7,
            ),
            completion("Marketing call back.", prompt_tokens=2345, completion_tokens=9),
        ]
    ) as fake:
        turn = openai_bot(fake, tmp_path).ask("What should we offer U124?")
    assert turn.usage.prompt_tokens == 1234 + 2345
    assert turn.usage.completion_tokens == 16


def test_without_reported_usage_our_count_is_used(tmp_path):
    step = completion("Hello.")
    del step["json"]["usage"]
    with FakeOpenAI([step]) as fake:
        turn = openai_bot(fake, tmp_path).ask("hi")
    from tests.fake_openai import wire_prompt_tokens

    assert turn.usage.prompt_tokens == wire_prompt_tokens(fake.requests[0])


@pytest.mark.parametrize("stream", [False, True])
def test_a_long_conversation_costs_the_same_per_turn(tmp_path, monkeypatch, stream):
    """30 turns: counting work per turn and prompt size stop growing."""
    counted: list[int] = []
    real = budget.count_tokens
    monkeypatch.setattr(
        budget, "count_tokens", lambda t: counted.append(len(t)) or real(t)
    )
    limits = get_config().model
    with FakeOpenAI([recommend_then_answer] * 60) as fake:
        bot = openai_bot(fake, tmp_path, stream=stream)
        prompts, counts = [], []
        for i in range(30):
            before = len(counted)
            turn = bot.ask(f"What should we offer {CUSTOMERS[i % 11]}?")
            assert turn.stopped is None
            prompts.append(turn.usage.prompt_tokens)
            counts.append(len(counted) - before)
            assert len(bot.session.messages) <= 4 * (limits.history_max_turns + 1)
    assert all(history_problem(r["messages"]) is None for r in fake.requests)
    # the server's count is what the turn reports; it stays flat
    assert max(prompts[10:]) <= 1.5 * prompts[9]
    # each turn counts only its new messages, and every few turns the older
    # results it condenses at once (at most half the turns kept)
    assert max(counts[10:]) <= max(counts[1:10])
    assert max(counts) <= 8 + limits.history_max_turns // 2


def _conversation(body):
    """Recommend on a question; after a result, answer; "why" is answered at once."""
    last = last_message(body)  # the turn's context comes last, after the history
    if last["role"] == "user" and "why" in last["content"].lower():
        return completion("Because of the switch threat.")
    if last["role"] == "user":
        cid = last["content"].split()[-1].rstrip("?")
        return completion(tool_calls=[("recommend_treatment", {"customer_id": cid})])
    top = json.loads(last["content"])["top"]["treatment_key"]
    return completion(f"Recommend {top}.")


def test_prompt_tokens_first_call_and_the_share_a_prefix_cache_serves(tmp_path, capsys):
    """Every tool on every call, in a stable prefix (system prompt + tool list).

    Targets: the first call at most 5,000 prompt tokens; from the second call on,
    at least 80% of each call's prompt tokens are a prefix of the call before it
    (what a provider's prompt cache serves).
    """
    questions = [
        "What should we offer U124?",
        "why?",
        "What should we offer U126?",
        "What should we offer U128?",
    ]
    with FakeOpenAI([_conversation] * 12) as fake:
        bot = openai_bot(fake, tmp_path)
        for q in questions:
            bot.ask(q)
    requests = fake.requests
    assert len(requests) == 7
    first = wire_prompt_tokens(requests[0])
    shares = [
        cached_prefix_tokens(prev, cur) / wire_prompt_tokens(cur)
        for prev, cur in zip(requests, requests[1:], strict=False)
    ]
    with capsys.disabled():
        print(
            f"\nprompt: first call {first:,} tokens; cacheable from the second call "
            f"on: min {min(shares):.0%}, mean {sum(shares) / len(shares):.0%}"
        )
    assert first <= 5_000
    assert min(shares) >= 0.80
    names = {t["function"]["name"] for t in requests[0]["tools"]}
    assert names == set(TOOLS)  # every tool offered, the plan tools included
    assert all(r["tools"] == requests[0]["tools"] for r in requests)
    assert len({r["messages"][0]["content"] for r in requests}) == 1  # one prompt


def test_every_tool_is_offered_whatever_the_conversation_holds():
    from assistant.conversation.toolset import offered_tools
    from assistant.core.session import Session

    session = Session()
    assert offered_tools(session) == tool_schemas()
    session.customer_id, session.plan_id = "U124", "P20240306-1"
    assert offered_tools(session) == tool_schemas()
