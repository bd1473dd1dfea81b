"""One recommendation per customer and turn: made once, made again after a write."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from tools import treatment


@pytest.fixture
def made(monkeypatch):
    """The customers a recommendation was worked out for, in order."""
    out: list[str] = []
    real = treatment._recommend

    def counting(customer_id, ctx):
        out.append(customer_id)
        return real(customer_id, ctx)

    monkeypatch.setattr(treatment, "_recommend", counting)
    return out


def test_a_turn_recommends_and_proposes_from_one_recommendation(tmp_path, made):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    turn = bot.ask("What should we offer U124?")
    assert turn.recommended == "bill_review_call"
    assert bot.session.pending is not None  # the booking proposed, described, checked
    assert made == ["U124"]
    bot.ask("What should we offer U123?")
    assert made == ["U124", "U123"]


def test_the_next_turn_and_a_write_make_it_again(tmp_path, made):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    bot.ask("What should we offer U124?")
    bot.ask("What should we offer U124?")
    assert made == ["U124", "U124"]  # each turn at its own instant
    made.clear()
    with treatment.one_recommendation_per_turn():
        first = treatment.recommend_treatment("U124", bot.ctx)
        assert treatment.recommend_treatment("U124", bot.ctx) is first
        treatment.forget_recommendations()  # what a WRITE tool's run does
        assert treatment.recommend_treatment("U124", bot.ctx) is not first
    assert made == ["U124", "U124"]


def test_outside_a_turn_every_call_decides(tmp_path, made):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    treatment.recommend_treatment("U124", bot.ctx)
    treatment.recommend_treatment("U124", bot.ctx)
    assert made == ["U124", "U124"]


def test_a_booking_confirmed_in_the_turn_is_seen_by_the_next_recommendation(
    tmp_path, made
):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    bot.ask("What should we offer U124?")
    done = bot.ask("yes")
    assert any(c.name == "allocate_treatment" and c.ok for c in done.tool_calls)
    after = treatment.recommend_treatment("U124", bot.ctx)
    assert [b.treatment_key for b in after.booked_today] == ["bill_review_call"]
