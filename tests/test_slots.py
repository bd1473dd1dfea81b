"""Slot reading: money, thresholds, counts, ordinals and narrowing, as analysts type.

Each form is read by the planner's typed readers (:mod:`assistant.planner.amounts`,
:mod:`assistant.planner.thresholds`, :func:`assistant.planner.utterance.read`); the
last tests follow a what-if budget from the message to the plan "book the plan"
books.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.core.session import Session
from assistant.planner.amounts import amounts_in, count_value, word_number
from assistant.planner.intents import cue_words
from assistant.planner.thresholds import thresholds_in
from assistant.planner.utterance import read
from assistant.planner.what_if import what_if_calls
from tools.config import get_config
from tools.planning.store import plan_store


def money(text: str) -> list[tuple[float, bool]]:
    return [(a.value, a.money) for a in amounts_in(text)]


@pytest.mark.parametrize(
    "text, value, sure",
    [
        ("£2k", 2_000, True),
        ("2k", 2_000, False),
        ("£1.5m", 1_500_000, True),
        ("1.5 million pounds", 1_500_000, True),
        ("£2bn", 2_000_000_000, True),
        ("ten grand", 10_000, True),
        ("a grand", 1_000, True),
        ("a quid", 1, True),
        ("a fiver", 5, True),
        ("a tenner", 10, True),
        ("two tenners", 20, True),
        ("twenty five quid", 25, True),
        ("a hundred pounds", 100, True),
        ("£2,000", 2_000, True),
        ("2000 pounds", 2_000, True),
        ("GBP 300", 300, True),
        ("50p", 0.5, True),
        ("£0.25", 0.25, True),
        ("200", 200, False),
    ],
)
def test_money_forms(text: str, value: float, sure: bool) -> None:
    assert money(text) == [(value, sure)]


def test_numbers_in_running_text_keep_their_place() -> None:
    found = amounts_in("cut the overall budget to £2k by friday")
    assert [
        (a.value, "cut the overall budget to £2k"[a.start : a.end]) for a in found
    ] == [(2000.0, "£2k")]
    assert amounts_in("U124 and U126") == []  # customer ids are not numbers
    assert amounts_in("someone, anyone") == []  # "one" inside a word is not a number
    assert [a.value for a in amounts_in("60% and sixty per cent")] == [60.0, 60.0]
    assert all(a.percent for a in amounts_in("60% and sixty per cent"))


def test_number_words_and_counts() -> None:
    assert word_number("twenty five") == 25
    assert word_number("two hundred and ten") == 210
    assert word_number("a hundred") == 100
    assert word_number("lots") is None
    assert count_value("fifty") == 50
    assert count_value("£5") is None  # money is no count
    assert count_value("60%") is None


def th(text: str) -> list[tuple[str, str, float]]:
    return [(t.metric, t.op, t.value) for t in thresholds_in(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("list everyone with churn above 0.5", [("churn", ">", 0.5)]),
        ("churn over 60%", [("churn", ">", 0.6)]),
        ("over 60% churn", [("churn", ">", 0.6)]),
        ("churn score of at least 0.7", [("churn", ">=", 0.7)]),
        ("churn > .5", [("churn", ">", 0.5)]),
        ("churn 0.5 or more", [("churn", ">=", 0.5)]),
        ("churn risk 60%+", [("churn", ">=", 0.6)]),
        ("churn below 30 percent", [("churn", "<", 0.3)]),
        ("churn between 0.3 and 0.6", [("churn", ">=", 0.3), ("churn", "<=", 0.6)]),
        ("over £50 a month", [("revenue", ">", 50.0)]),
        ("over £600 a year", [("revenue", ">", 50.0)]),
        ("customers spending more than £40", [("revenue", ">", 40.0)]),
        ("customers paying over 50 quid", [("revenue", ">", 50.0)]),
        ("monthly spend of at least £100", [("revenue", ">=", 100.0)]),
        (
            "between £40 and £60 a month",
            [("revenue", ">=", 40.0), ("revenue", "<=", 60.0)],
        ),
        ("less than 3 months tenure", [("tenure", "<", 3.0)]),
        ("been with us over 5 years", [("tenure", ">", 60.0)]),
        ("tenure from 3 to 12 months", [("tenure", ">=", 3.0), ("tenure", "<=", 12.0)]),
        ("using more than 20gb", [("data_gb", ">", 20.0)]),
        ("with a bill over £100", [("bill", ">", 100.0)]),
        ("expected value above £10", [("expected_value", ">", 10.0)]),
        (
            "churn above 0.5 and spending more than £40",
            [("churn", ">", 0.5), ("revenue", ">", 40.0)],
        ),
        ("high value customers over 0.5 churn", [("churn", ">", 0.5)]),
        # No metric, no threshold: a cost limit or nothing at all.
        ("anything under £5?", []),
        ("top 10 by churn", []),
        ("between U124 and U126", []),
        # A metric whose units do not fit the number is not read.
        ("churn above £5", []),
        ("tenure over 50%", []),
    ],
)
def test_threshold_forms(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert th(text) == expected


def u(text: str):  # type: ignore[no-untyped-def]
    return read(text, get_config(), cue_words())


@pytest.mark.parametrize(
    "text, cost",
    [
        ("anything under £5?", 5.0),
        ("something under a fiver", 5.0),
        ("options at most £1", 1.0),
        ("something cheaper than a tenner", 10.0),
        ("keep it under 50p per contact", 0.5),
        # a revenue threshold is not a cost limit
        ("customers spending less than £40", None),
        ("under 3 months tenure", None),
    ],
)
def test_cost_limits(text: str, cost: float | None) -> None:
    assert u(text).max_cost == cost


@pytest.mark.parametrize(
    "text, ordinal",
    [
        ("the 2nd", 2),
        ("the 2nd one please", 2),
        ("the third one", 3),
        ("number two", 2),
        ("option 3", 3),
        ("the sixth", 6),
        ("go with the 7th", 7),
        ("last", -1),
        ("the last one", -1),
        ("second to last", -2),
        ("the penultimate one", -2),
        ("the cheapest", 0),
        ("what should we offer U124?", None),
    ],
)
def test_ordinals(text: str, ordinal: int | None) -> None:
    assert u(text).ordinal == ordinal


@pytest.mark.parametrize(
    "text, count",
    [
        ("top 3 options for U128", 3),
        ("best three?", 3),
        ("show me fifty customers", 50),
        ("top twenty customers by churn", 20),
        ("list the top 100", 100),
        ("who are our riskiest 25 customers", 25),
        ("the first one", None),  # an ordinal, not a count
    ],
)
def test_counts(text: str, count: int | None) -> None:
    assert u(text).count == count


@pytest.mark.parametrize(
    "text, narrows",
    [
        ("of those, who can we email?", True),
        ("which of them are vulnerable?", True),
        ("among them, who has bill shock", True),
        ("filter that list to high value", True),
        ("those customers with poor network", True),
        ("who can we email?", False),
        ("list everyone with churn above 0.5", False),
    ],
)
def test_narrowing_the_last_list(text: str, narrows: bool) -> None:
    assert u(text).narrows is narrows


@pytest.mark.parametrize(
    "text, args",
    [
        ("cut the overall budget to £2k", {"budget": 2000.0}),
        ("set the budget at ten grand", {"budget": 10000.0}),
        ("what if the total budget was 2k?", {"budget": 2000.0}),
        (
            "limit the email budget to 2,000 pounds",
            {"channel_budgets": [{"channel": "email", "pounds": 2000.0}]},
        ),
        (
            "cut the SMS budget to £200",
            {"channel_budgets": [{"channel": "sms", "pounds": 200.0}]},
        ),
    ],
)
def test_what_if_budgets_read_whole_amounts(text: str, args: dict) -> None:
    session = Session()
    session.plan_id = "P20240306-1"
    calls = what_if_calls(text, session, get_config())
    assert calls is not None and len(calls) == 1
    got = calls[0][1].model_dump(mode="json")
    assert {k: got[k] for k in args} == args


def test_a_budget_cut_by_an_amount_asks_for_the_new_level() -> None:
    session = Session()
    session.plan_id = "P20240306-1"
    assert what_if_calls("cut the SMS budget by £100", session, get_config()) == []
    assert what_if_calls("cut the budget by 20%", session, get_config()) == []


def test_the_2k_plan_is_the_plan_book_the_plan_books(tmp_path) -> None:
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    bot.ask("plan today's campaign")
    turn = bot.ask("cut the overall budget to £2k")
    change = next(c for c in turn.tool_calls if c.name == "plan_what_if")
    assert change.arguments["budget"] == 2000.0
    store = plan_store(bot.ctx)
    plan = store.get(bot.session.plan_id or "")
    assert plan.request.budget == 2000.0
    held = bot.ask("book the plan")
    assert (
        held.pending is not None and held.pending.arguments["plan_id"] == plan.plan_id
    )
