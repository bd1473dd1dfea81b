"""Evaluation: intervals from statsmodels, and the arms of plans on a known ledger."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from assistant.cli.main import main
from tools.context import ToolContext
from tools.learning_config import Experiment
from tools.outcomes import record_outcome
from tools.outcomes_report import outcome_report
from tools.outcomes_stats import mean_diff, rate_diff, wilson
from tools.planning.booking import book_plan
from tools.planning.holdout import CHALLENGER, arms
from tools.planning.plan import make_plan, plan_store


def test_wilson_on_known_counts():
    assert wilson(1, 2) == pytest.approx((0.0945, 0.9055), abs=1e-4)
    assert wilson(1, 1) == pytest.approx((0.2065, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(34, 120)  # brackets the rate, inside (0, 1)
    assert low < 34 / 120 < high and high - low == pytest.approx(0.1587, abs=1e-3)


def test_rate_difference_has_newcombes_interval():
    diff, low, high = rate_diff(30, 100, 20, 100)
    assert diff == pytest.approx(0.10)
    # Newcombe's hybrid score: the Wilson limits of each rate combined
    l1, u1 = wilson(30, 100)
    l2, u2 = wilson(20, 100)
    assert low == pytest.approx(0.1 - np.hypot(0.3 - l1, u2 - 0.2), abs=1e-9)
    assert high == pytest.approx(0.1 + np.hypot(u1 - 0.3, 0.2 - l2), abs=1e-9)
    assert (low, high) == pytest.approx((-0.0202, 0.2167), abs=1e-4)


def test_value_difference_has_welchs_interval():
    x, y = np.array([10.0, 0, 0, 10]), np.array([0.0, 0, 0, 5])
    diff, low, high = mean_diff(x, y)  # type: ignore[misc]
    v1, v2 = x.var(ddof=1) / 4, y.var(ddof=1) / 4
    df = (v1 + v2) ** 2 / (v1**2 / 3 + v2**2 / 3)
    half = stats.t.ppf(0.975, df) * np.sqrt(v1 + v2)
    assert diff == 3.75
    assert (low, high) == pytest.approx((3.75 - half, 3.75 + half))
    assert mean_diff(np.zeros(3), np.zeros(3)) is None
    assert mean_diff(x[:1], y) is None


def _arms_ctx(ctx: ToolContext) -> ToolContext:
    exp = Experiment(holdout_share=0.0, challenger_share=0.5)
    config = ctx.config.model_copy(update={"experiment": exp})
    return ToolContext.create(config, state_dir=ctx.config.state_path)


def test_report_on_a_known_ledger_splits_champion_and_challenger(ctx, capsys):
    both = _arms_ctx(ctx)
    plan = make_plan(None, both).plan
    book_plan(plan.plan_id, "ana", both)
    rows = [r for r in plan_store(both).rows(plan.plan_id) if r.allocation_id]
    arm = arms([r.customer_id for r in rows], plan.day, both.config.experiment)
    theirs = [r for r, a in zip(rows, arm, strict=True) if a == CHALLENGER]
    ours = [r for r, a in zip(rows, arm, strict=True) if a != CHALLENGER]
    assert len(theirs) >= 2 and len(ours) >= 2
    for i, r in enumerate(ours):  # champion: all accepted but one, £30 each
        status = "declined" if i == 0 else "accepted"
        record_outcome(r.allocation_id, status, both, value=30.0 if i else None)
    for i, r in enumerate(theirs):  # challenger: one accepted, £10
        status = "accepted" if i == 0 else "no_response"
        record_outcome(r.allocation_id, status, both, value=10.0 if i == 0 else None)
    report = outcome_report(both)
    got = report.arms
    assert got is not None and got.plans == 1 and got.held_out == 0
    champ, chal = got.arms
    n, m = len(ours), len(theirs)
    assert (champ.arm, champ.reached, champ.accepted) == ("champion", n, n - 1)
    assert (chal.arm, chal.reached, chal.accepted) == ("challenger", m, 1)
    assert champ.value_per_reached == pytest.approx(round(30 * (n - 1) / n, 2))
    assert chal.ci95 == pytest.approx(wilson(1, m), abs=1e-4)
    u = got.champion_vs_challenger
    assert u is not None
    diff, low, high = rate_diff(n - 1, n, 1, m)
    assert u.rate_diff == pytest.approx(diff, abs=1e-4)
    assert u.rate_ci95 == pytest.approx((low, high), abs=1e-4)
    assert u.value_diff == pytest.approx(30 * (n - 1) / n - 10 / m, abs=0.01)
    assert report.total.reached == n + m and report.total.accepted == n
    assert main(["report", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["arms"]["arms"][0]["reached"] == n
    assert main(["report"]) == 0
    text = capsys.readouterr().out
    assert "champion vs challenger: acceptance" in text
    assert "treated vs held out" in text


def test_a_filtered_report_has_no_arms(ctx):
    assert outcome_report(ctx, treatment_key="marketing_call_back").arms is None
