"""Answers about campaign plans: the plan, its worth, what-ifs and its booking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.answers.base import describe
from assistant.planner.answers.scenarios import scenarios_answer
from assistant.planner.answers.talk import plan_pending
from assistant.planner.intent import Ask, Results
from assistant.planner.plan_calls import count_said, wrong_plan_id
from assistant.planner.plan_scope import (
    leaves_out,
    list_definition,
    points_at_a_list,
)
from assistant.planner.what_if import WORTH, stated_budget

if TYPE_CHECKING:
    from assistant.core.session import Focus
    from tools.base_queries import CustomerList
    from tools.planning.model import Plan
    from tools.planning.whatif import WhatIf


def _failed(results: Results) -> str | None:
    failure = results.failure()
    return f"I could not do that: {failure}" if failure else None


def answer_plan(ask: Ask, customer: str | None, results: Results) -> str:
    """The plan: value, gap, volumes, baselines and how to book it."""
    from assistant.views.plan_card import plan_answer

    plan: Plan | None = results.one("plan_campaign")
    found: CustomerList | None = results.one("find_customers")
    if plan is None:
        if found is not None and not found.matched:
            words = list_words(ask.session.focus, found.list_id)
            return f"No customers match ({words or 'that condition'}): no plan made."
        return _failed(results) or "No plan was made."
    ask.session.focus.last_offer = "plan"  # "book it" now means the plan
    among = plan.request.scope.among
    words = list_words(ask.session.focus, among) if among else None
    if words and found is not None and found.list_id == among:
        words += ", found for this plan"  # the message's condition, not a list shown
    return (
        plan_answer(plan, words)
        + _no_list(ask, plan)
        + _budget_not_applied(ask.u.text, plan)
    )


def _no_list(ask: Ask, plan: Plan) -> str:
    """A message about "those" with no list of customers: the plan is the base's.

    Customers left out by a condition ("excluding the high-churn customers") are
    not left out: the answer says so.
    """
    if plan.request.scope.among:
        return ""
    if leaves_out(ask):
        return (
            "\n\n**Not applied: leaving customers out by a condition.** This plan "
            "is over the whole base: a plan is made among a list of customers, not "
            "without one. Ask for the customers to plan (for example 'who has churn "
            "above 0.3 and no bill shock?'), then 'plan a campaign for those'."
        )
    if ask.session.focus.found_list:
        return ""
    if not points_at_a_list(ask):
        return ""
    return (
        "\n\n**Not applied: only those customers.** There is no list of customers "
        "in this conversation yet, so this plan is over the whole base; ask for them "
        "first (for example 'how many have a churn score above 0.7?'), then 'plan a "
        "campaign for those'."
    )


def list_words(focus: Focus, handle: str) -> str | None:
    """A list's condition in a few words ("churn score above 0.70"), if known."""
    from tools.base_queries.models import FindArgs

    listed = list_definition(focus, handle)
    if not listed:
        return None
    words = describe(FindArgs.model_validate(listed))
    for lead in ("customers with ", "customers "):
        if words.startswith(lead):
            return words[len(lead) :]
    return words


def _budget_not_applied(text: str, plan: Plan) -> str:
    """The budget the message set: the plan is made within it (or says why not)."""
    budget = stated_budget(text)
    if budget is None:
        return ""
    if plan.spend <= budget + 0.005:
        return (
            f"\n\n**Within your £{budget:,.0f} budget:** this plan spends "
            f"£{plan.spend:,.2f}."
        )
    return (
        f"\n\n**Not within your £{budget:,.0f} budget:** this plan spends "
        f"£{plan.spend:,.2f} (a plan is made within today's limits). Say *cut the "
        f"budget to £{budget:,.0f}* to see the plan within it and what drops off."
    )


def answer_compare(ask: Ask, customer: str | None, results: Results) -> str:
    """How much the plan adds over first-come and greedy booking."""
    plan: Plan | None = results.one("get_plan")
    if plan is None:
        return _failed(results) or "There is no plan yet."
    b, worth = plan.baselines, plan.planned_value
    held = ""
    if plan.arms is not None and plan.arms.held_out:
        held = (
            f" before holding out {plan.arms.held_out:,} customers at random "
            f"(£{plan.arms.held_out_value:,.2f}: £{plan.expected_value:,.2f} booked)"
        )
    return (
        f"Plan {plan.plan_id} is worth £{worth:,.2f}{held}. Booking one by "
        f"one in id order (first come) would get £{b.first_come:,.2f} for "
        f"{b.first_come_assigned:,} customers: the plan adds "
        f"£{worth - b.first_come:,.2f}. Greedy by value would get "
        f"£{b.greedy_by_value:,.2f} (the plan adds "
        f"£{worth - b.greedy_by_value:,.2f}). The plan is within "
        f"{plan.gap:.2%} of the best possible (bound £{plan.upper_bound:,.2f})."
    )


def _left_out_answer(change: WhatIf, results: Results) -> str:
    """A plan without some customers: what each had, the new plan, its booking."""
    had = [
        f"{c.customer_id} ({c.treatment_key}, £{c.expected_value:,.2f})"
        if c.treatment_key
        else f"{c.customer_id} (was not in plan {change.before_id})"
        for c in change.left_out
    ]
    held = results.held("book_plan")
    wait = (
        f"\n{held.title}: waiting for your approval (nothing is booked yet)."
        if held is not None
        else ""
    )
    return (
        f"Plan {change.after_id} leaves out {', '.join(had)}: "
        f"{change.after_assigned:,} contacts, £{change.after_spend:,.2f}, expected "
        f"value £{change.after_value:,.2f} "
        f"({'+' if change.delta_value >= 0 else '−'}£{abs(change.delta_value):,.2f} "
        f"on plan {change.before_id}, which is kept).{wait}"
    )


def answer_what_if(ask: Ask, customer: str | None, results: Results) -> str:
    """Δ value and Δ volume of the change (or of one more slot of each treatment)."""
    from assistant.views.plan_card import what_if_answer

    if results.called("compare_plans"):
        return scenarios_answer(ask, results)
    changes: list[WhatIf] = results.all("plan_what_if")
    if not changes:
        return _failed(results) or (
            "Which change? For example 'what if we had 10 more marketing call-back "
            "slots?', 'plan without the call centre' or 'cut the SMS budget to £200'."
        )
    session = ask.session
    if len(changes) > 1 or WORTH.search(ask.u.text):
        parts = [
            f"{next(iter(w.change.extra_capacity))}: £{w.delta_value:,.2f}"
            for w in changes
        ]
        return (
            f"One more slot, re-planning plan {changes[0].before_id} each time: "
            + "; ".join(parts)
            + ". (Hypothetical: today's capacity is unchanged.)"
        )
    change = changes[0]
    if change.change.without_customers:
        return _left_out_answer(change, results)
    text = what_if_answer(change)
    if any(n > 0 for n in change.change.extra_capacity.values()):
        return text + (
            "\nExtra slots are hypothetical: 'book the plan' books plan "
            f"{session.plan_id or change.before_id} within today's real capacity."
        )
    return text + (
        f"\n'Book the plan' now books this what-if, {change.after_id}; say 'go back "
        f"to the original plan' to book {change.before_id} instead."
    )


def answer_book(ask: Ask, customer: str | None, results: Results) -> str:
    """Booking the plan, proposed for the analyst's approval (nothing is booked)."""
    from assistant.views.plan_card import plan_answer

    held = results.held("book_plan")
    planned: Plan | None = results.one("plan_campaign")
    wrong_id, read = wrong_plan_id(ask), results.one("get_plan")
    if wrong_id:
        return (
            f"There is no plan {wrong_id}: a plan's id looks like P20240306-1. "
            + plan_pending(ask)
        )
    if held is None and read is not None and count_said(ask) != read.assigned:
        return (
            f"Plan {read.plan_id} books {read.assigned} contacts, not "
            f"{count_said(ask)}. " + plan_pending(ask)
        )
    if held is not None:
        wait = f"{held.title}: waiting for your approval (nothing is booked yet)."
        if planned is None:
            return wait
        among = planned.request.scope.among
        words = list_words(ask.session.focus, among) if among else None
        return f"{plan_answer(planned, words)}\n\n{wait}"
    if not results.called("book_plan"):
        return (
            "There is no plan to book yet: ask me to plan today's campaign first "
            "(for example 'who should we call today?')."
        )
    return _failed(results) or "Nothing was proposed."
