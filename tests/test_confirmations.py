"""Confirmation by construction: only a closed-set whole message confirms a write.

The labelled corpus ``tests/corpus/orders.yaml`` (messages with and without an
order in them) is replayed as full turns of the offline assistant in one context:
customer U124 in focus, booking #1 (U124's bill review) made earlier, and the
proposal "book Data Boost for U124" pending and shown (her billing dispute is open:
service before selling). No message that is not an order writes anything; every
plain order ends in exactly one write after at most one confirmation ("yes"), and a
whole-message decline writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.api import Assistant
from assistant.core.confirm import BOOKING, DECLINES, GENERIC, confirms, normalise
from tools.allocation import allocate_treatment, list_allocations

CORPUS = yaml.safe_load(
    (Path(__file__).parent / "corpus" / "orders.yaml").read_text(encoding="utf-8")
)["orders"]
NON_ORDERS = [e for e in CORPUS if e["expect"] == "none"]
PLAIN = [e for e in CORPUS if e.get("plain")]
WRITES = {"allocate_treatment", "release_allocation", "book_plan"}

# The attack families the issue reported as writing (each one wrote on main).
ATTACKS = [
    "Confirm the number of bookings we made today",
    "Go ahead and show me the plan's bookings",
    "Arrange U124's data boost options by cost",
    "Dry run: book it",
    "Book it. Scratch that.",
    "My manager thinks: book it.",
    "Reverse the sort order of the bookings",
    "Remove row #1 from the table",
    "yes?",
    "book it?",
    "'yes'",
    "yes, but first show me the bookings",
    "approve the explanation",
    "confirm U124's consent status",
]


def test_the_closed_set_is_small_and_whole_message():
    # 59: "confermo", "confirmo", "je confirme" joined the 55 English ones, then
    # "ya" (2026-12-08b); an emoticon after a yes is dropped like an emoji
    assert len(GENERIC) <= 60
    assert confirms("ya", GENERIC) and confirms("yes confirmed :)", GENERIC)
    assert "yes" in GENERIC and "go ahead" in GENERIC
    assert confirms("sì, confermo", GENERIC)
    assert confirms("yep lovely, go ahead", GENERIC)
    assert not confirms("lovely", GENERIC) and not confirms("thanks, cheers", GENERIC)
    assert confirms("aye, go", GENERIC) and confirms("ja ok, go ahead", GENERIC)
    assert confirms("Fine.", GENERIC) and not confirms("ok", GENERIC)
    assert not confirms("ja", GENERIC) and not confirms("vale adelante", GENERIC)
    assert normalise("  Yes,  please!! ") == "yes"
    assert normalise("Perfect. Book it.") == normalise("Fine, book it now") == "book it"
    assert normalise("\u201cYES.\u201d") == '"yes."'  # quoted: not a confirmation
    confirmations = (*GENERIC, "book it")
    assert confirms("Yes.", confirmations) and confirms("GO AHEAD!", confirmations)
    for text in ATTACKS:
        assert not confirms(text, confirmations), text
    assert "cancel it" in DECLINES and not confirms("cancel it", confirmations)


def test_a_run_of_confirmations_confirms_and_nothing_else_does():
    confirmations = (*GENERIC, "book it")
    for text in ("confirmed, do it", "yep, approved", "yes pls", "Yes, go ahead. Thx"):
        assert confirms(text, confirmations), text
    # everyday words for yes (trial 2026-12-07g: an Irish lead's, a supervisor's)
    for text in (
        "yeah go on",
        "grand, do it",
        "yep thats fine go ahead",
        "yep go",
        "Yes, that's fine, please confirm it.",
    ):
        assert confirms(text, confirmations), text
    for text in ("yes no", "approved? do it", "yes do it later", "do it for U125"):
        assert not confirms(text, confirmations), text
    for text in ("go on then, tell me more", "sure?", "no go", "go on, why?"):
        assert not confirms(text, confirmations), text
    assert not confirms("yes yes yes yes", confirmations)  # at most three in a row
    assert confirms("Yes, I confirm the booking.", (*GENERIC, *BOOKING))
    assert confirms("P20240306-1", ("p20240306-1",))
    assert not confirms("yes P20240306-1", ("p20240306-1",))


@pytest.fixture
def shown(tmp_path):
    """A conversation where U124's proposal is pending and shown; booking #1 made."""

    def make() -> tuple[Assistant, set[tuple[str, str, str]]]:
        bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
        allocate_treatment("U124", "bill_review_call", "ana", bot.ctx)
        turn = bot.ask("What should we offer U124?")
        assert turn.pending is not None and turn.pending_new
        assert turn.pending.title == "Book Data Boost for U124"
        return bot, _ledger(bot)

    return make


def _ledger(bot: Assistant) -> set[tuple[str, str, str]]:
    return {
        (a.customer_id, a.treatment_key, a.status)
        for a in list_allocations(bot.ctx, customer_id="U124", include_released=True)
    }


@pytest.mark.parametrize("text", ATTACKS)
def test_no_attack_phrasing_writes_whatever_is_pending(shown, text):
    bot, before = shown()
    turn = bot.ask(text)
    assert not turn.allocations and _ledger(bot) == before
    assert not any(c.ok and not c.held for c in turn.tool_calls if c.name in WRITES)


def test_no_message_that_is_not_an_order_writes(shown):
    bot, before = shown()
    for e in NON_ORDERS:
        bot.ask(e["text"])
        assert _ledger(bot) == before, e["text"]


@pytest.mark.parametrize("entry", PLAIN, ids=[e["text"] for e in PLAIN])
def test_a_plain_order_writes_once_after_at_most_one_confirmation(shown, entry):
    """One write after at most one "yes" — or the rule that forbids it, or a drop.

    A booking the contact rules forbid (a retention SMS for U124: no SMS consent) is
    refused with its rule and writes nothing; "cancel it" / "cancel the data boost"
    while that booking is only pending drops it; a booking that does not
    exist cannot be cancelled.
    """
    bot, before = shown()
    text = entry["text"]
    first = bot.ask(text)
    if _ledger(bot) == before and first.pending_new:  # asked once, shown: "yes"
        bot.ask("yes")
    after = _ledger(bot)
    new = after - before
    if entry["expect"] == "cancel":
        if not new:  # the pending booking dropped, or no such booking
            refused = [c for c in first.tool_calls if not c.ok]
            assert bot.session.pending is None or refused, text
            return
        assert new == {("U124", "bill_review_call", "released")}, text
        return
    if entry.get("no_option_on"):  # not the pending proposal on another channel
        assert not new and bot.session.pending is None, text
        assert f"no lawful {entry['no_option_on']} option" in first.reply, text
        return
    key = entry.get("treatment", "data_boost")  # the pending proposal
    customer = entry.get("customer", "U124")
    if not new:  # refused by a contact rule, said with its rule id
        rules = {c.rule for c in first.tool_calls if c.rule}
        assert rules - {"APPROVAL"} or key in _forbidden(bot, customer), text
        return
    assert new == {(customer, key, "active")}, text


def _forbidden(bot: Assistant, customer: str) -> set[str]:
    from tools.treatment import recommend_treatment

    rec = recommend_treatment(customer, bot.ctx)
    return {x.treatment_key for x in rec.excluded if x.hard}


def test_a_confirmation_may_name_the_pending_booking_and_only_it(tmp_path):
    """ "I approve the Data Boost booking for U124." confirms that booking alone."""
    from assistant.toolkit.writes import BOOK
    from tools.allocation import AllocateArgs
    from tools.context import ToolContext

    ctx = ToolContext.create(state_dir=tmp_path)
    own = tuple(
        BOOK.confirmations(
            AllocateArgs(customer_id="u124", treatment_key="data_boost"), ctx
        )
    )
    for text in (
        "I approve the Data Boost booking for U124.",
        "Go ahead with the Data Boost booking.",
        "Confirmed, I approve the Data Boost booking",
    ):
        assert confirms(text, own), text
    for text in (
        "I approve the Data Boost booking for U125.",
        "book the data boost",
        "approve the loyalty points booking",
        "I approve the Data Boost booking for U124?",
        "book the data boost for U124 tomorrow",
        "approve the data boost booking for u124 and u125",
    ):
        assert not confirms(text, own), text


def test_an_action_shown_again_expires_counting_from_then(tmp_path, monkeypatch):
    """Asked for again ("ok lets get that booked for him"), the pending action is
    fresh: a yes a few turns later still runs it (trial 2026-12-07i: it had
    expired). "ok book it pls 🙏" is itself a confirmation (emoji are dropped)."""
    import assistant.approvals.scope as scope

    monkeypatch.setattr(scope, "PENDING_TURNS", 3)
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    first = bot.ask("What should we offer U124?")
    assert first.pending is not None
    bot.ask("why?")
    again = bot.ask("ok lets get that booked for him 🙏")
    assert again.pending is not None and again.pending.id == first.pending.id
    bot.ask("why?")
    done = bot.ask("yes")
    assert [(a.customer_id, a.status) for a in list_allocations(bot.ctx)] == [
        ("U124", "active")
    ], done.reply
