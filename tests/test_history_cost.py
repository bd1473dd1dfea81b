"""Flat history cost: counted once, trimmed in place, reported usage preferred."""

from __future__ import annotations

import json

import pytest

from assistant.conversation import budget
from assistant.conversation.budget import CONDENSED_MARK, message_tokens, trim_session
from assistant.conversation.messages import Message, ToolCall
from tests.fake_openai import FakeOpenAI, completion, history_problem
from tests.test_turn_boundary import openai_bot
from tools.config import get_config

CUSTOMERS = [f"U{n}" for n in range(123, 134)]


def recommend_then_answer(body):
    last = body["messages"][-1]
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


def test_trim_session_works_in_place_and_keeps_the_last_turn_whole():
    messages = turn_messages(15)
    same = messages
    total = trim_session(messages, budget=100_000, max_turns=10)
    assert messages is same and len(messages) == 40  # the last 10 turns
    assert messages[0].content == "question 5"
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
    messages = [*turn_messages(1), *turn_messages(1)]
    trim_session(messages, budget=100_000, max_turns=10)
    assert message_tokens(messages[2]) < before


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
    # each turn counts only its new messages (and a new system prompt at most)
    assert max(counts[10:]) <= max(counts[1:10])
    assert max(counts) <= 8


def test_the_u124_question_fits_3000_prompt_tokens_in_two_round_trips(tmp_path):
    """The benchmark's figure, kept as a deterministic guard (tokens, not time)."""
    with FakeOpenAI([recommend_then_answer] * 2) as fake:
        turn = openai_bot(fake, tmp_path).ask("What should we offer U124?")
    assert turn.recommended == "marketing_call_back" and len(fake.requests) == 2
    assert 2000 < turn.usage.prompt_tokens <= 3000  # plan tools are not offered
    assert not {t["function"]["name"] for t in fake.requests[0]["tools"]} & {
        "plan_campaign",
        "plan_what_if",
    }


PLAN_TOOLS = {"plan_campaign", "get_plan", "plan_what_if", "book_plan"}


@pytest.mark.parametrize(
    ("message", "offered"),
    [
        ("What should we offer U124?", False),
        ("Book a bill review call for U124", False),
        ("How many call-backs are left today?", False),
        ("Who should we call today?", True),
        ("Plan today's retention campaign", True),
        ("what if we had 10 more marketing call-back slots?", True),
        ("How much value does that add over booking one by one?", True),
        ("book P20240306-1", True),
    ],
)
def test_plan_tools_are_offered_when_plans_are_in_play(message, offered):
    from assistant.conversation.session import Session
    from assistant.conversation.toolset import offered_tools
    from assistant.toolkit.registry import names

    assert names(topic="plan") == PLAN_TOOLS
    session = Session()
    sent = {t["function"]["name"] for t in offered_tools(session, message)}
    assert (PLAN_TOOLS <= sent) is offered
    # every other tool, always (the questions-across-customers tools: when asked)
    assert sent >= names() - PLAN_TOOLS - names(topic="base")
    session.plan_id = "P20240306-1"  # a plan in the conversation: always offered
    assert PLAN_TOOLS <= {t["function"]["name"] for t in offered_tools(session, "hi")}


@pytest.mark.parametrize(
    ("message", "offered"),
    [
        ("What should we offer U124?", False),
        ("why not an SMS?", False),
        ("which customers are at the highest churn risk?", True),
        ("how many customers have bill shock?", True),
        ("summarise the base", True),
    ],
)
def test_base_tools_are_offered_for_questions_across_customers(message, offered):
    from assistant.conversation.session import Session
    from assistant.conversation.toolset import offered_tools
    from assistant.toolkit.registry import names

    base = names(topic="base")
    assert base == {"find_customers", "summarise_base"}
    sent = {t["function"]["name"] for t in offered_tools(Session(), message)}
    assert (base <= sent) is offered


def test_the_openai_path_gets_plan_tools_for_a_plan_question(tmp_path):
    with FakeOpenAI([completion("Let me plan that."), completion("Sure.")]) as fake:
        bot = openai_bot(fake, tmp_path)
        bot.ask("Who should we call today?")
        bot.ask("What should we offer U124?")
    first, second = ({t["function"]["name"] for t in r["tools"]} for r in fake.requests)
    assert PLAN_TOOLS <= first and not PLAN_TOOLS & second
