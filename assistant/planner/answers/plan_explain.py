"""The answer to "who's in and who's out of the plan, and why?" (``plan_explain``).

First line: the counts and the plan's total expected value and cost (so "what's
the total EV and what does it cost?" is answered too); then the budgets; then who
was left out, by reason (most customers first), with the rule ids and examples.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Results
from assistant.views.text import money
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.planning.explain_model import LeftOut, PlanExplanation

SOFT = "APPLICABILITY"  # the journey's fit: a soft rule, told apart
NOBODY = "Nobody is left out: every customer in scope has a lawful action and a slot."
_TITLES = {
    "no_lawful_action": "No lawful action",
    "not_worth_contacting": "Lawful but not worth contacting",
    "capacity_or_budget": "Lost to capacity or budget",
    "booked_already": "Booked already",
    "left_out_on_request": "Left out on request",
}


def counts_line(e: PlanExplanation) -> str:
    """The plan's counts, total expected value and cost in one line."""
    flag = " (hypothetical: not bookable)" if e.hypothetical else ""
    return (
        f"Plan {e.plan_id}{flag}: {e.contacted:,} of {e.customers_in_scope:,} "
        f"customers contacted, {e.held_out:,} held out, {e.left_out:,} left out; "
        f"expected value {money(e.expected_value)} for {money(e.spend)}."
    )


def _examples(item: LeftOut) -> str:
    if not item.examples:
        return ""
    more = " …" if item.customers > len(item.examples) else ""
    return f" E.g. {', '.join(item.examples)}{more}."


def _rules(item: LeftOut) -> str:
    """The rule ids blocking customers with no lawful action, most first."""
    soft = [r.customers for r in item.rules if r.rule == SOFT]
    hard = [f"{r.rule} {r.customers:,}" for r in item.rules if r.rule != SOFT]
    text = "customers per rule blocking any of their treatments: "
    text += ", ".join(hard) if hard else "none of the hard rules"
    if soft:
        text += f"; APPLICABILITY (the journey does not fit) {soft[0]:,}"
    if item.first_reason:
        text += f". Most common first reason: {item.first_reason}"
    return text + "."


def _limits(ask: Ask, item: LeftOut) -> str:
    """The full treatments they wanted and the budgets that bound."""
    parts = [
        f"{ask.name(f.treatment_key)} full"
        + (f" ({f.capacity:,} slots)" if f.capacity is not None else "")
        + f", wanted by {f.customers:,}"
        for f in item.full
    ]
    parts += [f"the {b.removeprefix('budget:')} budget bound" for b in item.budgets]
    if not parts:
        return "their slots went to customers worth more (or reserved for high value)."
    return "; ".join(parts) + "."


def reason_line(ask: Ask, item: LeftOut) -> str:
    """One reason: its title, how many, why (rule ids, limits) and examples."""
    head = f"- **{_TITLES[item.reason]}** ({item.customers:,}): "
    if item.reason == "no_lawful_action":
        why = "every treatment the plan may use is blocked; " + _rules(item)
    elif item.reason == "not_worth_contacting":
        why = "a lawful treatment, but none with an expected value above £0."
    elif item.reason == "capacity_or_budget":
        why = "a lawful treatment worth contacting for, no room left: "
        why += _limits(ask, item)
    elif item.reason == "booked_already":
        why = "booked on the plan's day already (never planned twice)."
    else:
        why = "left out of this plan as you asked."
    return head + why + _examples(item)


def _budgets(e: PlanExplanation) -> list[str]:
    out = []
    for b in e.budgets:
        name = "Budget" if b.key == "budget:total" else f"{b.key[7:]} budget"
        out.append(
            f"{name} {money(b.pounds)}: {money(b.spent)} spent, {money(b.left)} left."
        )
    return out


_SPLIT = compiled(
    r"\b(?:split|break\s?down|per|by|each)\s+(?:\w+\s+)?(?:treatments?|channels?)\b",
    re.I,
)


def split_lines(e: PlanExplanation) -> list[str]:
    """The plan by treatment: customers, cost and expected value, then totals."""
    rows = ["| treatment | customers | cost | expected value |", "|---|---|---|---|"]
    rows += [
        f"| {t.display_name} | {t.customers:,} | {money(t.spend)} | "
        f"{money(t.expected_value)} |"
        for t in e.by_treatment
    ]
    total = sum(t.customers for t in e.by_treatment)
    rows.append(
        f"| **total** | **{total:,}** | **{money(e.spend)}** | "
        f"**{money(e.expected_value)}** |"
    )
    return rows


def customer_line(ask: Ask, e: PlanExplanation) -> str:
    """Where the customer asked about stands in the plan, and why."""
    c = e.customer
    assert c is not None
    who = f"**{c.customer_id}**"
    if c.status == "contacted":
        return (
            f"{who} is in plan {e.plan_id}: {ask.name(c.treatment_key)} (expected "
            f"value {money(c.expected_value or 0)})."
        )
    if c.status == "held_out":
        return (
            f"{who} is in the random holdout of plan {e.plan_id}: never contacted, "
            f"to measure uplift (they would have had {ask.name(c.treatment_key)})."
        )
    if c.status == "not_in_scope":
        return (
            f"{who} is not in the scope of plan {e.plan_id} (not a customer it covers)."
        )
    item = e.reason(c.reason) if c.reason else None
    why = reason_line(ask, item).split(": ", 1)[-1] if item else ""
    why = why.split(" E.g. ")[0]  # the examples are the others, not them
    rules = (
        f" Rules blocking their treatments: {', '.join(c.rules)}." if c.rules else ""
    )
    title = _TITLES.get(c.reason or "", "left out")
    return f"{who} is left out of plan {e.plan_id}: {title.lower()}: {why}{rules}"


def answer_explain(ask: Ask, customer: str | None, results: Results) -> str:
    """Who the plan contacts, holds out and leaves out, why, and its totals."""
    e: PlanExplanation | None = results.one("explain_plan")
    if e is None:
        failure = results.failure()
        return f"I could not do that: {failure}" if failure else "There is no plan yet."
    lines = [counts_line(e), *_budgets(e)]
    # "why is U126 not in the plan?", "… U128 and not U129?": them first
    placed = [customer_line(ask, x) for x in results.all("explain_plan") if x.customer]
    lines = [*placed, *lines]
    if e.by_treatment and _SPLIT.search(ask.u.text):  # "the split by treatment"
        lines += split_lines(e)
    if e.note:
        lines.append(e.note)
    if not e.reasons:
        lines.append(NOBODY)
    else:
        lines.append("**Left out**, by reason:")
        ranked = sorted(e.reasons, key=lambda r: -r.customers)
        lines += [reason_line(ask, r) for r in ranked]
    if e.held_out:
        lines.append(
            f"Held out at random ({e.held_out:,}): a control group, never contacted."
        )
    return "\n".join(lines)
