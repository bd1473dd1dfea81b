"""Questions across customers in a conversation: never "which customer?", true counts.

The failure kinds of issue 17 on the offline planner, turn by turn on the sample
base: who is flagged vulnerable, everyone above a churn threshold, a breakdown,
"of those" narrowing the last list shown, and lists that say how many there are
in all when fewer are shown (the customers' list and the bookings' page).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.api import Assistant
from assistant.planner.answers.ledger import _booking_count
from tools.bookings import Bookings

WHICH = "Which customer"


@pytest.fixture
def bot(tmp_path) -> Assistant:
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def rows(turn: Any) -> list[str]:
    """The customer ids of the turn's find_customers result, in order."""
    (record,) = [r for r in turn.tool_calls if r.name == "find_customers"]
    assert record.ok, record.error
    return [row["customer_id"] for row in record.result["rows"]]


def test_questions_across_customers_never_ask_which_customer(bot):
    vulnerable = bot.ask("who's flagged vulnerable")
    assert WHICH not in vulnerable.reply
    assert rows(vulnerable) == ["U133"]
    assert "1 match of 12; showing 1" in vulnerable.reply

    churn = bot.ask("list everyone with churn above 0.5")
    assert rows(churn) == ["U124", "U126", "U133"]  # highest churn first
    assert "churn score above 0.50" in churn.reply

    breakdown = bot.ask("segment breakdown pls")
    assert [r.name for r in breakdown.tool_calls] == ["summarise_base"]
    assert "| family | 4 |" in breakdown.reply and WHICH not in breakdown.reply

    emailable = bot.ask("of those, who can we email?")
    record, consent = emailable.tool_calls
    assert record.arguments["among"] == churn.tool_calls[0].result["list_id"]
    assert record.arguments["reachable_channel"] == "email"
    # U124's billing dispute is open (SUITABILITY: no marketing e-mail until it is
    # fixed), U126 objects, U133 is vulnerable: nobody can be e-mailed today, and
    # the answer says who has e-mail marketing consent (U124, U133) instead
    assert record.result is not None and record.result["matched"] == 0
    assert "No customers who can lawfully be e-mailed today" in emailable.reply
    assert consent.arguments["among"] == record.arguments["among"]
    assert consent.arguments["consent_channel"] == "email"
    assert [row["customer_id"] for row in consent.result["rows"]] == ["U124", "U133"]
    assert "among the customers listed before" in emailable.reply


def test_a_longer_list_says_how_many_and_shows_all_when_asked(bot):
    first = bot.ask("which customers have churn above 0.1?")
    assert len(rows(first)) == 10
    assert "12 match of 12; showing 10" in first.reply
    assert "show all of them" in first.reply
    every = bot.ask("show all of them")
    assert len(rows(every)) == 12 and "12 match of 12; showing 12" in every.reply
    assert "show all of them" not in every.reply


def test_list_all_bookings_is_the_bookings_not_the_customers(bot):
    turn = bot.ask("list all bookings")
    assert [r.name for r in turn.tool_calls] == ["list_bookings"]


def test_a_page_of_bookings_is_headed_by_the_real_total():
    day = date(2026, 12, 7)
    page = Bookings.model_construct(
        day=day, customer_id=None, today_only=True, total=12_720, bookings=[None] * 100
    )
    text = _booking_count(page)
    assert text.startswith("12,720 active; showing the newest 100")
    assert "`cvm allocations --day 2026-12-07`" in text
    whole = Bookings.model_construct(
        day=day, customer_id="U124", today_only=False, total=3, bookings=[None] * 3
    )
    assert _booking_count(whole) == "3"
