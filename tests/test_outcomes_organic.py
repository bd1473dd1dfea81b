"""Held-out customers' outcomes with no contact: recorded on their plan, all or none.

Every test runs on both ledger backends (SQLite and PostgreSQL: ``tests.pg``).
"""

from __future__ import annotations

import json

import pytest

from assistant.cli.main import main
from tests import pg
from tools.context import ToolContext
from tools.learning_config import Experiment
from tools.outcomes import record_outcome
from tools.outcomes_report import outcome_report
from tools.planning.booking import book_plan
from tools.planning.plan import make_plan, plan_store

ctx, ledger_backend = pg.ctx, pg.ledger_backend


def _held_plan(ctx: ToolContext):  # type: ignore[no-untyped-def]
    exp = Experiment(holdout_share=0.5)
    config = ctx.config.model_copy(update={"experiment": exp})
    half = ToolContext.create(config, state_dir=ctx.config.state_path)
    plan = make_plan(None, half).plan
    held = [h.customer_id for h in plan.held_out_rows]
    assert len(held) >= 2
    return half, plan, held


def _stored(ctx, plan_id):  # type: ignore[no-untyped-def]
    return {h.customer_id: h for h in plan_store(ctx).get(plan_id).held_out_rows}


def test_one_organic_outcome_needs_yes_then_is_kept_with_the_plan(ctx, capsys):
    half, plan, held = _held_plan(ctx)
    argv = ["organic-outcome", plan.plan_id, held[0].lower(), "converted"]
    assert main([*argv, "--value", "12.5"]) == 1  # no --yes: nothing recorded
    assert "needs --yes" in capsys.readouterr().err
    assert _stored(half, plan.plan_id)[held[0]].converted is None
    assert main([*argv, "--value", "12.5", "--yes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["recorded"], out["measured"], out["held_out"]) == (1, 1, len(held))
    got = _stored(half, plan.plan_id)[held[0]]
    assert (got.converted, got.realised_value) == (True, 12.5)
    assert main([*argv, "--value", "12.5", "--yes"]) == 0  # the same again
    assert "0 recorded, 0 replaced, 1 already so" in capsys.readouterr().out
    rows = [r.customer_id for r in plan_store(half).rows(plan.plan_id)]
    assert held[0] not in rows  # still never booked


def test_a_file_of_organic_outcomes_is_recorded_once_and_idempotently(ctx, tmp_path):
    half, plan, held = _held_plan(ctx)
    f = tmp_path / "control.csv"
    lines = ["customer_id,converted,value"]
    lines += [
        f"{c},{'yes' if i == 0 else 'no'},{'20' if i == 0 else ''}"
        for i, c in enumerate(held)
    ]
    f.write_text("\n".join(lines) + "\n")
    assert main(["import-organic", str(f), "--plan", plan.plan_id]) == 0
    got = _stored(half, plan.plan_id)
    assert got[held[0]].converted is True and got[held[0]].realised_value == 20.0
    assert all(got[c].converted is False for c in held[1:])
    assert main(["import-organic", str(f), "--plan", plan.plan_id, "--json"]) == 0
    # a file naming its plan in a column, one status changed: replaced
    g = tmp_path / "again.csv"
    g.write_text(f"plan_id,customer_id,converted\n{plan.plan_id},{held[1]},converted\n")
    assert main(["import-organic", str(g)]) == 0
    assert _stored(half, plan.plan_id)[held[1]].converted is True


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("Z404,yes,", "Z404 was not held out by plan"),
        ("{held},maybe,", "status 'maybe' is not converted or not_converted"),
        ("{held},yes,lots", "value 'lots' is not a number"),
        ("{held},no,\n{held},yes,", "row 3: {held} is given twice"),
    ],
)
def test_a_bad_row_is_named_in_one_line_and_nothing_is_recorded(
    ctx, tmp_path, capsys, row, problem
):
    half, plan, held = _held_plan(ctx)
    f = tmp_path / "control.csv"
    body = f"{held[1]},yes,\n" + row.format(held=held[0])
    f.write_text("customer_id,converted,value\n" + body + "\n")
    assert main(["import-organic", str(f), "--plan", plan.plan_id]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(f) in err[0], err
    assert problem.format(held=held[0]) in err[0] and "nothing was recorded" in err[0]
    assert all(h.converted is None for h in _stored(half, plan.plan_id).values())


def test_a_file_without_its_plan_or_with_two_plans_is_refused(ctx, tmp_path, capsys):
    _, plan, held = _held_plan(ctx)
    f = tmp_path / "control.csv"
    f.write_text(f"customer_id,converted\n{held[0]},yes\n")
    assert main(["import-organic", str(f)]) == 2
    assert "no 'plan_id' column: give the plan (--plan)" in capsys.readouterr().err
    assert main(["import-organic", str(f), "--plan", "P20990101-1"]) == 2
    assert "there is no plan 'P20990101-1'" in capsys.readouterr().err
    two = tmp_path / "two.csv"
    two.write_text(
        f"plan_id,customer_id,converted\n{plan.plan_id},{held[0]},yes\n"
        f"P20990101-1,{held[1]},no\n"
    )
    assert main(["import-organic", str(two)]) == 2
    assert "row 2: plan 'P20990101-1' is not" in capsys.readouterr().err


def test_the_report_shows_treated_vs_held_out_once_measured(ctx):
    half, plan, held = _held_plan(ctx)
    book_plan(plan.plan_id, "ana", half)
    rows = [r for r in plan_store(half).rows(plan.plan_id) if r.allocation_id]
    for r in rows:
        record_outcome(r.allocation_id, "accepted", half, value=30.0)
    before = outcome_report(half).arms
    assert before is not None and before.treated_vs_held_out is None
    assert before.held_out_measured == 0
    f_rows = [(c, "yes" if i == 0 else "no") for i, c in enumerate(held)]
    from tools.outcomes_organic import OrganicInput, record_organic

    record_organic(plan.plan_id, [OrganicInput(c, s, None, c) for c, s in f_rows], half)
    after = outcome_report(half).arms
    assert after is not None and after.held_out_measured == len(held)
    lift = after.treated_vs_held_out
    assert lift is not None
    assert lift.rate_diff == pytest.approx(1 - 1 / len(held), abs=1e-4)
