"""Campaign plans in the conversation: intents, approval of a plan id, what-ifs."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.models.scripted import ScriptedModel
from tools.allocation import list_allocations
from tools.planning.store import plan_store


@pytest.fixture
def offline(tmp_path):
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def calls(turn):
    return [(c.name, c.arguments) for c in turn.tool_calls]


def test_who_should_we_call_today_gives_a_plan_and_books_nothing(offline):
    turn = offline.ask("Who should we call today?")
    assert [c.name for c in turn.tool_calls] == ["plan_campaign"]
    plan = plan_store(offline.ctx).latest()
    assert plan is not None and plan.plan_id in turn.reply
    assert f"£{plan.expected_value:,.2f}" in turn.reply and "gap" in turn.reply
    assert "Bill Review Call 3, Service Call Back 2" in turn.reply  # volumes
    assert list_allocations(offline.ctx) == []


def test_retention_campaign_is_scoped_to_marketing(offline):
    turn = offline.ask("Plan today's retention campaign")
    assert turn.tool_calls[0].arguments["purposes"] == ["marketing"]


def test_value_over_one_by_one(offline):
    offline.ask("plan today's campaign")
    turn = offline.ask("How much value does the plan add over booking one by one?")
    assert [c.name for c in turn.tool_calls] == ["get_plan"]
    assert "first come" in turn.reply and "plan adds" in turn.reply


def test_book_the_plan_asks_for_approval_then_yes_books_it_once(offline):
    offline.ask("who should we call today?")
    plan = plan_store(offline.ctx).latest()
    ask = offline.ask("book the plan")
    assert [c.held for c in ask.tool_calls if c.name == "book_plan"] == [True]
    assert ask.pending is not None and ask.pending.title == f"Book plan {plan.plan_id}"
    assert "waiting for your approval" in ask.reply
    assert list_allocations(offline.ctx) == []
    done = offline.ask("yes")
    assert [c.name for c in done.tool_calls] == ["book_plan"]
    assert done.tool_calls[0].ok and f"booked {plan.assigned}" in done.reply
    booked = list_allocations(offline.ctx)
    assert len(booked) == plan.assigned
    # Approving again books nothing new.
    offline.ask("book the plan")
    again = offline.ask("yes")
    assert "booked 0" in again.reply
    assert len(list_allocations(offline.ctx)) == plan.assigned


def test_no_declines_and_a_new_topic_drops_the_pending_plan(offline):
    offline.ask("who should we call today?")
    offline.ask("book the plan")
    assert "Not done: Book plan" in offline.ask("no").reply
    assert not any(c.name == "book_plan" for c in offline.ask("yes").tool_calls)
    offline.ask("book the plan")
    offline.ask("What should we offer U124?")
    turn = offline.ask("yes")
    assert not any(c.name == "book_plan" for c in turn.tool_calls)
    assert len(list_allocations(offline.ctx)) <= 1  # at most U124's own booking


@pytest.mark.parametrize(
    "question, expected",
    [
        (
            "What if we had 10 more marketing call-back slots?",
            {"extra_slots": [{"treatment_key": "marketing_call_back", "slots": 10}]},
        ),
        ("Plan without the call centre", {"without_channels": ["call"]}),
        (
            "Cut the SMS budget to £200",
            {"channel_budgets": [{"channel": "sms", "pounds": 200.0}]},
        ),
        ("what if the total budget was £50?", {"budget": 50.0}),
    ],
)
def test_what_ifs_in_one_sentence(offline, question, expected):
    base = offline.ask("who should we call today?")
    assert base.tool_calls[0].ok
    turn = offline.ask(question)
    assert [c.name for c in turn.tool_calls] == ["plan_what_if"]
    args = turn.tool_calls[0].arguments
    for key, value in expected.items():
        assert args[key] == value
    result = turn.tool_calls[0].result
    assert result["before_id"] != result["after_id"]
    assert "expected value" in turn.reply
    assert plan_store(offline.ctx).get(result["before_id"])  # the previous plan stays


def test_what_is_one_more_call_centre_slot_worth(offline):
    offline.ask("who should we call today?")
    turn = offline.ask("What is one more call-centre slot worth?")
    keys = [c.arguments["extra_slots"][0]["treatment_key"] for c in turn.tool_calls]
    assert keys == [
        "service_call_back",
        "marketing_call_back",
        "bill_review_call",
        "request_call_back",
        "account_manager_call",
    ]
    assert all(c.arguments["extra_slots"][0]["slots"] == 1 for c in turn.tool_calls)
    assert "marketing_call_back: £" in turn.reply


def test_hypothetical_slots_do_not_change_which_plan_is_booked(offline):
    offline.ask("who should we call today?")
    first = plan_store(offline.ctx).latest()
    offline.ask("what if we had 10 more marketing call-back slots?")
    assert offline.session.plan_id == first.plan_id
    offline.ask("plan without the call centre")
    assert offline.session.plan_id != first.plan_id


def test_a_model_cannot_book_a_plan_without_approval_of_that_plan(tmp_path):
    model = ScriptedModel(
        [
            {"tool_calls": [{"name": "plan_campaign", "arguments": {}}]},
            {"content": "Here is the plan."},
        ]
    )
    bot = Assistant.create(model=model, state_dir=tmp_path / "state")
    bot.ask("who should we call today?")
    plan = plan_store(bot.ctx).latest()
    # A rogue model books on a question: it is only proposed, and shown.
    model.add(
        {"tool_calls": [{"name": "book_plan", "arguments": {"plan_id": plan.plan_id}}]},
        {"content": "Please approve."},
    )
    turn = bot.ask("what is in the plan?")
    assert turn.tool_calls[0].held and turn.pending is not None and turn.pending_new
    assert list_allocations(bot.ctx) == []
    assert bot.session.pending_plan == plan.plan_id
    # "yes" runs exactly the pending plan (the model is not asked what to book).
    turn = bot.ask("yes")
    assert [c.name for c in turn.tool_calls] == ["book_plan"]
    assert turn.tool_calls[0].ok and turn.tool_calls[0].arguments == {
        "plan_id": plan.plan_id
    }
    model.assert_complete()
    # Nothing is pending any more: another plan id is refused.
    model.add(
        {
            "tool_calls": [
                {"name": "book_plan", "arguments": {"plan_id": "P20240306-9"}}
            ]
        },
        {"content": "no"},
    )
    later = bot.ask("yes")  # nothing pending: said without asking the model
    assert later.usage.model_calls == 0 and not later.tool_calls
    assert len(list_allocations(bot.ctx)) == plan.assigned


def test_an_order_naming_another_plan_or_count_books_nothing(offline):
    """'book P-3' names no plan; 'book all 12' is not the plan's count: both say so."""
    offline.ask("who should we call today?")
    plan = plan_store(offline.ctx).latest()
    assert plan is not None
    offline.ask("book the plan")
    pending = offline.session.pending
    assert pending is not None
    wrong_id = offline.ask("go ahead, book P-3")
    assert wrong_id.reply.startswith("There is no plan P-3")
    assert f"Pending: Book plan {plan.plan_id}" in wrong_id.reply
    other = plan.assigned + 3
    wrong_count = offline.ask(f"Confirmed. Book all {other} contacts.")
    assert (
        f"Plan {plan.plan_id} books {plan.assigned} contacts, not {other}"
        in wrong_count.reply
    )
    for turn in (wrong_id, wrong_count):
        assert not turn.pending_new and not turn.allocations
    assert offline.session.pending is not None
    assert offline.session.pending.id == pending.id  # still the plan shown
    assert list_allocations(offline.ctx) == []
    right = offline.ask(f"book all {plan.assigned} contacts")  # the plan's own words
    assert len(list_allocations(offline.ctx)) == plan.assigned, right.reply
