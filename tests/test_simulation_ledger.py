"""A simulated month left in a ledger: ``cvm report`` shows the arms' uplift.

``cvm simulate --ledger DIR`` runs ours as champion and seed-rules as challenger,
with a holdout, day by day against the hidden model, and leaves the plans, bookings,
outcomes and held-out rows in DIR's ledger; ``cvm report`` on DIR then estimates
champion vs challenger and treated vs held out with 95% intervals.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.cli.main import main
from tools.context import ToolContext
from tools.learning_config import Experiment
from tools.outcomes_arms import lift
from tools.outcomes_stats import rate_diff
from tools.planning.holdout import CHALLENGER, CHAMPION, HELD_OUT, arm_of
from tools.planning.store import PlanStore

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--customers", "400", "--days", "8", "--seed", "2"]
SHARES = ["--holdout-share", "0.2", "--challenger-share", "0.3"]


@pytest.fixture
def month(tmp_path, capsys):
    where = tmp_path / "sim"
    assert main(["simulate", *ARGS, "--ledger", str(where), *SHARES, "--json"]) == 0
    return where, json.loads(capsys.readouterr().out)


def test_a_simulated_month_reports_uplift_with_intervals(month, monkeypatch, capsys):
    where, out = month
    run = out["ledger"]
    assert run["plans"] == 8 and run["bookings"] > 0 and run["held_out"] > 0
    assert set(out["policies"]) == {"ours", "seed-rules", "random"}  # as before
    monkeypatch.setenv("CVM_STATE_DIR", str(where))
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"]["outcomes"] == run["bookings"]
    assert report["total"]["accepted"] == run["accepted"]
    arms = report["arms"]
    assert arms["plans"] == 8 and arms["held_out"] == run["held_out"]
    assert arms["held_out_measured"] == run["held_out"]
    champion, challenger, held = arms["arms"]
    assert champion["reached"] + challenger["reached"] == run["bookings"]
    assert (held["arm"], held["reached"], held["accepted"]) == (
        "held out (no contact)",
        run["held_out"],
        0,
    )
    assert challenger["reached"] > 0
    for key in ("champion_vs_challenger", "treated_vs_held_out"):
        u = arms[key]
        lo, hi = u["rate_ci95"]
        assert lo <= u["rate_diff"] <= hi
    treated = arms["treated_vs_held_out"]  # held out: no contact, nothing accepted
    assert treated["rate_diff"] == pytest.approx(champion["rate"], abs=1e-4)
    assert treated["value_diff"] == pytest.approx(
        champion["value_per_reached"], abs=0.01
    )
    assert main(["report"]) == 0
    text = capsys.readouterr().out
    assert "champion vs challenger: acceptance" in text
    assert "treated vs held out: acceptance" in text and "(95%)" in text


def test_the_ledger_keeps_the_arms_the_hash_draws(month):
    where, out = month
    ctx = ToolContext.create(state_dir=where)
    store = PlanStore(ctx.ledger)
    exp = Experiment(holdout_share=0.2, challenger_share=0.3)
    day = date_of(out["ledger"]["first_day"])
    seen = 0
    while day <= date_of(out["ledger"]["last_day"]):
        plan = store.get(f"P{day:%Y%m%d}-1")
        rows = store.rows(plan.plan_id)
        booked = {r.customer_id for r in rows}
        assert all(r.allocation_id is not None for r in rows)  # every row booked
        for h in plan.held_out_rows:  # held out: drawn so, never booked
            assert arm_of(h.customer_id, day, exp) == HELD_OUT
            assert h.customer_id not in booked and h.converted is False
        assert {arm_of(c, day, exp) for c in booked} <= {CHAMPION, CHALLENGER}
        seen += len(rows)
        day = day.fromordinal(day.toordinal() + 1)
    assert seen == out["ledger"]["bookings"]


def test_a_ledger_with_bookings_is_refused_in_one_line(month, capsys):
    where, _ = month
    assert main(["simulate", *ARGS, "--ledger", str(where)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--ledger" in err and "already" in err
    assert (
        main(["simulate", *ARGS, "--ledger", str(where), "--holdout-share", "0.9"]) == 2
    )
    assert "--holdout-share" in capsys.readouterr().err


def test_lift_on_known_counts():
    treated = (
        np.array([True] * 30 + [False] * 70),
        np.r_[np.full(30, 50.0), np.zeros(70)],
    )
    held = (np.zeros(50, dtype=bool), np.zeros(50))
    u = lift(treated, held)
    assert u is not None
    diff, lo, hi = rate_diff(30, 100, 0, 50)
    assert (u.rate_diff, u.rate_ci95) == (0.3, (round(lo, 4), round(hi, 4)))
    assert 0 < lo < 0.3 < hi < 0.45
    assert u.value_diff == 15.0  # £50 x 30% - £0
    se = np.std(treated[1], ddof=1) / 10
    assert u.value_ci95 is not None
    assert u.value_ci95[0] == pytest.approx(15.0 - 1.984 * se, abs=0.05)
    assert lift(treated, (held[0][:1], held[1][:1])) is None  # under 2 in a group


def test_the_ledger_writer_is_kept_from_the_hidden_model():
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("the simulator's hidden response model")[1].split("[[")[0]
    assert '"tools.simulation.ledger_out"' in block


def date_of(text):
    from datetime import date

    return date.fromisoformat(text)
