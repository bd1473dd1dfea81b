"""Plans on the sample base: stored, explained, what-ifs, booking, CLI."""

from __future__ import annotations

import csv
import json

import pytest

from assistant.cli.main import main
from tools.allocation import allocate_treatment, check_availability, list_allocations
from tools.errors import ToolInputError
from tools.planning.booking import book_plan
from tools.planning.plan import make_plan, plan_store
from tools.planning.request import PlanRequest, PlanScope
from tools.planning.whatif import PlanChange, slot_worth, what_if

SUMMARY_KEYS = {
    "plan_id",
    "customers",
    "assigned",
    "expected_value",
    "upper_bound",
    "gap",
    "by_treatment",
    "baselines",
}


def test_a_plan_is_stored_with_its_value_bound_and_volumes(ctx):
    out = make_plan(None, ctx)
    plan = out.plan
    assert plan.plan_id.startswith("P20240306-")
    assert set(plan.summary()) == SUMMARY_KEYS
    assert plan.customers == 12
    rows = plan_store(ctx).rows(plan.plan_id)
    assert (
        len(rows) == plan.assigned == sum(t.count for t in plan.by_treatment.values())
    )
    assert sum(r.expected_value for r in rows) == pytest.approx(plan.expected_value)
    assert len({r.customer_id for r in rows}) == len(rows)  # one per customer
    assert plan.upper_bound >= plan.expected_value >= plan.baselines.first_come
    assert plan.gap == 0.0 and plan.solver.startswith("highs")
    for key, line in plan.by_treatment.items():
        assert line.capacity is None or line.count <= line.capacity, key
    assert plan_store(ctx).get(plan.plan_id) == plan
    assert plan_store(ctx).latest() == plan


def test_every_planned_pair_is_one_the_recommender_would_allow(ctx):
    from tools.treatment import recommend_treatment

    plan = make_plan(None, ctx).plan
    for row in plan_store(ctx).rows(plan.plan_id):
        ranked = recommend_treatment(row.customer_id, ctx).ranked
        match = [r for r in ranked if r.treatment_key == row.treatment_key]
        assert match, (row.customer_id, row.treatment_key)
        assert match[0].score.expected_value == pytest.approx(row.expected_value)


def test_customers_booked_today_are_not_planned_again(ctx):
    allocate_treatment("U124", "bill_review_call", "ana", ctx)
    plan = make_plan(None, ctx).plan
    assert "U124" not in {r.customer_id for r in plan_store(ctx).rows(plan.plan_id)}
    assert plan.customers == 12


def test_scope_limits_customers_and_treatments(ctx):
    scope = PlanScope(customers=["U124", "U125"], purposes=["marketing"])
    plan = make_plan(PlanRequest(scope=scope), ctx).plan
    rows = plan_store(ctx).rows(plan.plan_id)
    assert plan.customers == 2
    assert {r.customer_id for r in rows} <= {"U124", "U125"}
    assert all(
        ctx.config.treatments[r.treatment_key].purpose == "marketing" for r in rows
    )


def test_unknown_treatment_in_a_request_is_one_clear_error(ctx):
    with pytest.raises(ToolInputError, match="unknown treatment 'nope'"):
        make_plan(PlanRequest(capacity={"nope": 3}), ctx)


def test_what_if_without_the_call_centre_moves_volume_and_value(ctx):
    base = make_plan(None, ctx).plan
    answer = what_if(PlanChange(without_channels=["call"]), base.plan_id, ctx)
    after = plan_store(ctx).get(answer.after_id)
    assert after.parent_id == base.plan_id
    assert plan_store(ctx).get(base.plan_id) == base  # the previous plan stays
    assert not any(
        ctx.config.treatments[k].channel == "call"
        for k, v in after.by_treatment.items()
        if v.count
    )
    assert answer.delta_value == pytest.approx(
        after.expected_value - base.expected_value
    )
    assert answer.delta_value < 0
    assert answer.by_channel["call"].count < 0


def test_more_slots_of_a_full_treatment_add_value_and_match_the_slot_worth(ctx):
    key = "service_call_back"  # three open network complaints want it
    base = make_plan(PlanRequest(capacity={key: 1}), ctx).plan
    assert base.by_treatment[key].count == 1
    worth = base.by_treatment[key].shadow_price
    assert worth > 0
    answer = what_if(PlanChange(extra_capacity={key: 10}), base.plan_id, ctx)
    assert answer.delta_value > 0
    assert answer.by_treatment[key].count > 0
    assert slot_worth([key], base.plan_id, ctx)[key] >= worth - 1e-6


def test_a_channel_budget_is_respected(ctx):
    plan = make_plan(PlanRequest(channel_budgets={"sms": 2.0}), ctx).plan
    spend = sum(v.spend for v in plan.by_treatment.values() if v.channel == "sms")
    assert spend <= 2.0


def test_booking_a_plan_books_each_row_once_and_never_twice(ctx):
    plan = make_plan(None, ctx).plan
    first = book_plan(plan.plan_id, "ana", ctx)
    assert first.booked == plan.assigned and first.refused == {}
    again = book_plan(plan.plan_id, "ana", ctx)
    assert again.booked == 0 and again.already_booked == plan.assigned
    booked = list_allocations(ctx)
    assert len(booked) == plan.assigned
    assert {b.approved_by for b in booked} == {"ana"}
    rows = plan_store(ctx).rows(plan.plan_id)
    assert sorted(r.allocation_id for r in rows) == sorted(
        b.allocation_id for b in booked
    )


def test_booking_rechecks_the_rules_at_commit(ctx, write_config, monkeypatch):
    plan = make_plan(None, ctx).plan
    rows = plan_store(ctx).rows(plan.plan_id)
    taken = next(r for r in rows if r.treatment_key == "personalized_offer")
    # Someone books that customer by hand after the plan was made.
    allocate_treatment(taken.customer_id, "retention_email", "bob", ctx)
    report = book_plan(plan.plan_id, "ana", ctx)
    assert report.refused.get("FREQUENCY") == 1
    assert report.refusals[0].customer_id == taken.customer_id
    assert report.booked == plan.assigned - 1
    for key in plan.by_treatment:
        a = check_availability(key, ctx)
        assert a.max_per_day is None or a.used <= a.max_per_day


def test_booking_refuses_beyond_capacity_cut_after_planning(
    ctx, write_config, monkeypatch
):
    plan = make_plan(None, ctx).plan
    n = plan.by_treatment["service_call_back"].count
    assert n >= 2

    def shrink(raw):
        raw["constraints"]["service_call_back"]["max_per_day"] = 1

    monkeypatch.setenv("CVM_CONFIG", str(write_config(shrink)))
    from tools.config import get_config
    from tools.context import ToolContext

    tight = ToolContext.create(get_config(), state_dir=ctx.ledger.path.parent)
    report = book_plan(plan.plan_id, "ana", tight)
    assert report.refused == {"CAPACITY": n - 1}
    assert check_availability("service_call_back", tight).used == 1


def test_only_todays_plan_can_be_booked(ctx):
    import datetime as dt

    plan = make_plan(PlanRequest(day=dt.date(2024, 3, 7)), ctx).plan
    with pytest.raises(ToolInputError, match="only a plan for today"):
        book_plan(plan.plan_id, "ana", ctx)
    with pytest.raises(ToolInputError, match="no plan"):
        book_plan("P1-1", "ana", ctx)


def test_cli_plan_json_has_exactly_the_issue_fields(capsys, tmp_path):
    export = tmp_path / "pairs.csv"
    assert main(["plan", "--json", "--export", str(export)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == SUMMARY_KEYS
    assert set(out["baselines"]) == {"first_come", "greedy_by_value"}
    line = next(iter(out["by_treatment"].values()))
    assert set(line) == {"count", "capacity", "value", "shadow_price"}
    with export.open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) >= {
        "customer_id",
        "treatment_key",
        "expected_value",
        "cost",
        "capacity",
    }
    assert len({r["customer_id"] for r in rows}) >= out["assigned"]


def test_cli_book_plan_needs_yes_and_reports(capsys):
    assert main(["plan", "--json"]) == 0
    plan_id = json.loads(capsys.readouterr().out)["plan_id"]
    assert main(["book-plan", plan_id]) == 1
    assert "APPROVAL" in capsys.readouterr().err
    assert main(["book-plan", plan_id, "--yes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["booked"] > 0
    assert main(["book-plan", plan_id, "--yes"]) == 0
    assert "booked 0," in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["plan", "--capacity", "nope=1"], "unknown treatment 'nope'"),
        (["plan", "--capacity", "data_boost"], "expected KEY=VALUE"),
        (["plan", "--date", "2024-13-01"], "--date"),
        (["plan", "--export", "x.txt"], ".csv or .parquet"),
        (["plan", "--scope", "region=north"], "--scope region"),
        (["book-plan", "P9-9", "--yes"], "no plan"),
    ],
)
def test_cli_bad_input_is_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_export_is_enough_to_check_the_optimum_independently(ctx, tmp_path, suffix):
    import duckdb
    import numpy as np

    from tools.planning.export import export_candidates
    from tools.planning.problem import PlanProblem
    from tools.planning.solve import solve

    allocate_treatment("U124", "bill_review_call", "ana", ctx)  # limits in force move
    out = make_plan(PlanRequest(capacity={"personalized_offer": 2}), ctx)
    path = tmp_path / f"pairs{suffix}"
    assert export_candidates(out.candidates.problem, path) == out.plan.candidates
    reader = "read_parquet" if suffix == ".parquet" else "read_csv_auto"
    cols = duckdb.sql(
        f"SELECT * FROM {reader}('{path}') ORDER BY customer_id, treatment_key"
    ).fetchnumpy()
    ids, cust = np.unique(cols["customer_id"].astype(str), return_inverse=True)
    keys, treat = np.unique(cols["treatment_key"].astype(str), return_inverse=True)
    first = {k: int(np.flatnonzero(treat == i)[0]) for i, k in enumerate(keys)}

    def cap(column):
        values = cols[column]
        return np.array(
            [
                np.inf if np.ma.is_masked(values[first[k]]) else float(values[first[k]])
                for k in keys
            ]
        )

    hv = np.zeros(len(ids), dtype=bool)
    hv[cust] = cols["high_value"].astype(bool)
    again = PlanProblem(
        customer_ids=ids,
        high_value=hv,
        treatments=tuple(keys),
        pair_customer=cust.astype(np.int64),
        pair_treatment=treat.astype(np.int64),
        ev=cols["expected_value"].astype(float),
        cost=cols["cost"].astype(float),
        cap_all=cap("capacity"),
        cap_std=cap("capacity_standard"),
    )
    assert cap("capacity")[list(keys).index("personalized_offer")] == 2
    assert solve(again, "exact").value == pytest.approx(out.plan.expected_value)
