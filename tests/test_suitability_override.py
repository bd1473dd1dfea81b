"""SUITABILITY in the conversation: only the analyst's own order overrides it.

A marketing booking for a customer with an open service problem is refused with
SUITABILITY unless the analyst's own message names that treatment for that customer;
then it is held with a warning, books on their confirmation, and the override is
recorded with the booking and in the audit. An override is granted only when
SUITABILITY actually refuses the booking, and never for another rule.
"""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.conversation.audit import list_audit
from tools.allocation import list_allocations


@pytest.fixture
def bot(tmp_path):
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def test_the_analysts_order_overrides_suitability_with_a_warning(bot):
    bot.ask("What should we offer U125?")  # five network complaints: service first
    turn = bot.ask("book the personalised offer for U125")
    assert not turn.allocations and list_allocations(bot.ctx) == []
    pending = turn.pending
    assert pending is not None and pending.overrides == ("SUITABILITY",)
    assert pending.title == "Book Personalised Offer for U125"
    warning = [d for d in pending.details if d.startswith("Warning: SUITABILITY")]
    assert warning and "recorded" in warning[0]
    assert warning[0] in turn.reply  # said before the analyst confirms
    assert any(
        "service before selling: network complaint" in d for d in pending.details
    )
    done = bot.ask("yes")
    [booked] = done.allocations
    assert booked["treatment_key"] == "personalized_offer"
    assert booked["overrides"] == ["SUITABILITY"]
    [stored] = list_allocations(bot.ctx)
    assert list(stored.overrides) == ["SUITABILITY"]
    confirmed = list_audit(bot.ctx.ledger, "U125")[0].record["approval"]
    assert confirmed["decision"] == "confirmed"
    assert confirmed["overrides"] == ["SUITABILITY"]


def test_no_override_is_granted_where_suitability_passes(bot):
    """U128 has no open problem: naming the treatment overrides nothing."""
    turn = bot.ask("book the personalised offer for U128")  # a new proposal
    assert turn.pending is not None and turn.pending.overrides == ()
    assert not [d for d in turn.pending.details if d.startswith("Warning:")]
    [booked] = bot.ask("yes").allocations
    assert booked["treatment_key"] == "personalized_offer"
    assert booked["overrides"] == []
    confirmed = list_audit(bot.ctx.ledger)[0].record["approval"]  # newest first
    assert confirmed["overrides"] == []


def test_an_order_another_rule_refuses_is_refused(bot):
    """U124's loyalty app fails CONSENT as well: no order overrides consent."""
    bot.ask("What should we offer U124?")
    turn = bot.ask("book the loyalty app for U124")
    refused = [c for c in turn.tool_calls if c.name == "allocate_treatment"]
    assert refused and not refused[0].ok and refused[0].rule == "CONSENT"
    pending = bot.session.pending
    assert pending is None or pending.arguments["treatment_key"] != "loyalty_app"
    assert list_allocations(bot.ctx) == []


def test_a_question_naming_the_treatment_is_not_an_order(bot):
    """Asking about a marketing treatment does not propose or override anything."""
    bot.ask("What should we offer U125?")
    turn = bot.ask("Why not the personalised offer for U125?")
    assert "SUITABILITY" in turn.reply
    assert not [c for c in turn.tool_calls if c.name == "allocate_treatment" and c.held]
    assert list_allocations(bot.ctx) == []
