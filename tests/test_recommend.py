from __future__ import annotations

import re

import pytest

from tests.conftest import SAMPLE_CUSTOMERS
from tools.context import ToolContext
from tools.data import get_customer_data
from tools.errors import UnknownCustomerError, UnknownTreatmentError
from tools.treatment import find_alternative_treatment, recommend_treatment


@pytest.mark.parametrize("cid", SAMPLE_CUSTOMERS)
def test_every_ranked_item_is_consented_and_explained(ctx, cid):
    rec = recommend_treatment(cid, ctx)
    customer = get_customer_data(cid, ToolContext.create())
    evs = [r.score.expected_value for r in rec.ranked]
    assert evs == sorted(evs, reverse=True)
    assert rec.top == rec.ranked[0]
    assert "ignore" in [r.treatment_key for r in rec.ranked]
    for r in rec.ranked:
        t = ctx.config.treatments[r.treatment_key]
        channel = ctx.config.consent_channel(t.channel)
        if channel:
            assert customer.has_consent(channel, t.purpose), r.treatment_key
        assert 2 <= len(r.reasons) <= 4
        s = r.score
        assert s.expected_value == pytest.approx(
            s.propensity * s.value - s.cost, abs=0.01
        )
    for x in rec.excluded:
        assert x.exclusions and all(e.reason for e in x.exclusions)


def test_u124_gets_a_grounded_call_back_and_never_an_sms():
    rec = recommend_treatment("U124")
    assert rec.top.treatment_key == "marketing_call_back"
    text = " ".join(rec.top.reasons)
    assert re.search(r"2024-03-0\d", text) and "£" in text
    assert "retention_sms" not in [r.treatment_key for r in rec.ranked]


def test_u126_is_never_offered_marketing():
    rec = recommend_treatment("U126")
    assert {r.purpose for r in rec.ranked} <= {"service", "billing"}


def test_propensity_comes_from_the_recommender_offer_when_one_maps():
    rec = recommend_treatment("U123")
    boost = next(r for r in rec.ranked if r.treatment_key == "data_boost")
    assert boost.score.propensity == 0.68
    assert "Data Boost 25GB" in boost.score.propensity_source


def test_alternative_without_calls_gives_up_value():
    alt = find_alternative_treatment("U124", exclude_channels=["call"])
    assert alt.first_choice.treatment_key == "marketing_call_back"
    assert alt.alternative and alt.alternative.channel != "call"
    assert alt.ev_given_up == pytest.approx(
        alt.first_choice.score.expected_value - alt.alternative.score.expected_value
    )
    assert "marketing_call_back" in alt.left_out


def test_alternative_defaults_to_leaving_out_the_top_pick_and_respects_cost():
    alt = find_alternative_treatment("U124")
    assert alt.alternative.treatment_key != "marketing_call_back"
    cheap = find_alternative_treatment("U124", max_cost=1.0)
    assert cheap.alternative.score.cost <= 1.0


def test_alternative_falls_back_to_no_action():
    alt = find_alternative_treatment("U133", exclude_treatments=["bill_review_call"])
    assert alt.alternative.treatment_key == "ignore"


def test_alternative_rejects_unknown_treatments_and_customers():
    with pytest.raises(UnknownTreatmentError):
        find_alternative_treatment("U124", exclude_treatments=["free_iphone"])
    with pytest.raises(UnknownCustomerError):
        recommend_treatment("U555")
