"""DEBUG logs carry the decisions (scores, verdicts, the choice); no PII above it."""

from __future__ import annotations

import logging

import pytest

from assistant.api import Assistant
from tools.context import ToolContext
from tools.data import get_customer_data


@pytest.fixture
def bot(tmp_path):
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def debug_lines(caplog, name: str = "tools.decisions") -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == name and r.levelno == logging.DEBUG
    ]


def test_recommend_logs_scores_verdicts_and_the_choice_at_debug(bot, caplog):
    with caplog.at_level(logging.DEBUG):
        turn = bot.ask("What should we offer U124?")
    line = next(m for m in debug_lines(caplog) if m.startswith("recommend "))
    assert "customer=U124" in line and f"chosen={turn.recommended}" in line
    top = bot.session.last_recommendation.top
    assert f"{top.treatment_key} ev={top.score.expected_value:.2f}" in line
    assert f"p={top.score.propensity:.3f}" in line and "cost=" in line
    for x in bot.session.last_recommendation.excluded:
        assert x.treatment_key in line.split("excluded=")[1]
    assert "retention_sms hard CONSENT" in line  # U124 has no SMS marketing consent


def test_alternative_and_booking_verdicts_at_debug(bot, caplog):
    with caplog.at_level(logging.DEBUG):
        bot.ask("What should we offer U124?")
        bot.ask("Something that doesn't use the call centre")
        sms = bot.ask("book retention_sms for U124")  # refused before it is held
        bot.ask("book bill_review_call for U124")
        bot.ask("yes")
    lines = debug_lines(caplog)
    assert any(m.startswith("alternative customer=U124 chosen=") for m in lines)
    [refused] = [c for c in sms.tool_calls if c.name == "allocate_treatment"]
    assert refused.rule == "CONSENT" and not refused.held
    recommend = next(m for m in lines if m.startswith("recommend customer=U124"))
    assert "retention_sms hard CONSENT" in recommend  # the verdict it rests on
    booked = [m for m in lines if "treatment=bill_review_call" in m]
    assert booked and "decision=booked" in booked[0] and "FAIL" not in booked[0]


def test_no_customer_pii_above_debug(bot, caplog):
    customer = get_customer_data("U125", ToolContext.create())
    private = [
        customer.customer_id,
        customer.name,
        *[i.summary for i in customer.interactions if i.summary],
    ]
    with caplog.at_level(logging.DEBUG):
        bot.ask("What's going on with U125?")
        bot.ask("What should we offer U125?")
        bot.ask("Something cheaper")
        bot.ask("book it")
    above = "\n".join(r.getMessage() for r in caplog.records if r.levelno > 10)
    assert "recommend chosen=" in above  # the decision itself is at INFO
    for text in private:
        assert text[:40] not in above
    debug = "\n".join(r.getMessage() for r in caplog.records if r.levelno == 10)
    assert "customer=U125" in debug
    assert customer.name not in debug  # names never, not even at DEBUG
