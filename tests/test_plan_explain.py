"""explain_plan: who a plan contacts, holds out and leaves out, and why (issue 17)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from tests.conftest import GENERATED
from tools.errors import ToolInputError
from tools.kernel.batch import decide_ids, decide_where
from tools.kernel.rules import CUSTOMER_RULES
from tools.planning import explain as explain_module
from tools.planning.explain import explain_plan
from tools.planning.store import plan_store
from tools.planning.tools import plan_campaign, plan_what_if
from tools.treatment import recommend_treatment

N_BASE = GENERATED


def test_a_plan_that_leaves_nobody_out_says_so_with_its_totals(ctx):
    plan = plan_campaign(ctx=ctx)
    e = explain_plan(ctx=ctx)  # the latest plan
    assert (e.plan_id, e.day, e.catalogue_version) == (plan.plan_id, plan.day, 1)
    assert (e.customers_in_scope, e.contacted, e.held_out, e.left_out) == (12, 12, 0, 0)
    assert e.reasons == [] and e.budgets == []
    assert (e.expected_value, e.spend) == (plan.expected_value, plan.spend)
    assert e.decision_date is not None and e.decision_date.isoformat() == "2024-03-06"


def test_no_lawful_action_counts_each_rule_the_per_customer_path_names(ctx):
    """The rule ids per left-out customer are what recommend_treatment says.

    A retention plan may use marketing treatments only: each customer it leaves out
    with no lawful action is counted under every hard rule excluding any of their
    marketing treatments in the per-customer recommendation (its own path through
    the rules), and the plan's rows and the reasons cover everyone in scope.
    """
    plan = plan_campaign(purposes=["marketing"], ctx=ctx)
    e = explain_plan(plan.plan_id, ctx=ctx)
    assert e.contacted + e.held_out + e.left_out == e.customers_in_scope == 12
    (none,) = e.reasons
    assert none.reason == "no_lawful_action" and none.customers == e.left_out
    planned = {r.customer_id for r in plan_store(ctx).rows(plan.plan_id)}
    assert not planned & set(none.examples) and len(none.examples) == none.customers
    marketing = {
        k for k, t in ctx.config.treatments.items() if t.purpose == "marketing"
    }
    want: dict[str, int] = {}
    for customer in none.examples:
        rec = recommend_treatment(customer, ctx)
        assert not {r.treatment_key for r in rec.ranked} & marketing
        rules = {
            x.rule
            for ex in rec.excluded
            if ex.treatment_key in marketing
            for x in ex.exclusions
        }
        for rule in rules:
            want[rule] = want.get(rule, 0) + 1
    got = {r.rule: r.customers for r in none.rules}
    assert got == want and got["SUITABILITY"] == 6 and "CONSENT" in got
    assert none.first_reason == "SUITABILITY"


def test_a_budget_that_binds_names_the_customer_and_what_is_left(ctx):
    plan = plan_campaign(budget=60, ctx=ctx)
    e = explain_plan(plan.plan_id, ctx=ctx)
    (lost,) = e.reasons
    assert (lost.reason, lost.examples, lost.budgets) == (
        "capacity_or_budget",
        ["U127"],
        ["budget:total"],
    )
    (use,) = e.budgets
    assert (use.pounds, use.spent) == (60.0, plan.spend)
    assert use.left == pytest.approx(60.0 - plan.spend)
    d = decide_ids(ctx.customers, ctx.config, ["U127"])
    assert (d.lawful[0] & (d.expected_value[0] > 0)).any()  # it had a worthy option


def test_one_customer_asked_about_is_placed_in_the_plan_with_their_reason(ctx):
    plan = plan_campaign(budget=60, ctx=ctx)
    rows = {r.customer_id: r for r in plan_store(ctx).rows(plan.plan_id)}
    inside = explain_plan(plan.plan_id, ctx=ctx, customer_id="u126").customer
    assert inside is not None and (inside.customer_id, inside.status) == (
        "U126",
        "contacted",
    )
    assert inside.treatment_key == rows["U126"].treatment_key
    out = explain_plan(plan.plan_id, ctx=ctx, customer_id="U127").customer
    assert out is not None and (out.status, out.reason) == (
        "left_out",
        "capacity_or_budget",
    )
    strange = explain_plan(plan.plan_id, ctx=ctx, customer_id="U999999").customer
    assert strange is not None and strange.status == "not_in_scope"
    assert explain_plan(plan.plan_id, ctx=ctx).customer is None
    # a retention plan: a customer with no lawful marketing names the rules
    retention = plan_campaign(purposes=["marketing"], ctx=ctx)
    blocked = explain_plan(retention.plan_id, ctx=ctx, customer_id="U124").customer
    assert blocked is not None and blocked.reason == "no_lawful_action"
    assert "SUITABILITY" in blocked.rules


def test_booked_already_and_left_out_on_request_are_reasons_too(ctx):
    from tools.allocation import allocate_treatment

    allocate_treatment("U124", "bill_review_call", "ana", ctx)
    plan_campaign(ctx=ctx)
    e = explain_plan(ctx=ctx)
    assert [(r.reason, r.examples) for r in e.reasons] == [("booked_already", ["U124"])]
    change = plan_what_if(without_customers=["U129"], ctx=ctx)
    e = explain_plan(change.after_id, ctx=ctx)
    assert {r.reason: r.examples for r in e.reasons} == {
        "booked_already": ["U124"],
        "left_out_on_request": ["U129"],
    }
    assert e.contacted + e.held_out + e.left_out == e.customers_in_scope == 12


def test_the_plans_catalogue_version_is_the_one_explained(ctx, monkeypatch):
    """A catalogue change after the plan does not change why it left people out."""
    from tools.catalogue_writes import change_treatment

    plan = plan_campaign(budget=60, ctx=ctx)
    before = explain_plan(plan.plan_id, ctx=ctx)
    change_treatment("request_call_back", ctx, "ana", cost=500.0)  # U127's option
    assert ctx.config.catalogue_version == 2
    assert explain_plan(plan.plan_id, ctx=ctx) == before
    # with the catalogue in force now, U127 would not be worth contacting at all
    monkeypatch.setattr(explain_module, "plan_config", lambda c, v: c.config)
    now = explain_plan(plan.plan_id, ctx=ctx)
    assert [(r.reason, r.examples) for r in now.reasons] == [
        ("not_worth_contacting", ["U127"])
    ]


@pytest.mark.parametrize("plan_id", ["P20240306-9", "nonsense"])
def test_an_unknown_plan_is_one_clear_line(ctx, plan_id):
    plan_campaign(ctx=ctx)
    with pytest.raises(ToolInputError) as info:
        explain_plan(plan_id, ctx=ctx)
    assert str(info.value) == f"There is no plan {plan_id!r}."


def test_no_plan_yet_is_one_clear_line(ctx):
    with pytest.raises(ToolInputError, match="No plan yet"):
        explain_plan(ctx=ctx)


def _oracle(ctx, plan):
    """Each reason's customers and the no-lawful rule counts, from one batch."""
    d = decide_where(ctx.customers, ctx.config)
    cid = d.customer_id.astype(str)
    allowed = np.array(plan.request.treatment_mask(ctx.config))
    rows = {r.customer_id for r in plan_store(ctx).rows(plan.plan_id)}
    rest = ~np.isin(cid, sorted(rows | {h.customer_id for h in plan.held_out_rows}))
    options = d.lawful & allowed  # nobody is booked before: no FREQUENCY
    worth = options & (d.expected_value > 0)
    none = rest & ~options.any(1)
    reasons = {
        "no_lawful_action": set(cid[none]),
        "not_worth_contacting": set(cid[rest & options.any(1) & ~worth.any(1)]),
        "capacity_or_budget": set(cid[rest & worth.any(1)]),
    }
    rules = {r: int((d.failed[r][none] & allowed).any(1).sum()) for r in CUSTOMER_RULES}
    return reasons, {r: n for r, n in rules.items() if n}


def test_on_a_generated_base_every_left_out_customer_has_one_reason(
    base_ctx, monkeypatch
):
    """Counts add up, reasons match a whole-base oracle, walked in small chunks."""
    ctx = base_ctx
    chunked = functools.partial(explain_module.iter_decisions, chunk=300)
    monkeypatch.setattr(explain_module, "iter_decisions", chunked)
    plan = plan_campaign(ctx=ctx)
    e = explain_plan(plan.plan_id, ctx=ctx)
    assert e.customers_in_scope == plan.customers == N_BASE
    assert e.contacted + e.held_out + e.left_out == N_BASE
    assert e.held_out == len(plan.held_out_rows) > 0
    assert sum(r.customers for r in e.reasons) == e.left_out > 0
    reasons, rules = _oracle(ctx, plan)
    assert {r.reason: r.customers for r in e.reasons} == {
        k: len(v) for k, v in reasons.items() if v
    }
    for r in e.reasons:
        assert len(r.examples) == min(10, r.customers)
        assert set(r.examples) <= reasons[r.reason]
    none = e.reason("no_lawful_action")
    assert none is not None
    assert {r.rule: r.customers for r in none.rules if r.rule in rules} == rules
    lost = e.reason("capacity_or_budget")
    assert lost is not None and lost.full
    for f in lost.full:  # a full treatment: every slot the plan had is used
        line = plan.by_treatment[f.treatment_key]
        assert line.capacity is not None and line.count >= line.capacity
    assert (e.expected_value, e.spend) == (plan.expected_value, plan.spend)


def test_the_answer_on_a_generated_base_tells_reasons_most_first(base_ctx):
    """Chat: the counts and totals first, then each reason with its rule ids."""
    from assistant.api import Assistant
    from assistant.planner.answers.plan_explain import counts_line

    bot = Assistant.create(model="offline", state_dir=base_ctx.config.state_path)
    bot.ask("plan today's campaign")
    turn = bot.ask("who got left out, and why?")
    assert [c.name for c in turn.tool_calls] == ["explain_plan"]
    e = explain_plan(ctx=bot.ctx)
    lines = turn.reply.splitlines()
    assert lines[0] == counts_line(e)
    assert f"{e.left_out:,} left out" in lines[0] and "held out" in lines[0]
    told = [line for line in lines if line.startswith("- **")]
    counts = [int(line.split("(")[1].split(")")[0].replace(",", "")) for line in told]
    assert counts == sorted(counts, reverse=True) and sum(counts) == e.left_out
    none = e.reason("no_lawful_action")
    assert none is not None and none.first_reason
    (line,) = [t for t in told if t.startswith("- **No lawful action**")]
    for rule in none.rules:
        soft = rule.rule == "APPLICABILITY"
        said = "APPLICABILITY (the journey does not fit)" if soft else rule.rule
        assert f"{said} {rule.customers:,}" in line
    assert f"Most common first reason: {none.first_reason}" in line
    assert line.endswith(f"E.g. {', '.join(none.examples)} ….")
    lost = e.reason("capacity_or_budget")
    assert lost is not None
    name = bot.ctx.config.treatments[lost.full[0].treatment_key].display_name
    assert f"{name} full ({lost.full[0].capacity:,} slots)" in turn.reply
    assert f"Held out at random ({e.held_out:,})" in turn.reply
