"""A plan among a customer list: ``plan_campaign(among=...)`` (issue 17).

"how many have a churn score above 0.7?" then "plan a campaign across those": the
plan's customers are the list's, re-read as an export reads it; what-ifs keep that
scope and ``explain_plan`` counts the list's customers as in scope.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.core.session import Focus
from assistant.planner.plan_scope import restates
from tools.base_queries.export import write_list
from tools.base_queries.find import find_customers, list_customers
from tools.errors import ToolInputError
from tools.planning.plan import make_plan
from tools.planning.request import PlanRequest, PlanScope
from tools.planning.store import plan_store
from tools.planning.tools import explain_plan, plan_campaign, plan_what_if

CHURN_ABOVE_03 = [{"metric": "churn", "op": ">", "value": 0.3}]
N_BASE = 1_500


def _assigned(ctx, plan):
    """Who the plan contacts, with what (its rows)."""
    return {r.customer_id: r.treatment_key for r in plan_store(ctx).rows(plan.plan_id)}


def _explicit(ctx, ids, budget=None):
    """The same plan asked for by customer ids (no list)."""
    scope = PlanScope(customers=list(ids))
    return make_plan(PlanRequest(scope=scope, budget=budget), ctx).plan


def _check_among(ctx, list_id, matched, budget=None):
    """The plan among the list: its scope, its rows, the same as by ids."""
    ids = list_customers(list_id, ctx)
    assert len(ids) == matched and ids == sorted(ids)
    plan = plan_campaign(among=list_id, budget=budget, ctx=ctx)
    assert plan.request.scope.among == list_id
    assert plan.request.scope.customers == ids
    assert plan.customers == matched < ctx.customers.count()
    chosen = _assigned(ctx, plan)
    assert chosen and set(chosen) <= set(ids)
    held = {h.customer_id for h in plan.held_out_rows}
    assert held <= set(ids)
    same = _explicit(ctx, ids, budget)
    assert _assigned(ctx, same) == chosen
    assert same.expected_value == plan.expected_value
    assert same.customers == plan.customers
    return plan


def test_a_plan_among_a_list_plans_only_its_customers(ctx):
    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    assert found.matched == 7
    plan = _check_among(ctx, found.list_id, 7)
    whole = plan_campaign(ctx=ctx)
    assert whole.customers == 12 and whole.request.scope.among is None
    assert plan.assigned < whole.assigned


def test_the_list_is_the_one_an_export_writes(ctx, tmp_path):
    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    path = tmp_path / "list.csv"
    assert write_list(found.list_id, path, "csv", ctx) == 7
    exported = [line.split(",")[0] for line in path.read_text().splitlines()[1:]]
    assert sorted(exported) == list_customers(found.list_id, ctx)


def test_a_budget_holds_within_the_list(ctx):
    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    plan = _check_among(ctx, found.list_id, 7, budget=20)
    assert 0 < plan.spend <= 20
    free = plan_campaign(among=found.list_id, ctx=ctx)
    assert plan.assigned < free.assigned  # the budget binds


def test_a_list_narrowing_a_list_plans_its_own_customers(ctx):
    wide = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    narrow = find_customers(signals=["bill_shock"], among=wide.list_id, ctx=ctx)
    assert 0 < narrow.matched < wide.matched
    _check_among(ctx, narrow.list_id, narrow.matched)


def test_what_ifs_keep_the_lists_scope(ctx):
    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    plan = plan_campaign(among=found.list_id, ctx=ctx)
    change = plan_what_if(plan_id=plan.plan_id, budget=10, ctx=ctx)
    after = plan_store(ctx).get(change.after_id)
    assert after.request.scope == plan.request.scope
    assert after.customers == 7 and 0 < after.spend <= 10
    assert set(_assigned(ctx, after)) <= set(plan.request.scope.customers)


def test_explain_counts_the_lists_customers_in_scope(ctx):
    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    plan = plan_campaign(among=found.list_id, budget=20, ctx=ctx)
    e = explain_plan(plan.plan_id, ctx=ctx)
    assert e.customers_in_scope == 7
    assert e.contacted + e.held_out + e.left_out == 7
    assert e.left_out == sum(r.customers for r in e.reasons) >= 1
    examples = {c for r in e.reasons for c in r.examples}
    assert examples <= set(plan.request.scope.customers)


def test_an_unknown_list_is_one_clear_line(ctx):
    with pytest.raises(ToolInputError) as info:
        plan_campaign(among="L0123456789", ctx=ctx)
    assert str(info.value) == "there is no list L0123456789: find the customers again"
    assert plan_store(ctx).latest() is None


def test_a_list_nobody_is_on_plans_nobody(ctx):
    nobody = find_customers(
        thresholds=[{"metric": "churn", "op": ">", "value": 0.99}], ctx=ctx
    )
    assert nobody.matched == 0
    with pytest.raises(ToolInputError, match="has no customers now: no plan made"):
        plan_campaign(among=nobody.list_id, ctx=ctx)
    assert plan_store(ctx).latest() is None  # never the whole base instead


def test_a_bad_list_id_is_refused_by_the_arguments():
    from pydantic import ValidationError

    from tools.planning.tools import PlanArgs

    assert PlanArgs(among="L0123456789").among == "L0123456789"
    with pytest.raises(ValidationError):
        PlanArgs(among="all of them")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A generated base imported once (each test gets a copy of the store)."""
    from tests.bases import import_once

    return import_once(tmp_path_factory.mktemp("gen"), N_BASE, 5)


@pytest.fixture
def base_ctx(ctx, imported):
    from tools.store.build import copy_store
    from tools.store.source import store_path

    copy_store(imported, store_path(ctx.config))
    assert ctx.customers.count() == N_BASE
    return ctx


@pytest.mark.parametrize(
    "filters",
    [
        {"thresholds": [{"metric": "churn", "op": ">", "value": 0.5}]},  # SQL
        {"churn_band": "high", "reachable_channel": "call"},  # a kernel scan
    ],
    ids=["sql", "scan"],
)
def test_on_a_generated_base_the_plan_is_the_lists(base_ctx, filters):
    ctx = base_ctx
    found = find_customers(**filters, ctx=ctx)
    assert 20 < found.matched < N_BASE
    plan = _check_among(ctx, found.list_id, found.matched, budget=150)
    assert plan.spend <= 150
    e = explain_plan(plan.plan_id, ctx=ctx)
    assert e.customers_in_scope == found.matched
    assert e.contacted + e.held_out + e.left_out == found.matched


# --- the planner: which list a plan message means ---------------------------


@pytest.fixture
def offline(tmp_path):
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def _plan_calls(turn):
    return [c for c in turn.tool_calls if c.name == "plan_campaign"]


def test_plan_across_those_is_among_the_list_in_focus(offline):
    found = offline.ask("how many have a churn score above 0.3?")
    list_id = offline.session.focus.found_list
    assert list_id and "7 match of 12" in found.reply
    turn = offline.ask("plan a campaign across those with a £20 budget")
    (plan_call,) = _plan_calls(turn)
    assert plan_call.arguments["among"] == list_id
    plan = plan_store(offline.ctx).latest()
    assert plan.request.scope.customers == list_customers(list_id, offline.ctx)
    assert plan.spend <= 20
    assert "among the 7 customers of your list (churn score above 0.30)" in turn.reply
    assert f"contact {plan.assigned} of 7 customers" in turn.reply


def test_a_condition_restating_the_list_plans_among_it(offline):
    offline.ask("how many have a churn score above 0.7?")
    list_id = offline.session.focus.found_list
    turn = offline.ask("plan today's campaign across the high-churn customers")
    assert [c.name for c in turn.tool_calls] == ["plan_campaign"]
    assert turn.tool_calls[0].arguments["among"] == list_id
    assert "among the 1 customer of your list (churn score above 0.70)" in turn.reply


def test_a_condition_of_no_list_is_found_first(offline):
    turn = offline.ask("plan today's campaign across the high-churn customers")
    assert [c.name for c in turn.tool_calls] == ["find_customers", "plan_campaign"]
    found = turn.tool_calls[0].arguments
    assert found["churn_band"] == "high" and found["among"] is None
    list_id = offline.session.focus.found_list
    assert turn.tool_calls[1].arguments["among"] == list_id
    n = len(list_customers(list_id, offline.ctx))
    assert 0 < n < 12
    assert f"among the {n} customers of your list (high-churn customers" in turn.reply


def test_a_condition_on_those_narrows_the_list(offline):
    offline.ask("how many have a churn score above 0.3?")
    wide = offline.session.focus.found_list
    turn = offline.ask("plan today's campaign for those with bill shock")
    assert [c.name for c in turn.tool_calls] == ["find_customers", "plan_campaign"]
    assert turn.tool_calls[0].arguments["among"] == wide
    assert turn.tool_calls[0].arguments["signals"] == ["bill_shock"]
    assert "(churn score above 0.30 with bill shock" in turn.reply


def test_a_plan_with_no_reference_stays_whole_base(offline):
    offline.ask("how many have a churn score above 0.3?")
    for text in ("plan today's campaign", "plan today's campaign for everyone"):
        turn = offline.ask(text)
        (plan_call,) = _plan_calls(turn)
        assert plan_call.arguments["among"] is None
        assert "contact 12 of 12 customers" in turn.reply


def test_those_with_no_list_says_the_plan_is_the_whole_base(offline):
    turn = offline.ask("plan a campaign for those")
    (plan_call,) = _plan_calls(turn)
    assert plan_call.arguments["among"] is None
    assert "Not applied: only those customers" in turn.reply


def test_a_band_restates_a_threshold_inside_it_only(config):
    high = {"churn_band": "high"}
    above = {"thresholds": [{"metric": "churn", "op": ">", "value": 0.7}]}
    assert restates(high, above, config)
    assert not restates(
        high, {"thresholds": [{**above["thresholds"][0], "value": 0.3}]}, config
    )
    assert restates(above, {**above, "signals": ["bill_shock"]}, config)
    assert not restates({"signals": ["bill_shock"]}, above, config)
    assert not restates({}, above, config)
    assert Focus().list_filters == {}


def test_the_lists_definition_is_kept_with_the_thread(offline):
    from assistant.core.state import SessionState, from_state, to_state

    offline.ask("how many have a churn score above 0.3?")
    list_id = offline.session.focus.found_list
    kept = offline.session.focus.list_filters
    assert kept == {list_id: {"thresholds": CHURN_ABOVE_03}}
    saved = SessionState.model_validate_json(
        to_state(offline.session).model_dump_json()
    )
    resumed, _ = from_state(saved, "analyst")
    assert resumed.focus.list_filters == kept
    offline.session = resumed  # the thread resumed: "those" is still that list
    turn = offline.ask("plan a campaign across those")
    assert turn.tool_calls[0].arguments["among"] == list_id
    assert "(churn score above 0.30)" in turn.reply


def test_the_plan_card_says_its_scope(ctx):
    from assistant.views.plan_card import plan_answer, plan_card

    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)
    plan = plan_campaign(among=found.list_id, ctx=ctx)
    assert f"Among the 7 customers of your list {found.list_id}." in plan_card(plan)
    words = "churn score above 0.30"
    assert f", among the 7 customers of your list ({words}): contact " in plan_answer(
        plan, words
    )
    whole = plan_campaign(ctx=ctx)
    assert "among" not in plan_answer(whole) and "Among" not in plan_card(whole)


@pytest.mark.parametrize(
    "text",
    [
        "plan today's campaign excluding the high-churn customers",
        "plan today's campaign without the vulnerable customers",
    ],
)
def test_customers_left_out_by_a_condition_are_said_not_applied(offline, text):
    offline.ask("how many have a churn score above 0.3?")
    turn = offline.ask(text)
    assert [c.name for c in turn.tool_calls] == ["plan_campaign"]
    assert turn.tool_calls[0].arguments["among"] is None  # never among them
    assert "contact 12 of 12 customers" in turn.reply
    assert "Not applied: leaving customers out by a condition" in turn.reply


@pytest.mark.parametrize(
    "text",
    [
        "ok forget these two, who should we be calling today?",
        "Does this plan cover the big base too or just the sample lot?",
    ],
)
def test_words_about_the_list_that_are_no_scope_stay_whole_base(offline, text):
    offline.ask("how many have a churn score above 0.3?")
    turn = offline.ask(text)
    for plan_call in _plan_calls(turn):
        assert plan_call.arguments["among"] is None
    assert "of your list" not in turn.reply


def test_a_condition_nobody_meets_makes_no_plan(offline):
    turn = offline.ask(
        "plan today's campaign across the customers with churn above 0.99"
    )
    assert [c.name for c in turn.tool_calls] == ["find_customers"]
    assert turn.reply == ("No customers match (churn score above 0.99): no plan made.")
    assert plan_store(offline.ctx).latest() is None


def test_the_cli_plans_among_a_list(ctx, capsys):
    import json

    from assistant.cli.main import main

    found = find_customers(thresholds=CHURN_ABOVE_03, ctx=ctx)  # the CLI's state dir
    assert main(["plan", "--among", found.list_id, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["customers"] == 7
    plan = plan_store(ctx).get(summary["plan_id"])
    assert plan.request.scope.among == found.list_id
    assert main(["plan", "--among", "L0123456789"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.endswith("there is no list L0123456789: find the customers again")
    assert "\n" not in err and "Traceback" not in err
