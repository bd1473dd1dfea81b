"""The independent CVM review of the sample picks (issue 18), as general rules.

Each test checks a rule the review asked for, on the sample customer it found it
with: segments (U131), a stated request met by a live offer (U127), material facts
cited and dated (U123, U124, U126, U129, U132), a late fee counted once (U133), and
what customers said read by config keywords, not code.
"""

from __future__ import annotations

import re

import pytest

from tools.config import load_config
from tools.context import ToolContext
from tools.journey import analyze_journey
from tools.treatment import recommend_treatment

DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _text(rec) -> str:
    return " ".join(rec.top.reasons)


def test_a_business_asking_for_lines_gets_its_account_manager_not_a_family_plan(ctx):
    rec = recommend_treatment("U131", ctx)
    assert rec.top.treatment_key == "account_manager_call"
    assert "family_plan" not in [r.treatment_key for r in rec.ranked]
    # the same segment rule keeps a consumer from the account manager
    for cid in ("U123", "U127", "U128"):
        keys = [r.treatment_key for r in recommend_treatment(cid, ctx).ranked]
        assert "account_manager_call" not in keys, cid


def test_a_purchase_request_met_by_a_live_offer_is_worth_its_margin(ctx):
    rec = recommend_treatment("U127", ctx)
    top = rec.top
    assert top.treatment_key == "request_call_back" and top.channel == "call"
    # V = her margin at risk (£22.67) + the live Senior Safety Bundle's margin
    # (£180 x 0.35 = £63): a loyal customer asking to buy is not "no action"
    assert top.score.value == pytest.approx(22.67 + 63.0)
    assert top.score.expected_value > 0
    first = top.reasons[0]
    assert "medical alert" in first and "2024-03-03" in first
    assert "'Senior Safety Bundle' (2024-03-03 to 2024-03-17" in first


def test_a_booked_technician_visit_is_cited_and_not_called_about_again(ctx):
    rec = recommend_treatment("U123", ctx)
    text = _text(rec)
    assert "A technician visit is booked (2024-03-06)" in text
    assert "Technician visit booked for 10 March" in text
    assert "data overage charged £10.00" in text and "£20.00" in text
    call = next(r for r in rec.ranked if r.treatment_key == "service_call_back")
    assert "service first" not in call.score.propensity_source  # the fix is in hand
    assert any(
        x.startswith("Follows up the open network complaint") for x in call.reasons
    )
    assert rec.top.purpose == "service"  # still no selling while it is open


def test_financial_difficulty_is_a_vulnerability_cited_and_nothing_is_sold(ctx):
    rec = recommend_treatment("U126", ctx)
    assert rec.top.treatment_key == "bill_review_call"
    assert {r.purpose for r in rec.ranked} <= {"service", "billing"}
    line = next(x for x in rec.top.reasons if "financial difficulty" in x)
    assert "money difficulties" in line and "2024-02-25" in line


def test_stated_needs_are_cited_even_when_selling_waits(ctx):
    u132 = recommend_treatment("U132", ctx)
    assert u132.top.treatment_key == "service_call_back"
    waits = next(x for x in u132.top.reasons if x.startswith("Selling waits"))
    assert "education priority data" in waits and "'Education Priority Data'" in waits
    u129 = recommend_treatment("U129", ctx)
    assert "track each line" in _text(u129)  # her ask: watching shared data
    assert "'Business Dashboard Plus'" in _text(u129)


def test_the_recommenders_probability_is_labelled_as_its_prior(ctx):
    for cid in ("U124", "U128", "U130"):
        for r in recommend_treatment(cid, ctx).ranked:
            for x in r.reasons:
                if "Recommender" in x:
                    assert "the recommender's prior" in x and DATE.search(x), x


def test_a_late_fee_is_a_payment_problem_not_also_a_bill_shock(ctx):
    signals = {i.signal for i in analyze_journey("U133", ctx).insights}
    assert "payment_issues" in signals and "bill_shock" not in signals
    assert "Bill shock" not in _text(recommend_treatment("U133", ctx))


def test_what_customers_said_is_read_by_config_keywords(write_config, tmp_path):
    """A keyword added in the config makes a signal; the store is rebuilt for it."""

    def mutate(raw):
        said = raw["decisions"]["interaction_signals"]
        said["feature_request"]["keywords"] = ["voicemail"]  # U127's first call
        said["feature_request"]["topics"] = []

    ctx = ToolContext.create(load_config(write_config(mutate)), state_dir=tmp_path)
    found = {i.signal: i for i in analyze_journey("U127", ctx).insights}
    assert found["feature_request"].latest.isoformat() == "2024-02-26"
    assert "voicemail" in found["feature_request"].evidence
    default = ToolContext.create(state_dir=tmp_path / "d")
    found = {i.signal: i for i in analyze_journey("U127", default).insights}
    assert found["feature_request"].latest.isoformat() == "2024-03-03"


def test_the_shipped_config_reads_what_a_store_built_without_one_reads(config):
    """No rebuild when the packaged sample is opened with the shipped config."""
    from tools.customer_base import DERIVED, config_derivation

    assert config_derivation(config).version == DERIVED.version
