"""The planner's rows for campaign plans: plan, compare, what-ifs, book, approve.

"Who should we call today?" / "plan today's retention campaign" make a plan; "how
much value does the plan add over booking one by one?" compares it with the
baselines; "what if we had 10 more marketing call-back slots?", "plan without the
call centre", "cut the SMS budget to £200" and "what is one more call-centre slot
worth?" re-plan with one change; "book the plan" proposes booking that plan id (a
WRITE held for the analyst's confirmation: it books nothing); the analyst's "yes"
(or Approve) books exactly that plan, "no" drops it (:mod:`assistant.approvals`).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.answers.scenarios import chosen_plan, scenarios_answer
from assistant.planner.answers.talk import plan_pending
from assistant.planner.intent import Ask, Call, Intent, Results, call
from assistant.planner.utterance import Utterance
from assistant.planner.what_if import WORTH, stated_budget, what_if_calls
from assistant.views.plan_card import plan_answer, what_if_answer
from tools.planning.compare import PlanComparison
from tools.planning.model import Plan
from tools.planning.whatif import WhatIf

PLAN_ID = re.compile(r"\bP\d{8}-\d+\b", re.I)
_PLAN = re.compile(
    r"\bwho (should|shall|do|can|could) (we|i) (call|contact|ring|reach|target|text|"
    r"e-?mail)\b|\bwho to (call|contact)\b|\bplan (for )?(today|tomorrow|the day)\b|"
    r"\b(plan|optimi[sz]e|build|make) (a |an |the |today'?s |our )?(\w+ )?"
    r"(campaign|plan)\b|\bcampaign plan\b|\bbest use of (today'?s |our )?capacity\b|"
    r"\bshow (me )?the plan\b|\bwhat('s| is) the plan\b",
    re.I,
)
_COMPARE = re.compile(
    r"\b(one by one|first[- ]come|baseline|greedy|without (a|the) plan|"
    r"customer by customer)\b",
    re.I,
)
# a plan named by what is not a plan's id ("book P-3"): no plan is booked for it
_NOT_A_PLAN_ID = re.compile(r"\bP-?\d{1,7}\b", re.I)
# how many bookings the message expects ("book all 12 contacts")
_PLAN_COUNT = re.compile(
    r"\b(\d{1,6}) (?:contacts|bookings|customers|calls|people|of them)\b", re.I
)
_BOOK_PLAN = re.compile(
    r"^\W*(please\W+)?(book|approve|run|execute|launch) (the |this |that |today'?s )?"
    r"((\w+ )?campaign|((retention|marketing|service|campaign|day'?s|whole) )?plan)"
    r"\b|\bbook (plan )?P\d{8}-\d+",
    re.I,
)


def _is_plan(u: Utterance, ask: Ask) -> bool:
    """Asks for a plan, read on the corrected text ("who shld we call today")."""
    return bool(_PLAN.search(u.norm)) and not u.customers


def _is_compare(u: Utterance, ask: Ask) -> bool:
    return bool(re.search(r"\bplan\b", u.text, re.I) and _COMPARE.search(u.text))


def _what_if_calls(ask: Ask, customer: str | None) -> list[Call]:
    return what_if_calls(ask.u.text, ask.session, ask.config) or []


def _plan_calls(ask: Ask, customer: str | None) -> list[Call]:
    marketing = re.search(r"\b(retention|marketing|retain)\b", ask.u.text, re.I)
    args: dict[str, Any] = {"purposes": ["marketing"] if marketing else []}
    args |= {"without_channels": []}
    budget = stated_budget(ask.u.text)
    if budget is not None:  # "plan today's campaign at £2k": planned within it
        args["budget"] = budget
    return [call("plan_campaign", **args)]


def _latest(ask: Ask, customer: str | None) -> list[Call]:
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    return [call("get_plan", plan_id=plan_id)]


def _book_calls(ask: Ask, customer: str | None) -> list[Call]:
    """Book the plan named, else the latest; with no plan yet, plan it first.

    A plan named by what is not a plan id books nothing; with a number of
    bookings stated, the plan is read first and proposed only if it has that many.
    """
    if _wrong_id(ask):
        return []
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    if plan_id and _count_said(ask) is not None:
        return [call("get_plan", plan_id=plan_id)]
    return [call("book_plan", plan_id=plan_id)] if plan_id else _plan_calls(ask, None)


def _wrong_id(ask: Ask) -> str | None:
    """The plan id the message names that no plan can have ("P-3"), if any."""
    if PLAN_ID.search(ask.u.text):
        return None
    bad = _NOT_A_PLAN_ID.search(ask.u.text)
    return bad.group(0) if bad else None


def _count_said(ask: Ask) -> int | None:
    """How many bookings the message expects the plan to make, if it says."""
    said = _PLAN_COUNT.search(ask.u.text)
    return int(said.group(1)) if said else ask.u.count


def _book_planned(ask: Ask, customer: str | None) -> list[Call]:
    """Propose booking the plan just made, or just read if its count is the one said."""
    plan: Plan | None = ask.results.one("plan_campaign") or ask.results.one("get_plan")
    if plan is None or ask.results.called("book_plan"):
        return []
    count = _count_said(ask)
    if count is not None and count != plan.assigned:
        return []
    return [call("book_plan", plan_id=plan.plan_id)]


def _failed(results: Results) -> str | None:
    failure = results.failure()
    return f"I could not do that: {failure}" if failure else None


def answer_plan(ask: Ask, customer: str | None, results: Results) -> str:
    """The plan: value, gap, volumes, baselines and how to book it."""
    plan: Plan | None = results.one("plan_campaign")
    if plan is None:
        return _failed(results) or "No plan was made."
    return plan_answer(plan) + _budget_not_applied(ask.u.text, plan)


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


def _propose_plan(ask: Ask, customer: str | None) -> Call | None:
    """After a scenario is chosen or a customer left out: book that plan (held).

    "go with the 2nd scenario", "drop U124 from it": the plan becomes the pending
    action, shown for the analyst's confirmation; nothing is booked here.
    """
    comparison: PlanComparison | None = ask.results.one("compare_plans")
    if comparison is not None:
        choice = chosen_plan(ask, comparison)
        if choice is None or choice.hypothetical:
            return None
        return call("book_plan", plan_id=choice.plan_id)
    changes: list[WhatIf] = ask.results.all("plan_what_if")
    if len(changes) == 1 and changes[0].change.without_customers:
        return call("book_plan", plan_id=changes[0].after_id)
    return None


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
        f"\nPlan {change.before_id} is kept; 'book the plan' now books "
        f"{change.after_id}."
    )


def answer_book(ask: Ask, customer: str | None, results: Results) -> str:
    """Booking the plan, proposed for the analyst's approval (nothing is booked)."""
    held = results.held("book_plan")
    planned: Plan | None = results.one("plan_campaign")
    wrong_id, read = _wrong_id(ask), results.one("get_plan")
    if wrong_id:
        return (
            f"There is no plan {wrong_id}: a plan's id looks like P20240306-1. "
            + plan_pending(ask)
        )
    if held is None and read is not None and _count_said(ask) != read.assigned:
        return (
            f"Plan {read.plan_id} books {read.assigned} contacts, not "
            f"{_count_said(ask)}. " + plan_pending(ask)
        )
    if held is not None:
        wait = f"{held.title}: waiting for your approval (nothing is booked yet)."
        return f"{plan_answer(planned)}\n\n{wait}" if planned else wait
    if not results.called("book_plan"):
        return (
            "There is no plan to book yet: ask me to plan today's campaign first "
            "(for example 'who should we call today?')."
        )
    return _failed(results) or "Nothing was proposed."


PLAN_INTENTS: list[Intent] = [
    Intent(
        name="plan_book",
        cues=(),
        when=lambda u, ask: bool(_BOOK_PLAN.search(u.text)) and not u.treatments,
        bonus=lambda u, ask: 9.0,
        calls=_book_calls,
        follow_up=_book_planned,
        answer=answer_book,
        needs_customer=False,
        priority=4,
        examples=("book the plan", "book today's plan"),
    ),
    Intent(
        name="plan_what_if",
        cues=(),
        when=lambda u, ask: what_if_calls(u.text, ask.session, ask.config) is not None,
        bonus=lambda u, ask: 7.0,
        calls=_what_if_calls,
        proposes=_propose_plan,
        answer=answer_what_if,
        needs_customer=False,
        priority=3,
        examples=(
            "what if we had 10 more marketing call-back slots?",
            "plan without the call centre",
            "cut the SMS budget to £200",
            "what is one more call-centre slot worth?",
        ),
    ),
    Intent(
        name="plan_compare",
        cues=(),
        when=_is_compare,
        bonus=lambda u, ask: 6.0,
        calls=_latest,
        answer=answer_compare,
        needs_customer=False,
        priority=3,
        examples=("how much value does the plan add over booking one by one?",),
    ),
    Intent(
        name="plan",
        cues=(),
        when=_is_plan,
        bonus=lambda u, ask: 6.0,
        calls=_plan_calls,
        answer=answer_plan,
        needs_customer=False,
        priority=2,
        examples=("who should we call today?", "plan today's retention campaign"),
    ),
]
