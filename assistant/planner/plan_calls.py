"""Which tools answer a plan question: plan, read, re-plan with a change, book.

A plan is booked only by a proposal (``book_plan`` held for the analyst's
confirmation); a plan named by what is not a plan id, or with another number of
bookings than the plan has, proposes nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.planner.intent import Ask, Call, call
from assistant.planner.plan_scope import plan_scope
from assistant.planner.what_if import stated_budget, what_if_calls
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.base_queries import CustomerList
    from tools.planning.model import Plan

PLAN_ID = compiled(r"\bP\d{8}-\d+\b", re.I)
# a plan named by what is not a plan's id ("book P-3"): no plan is booked for it
_NOT_A_PLAN_ID = compiled(r"\bP-?\d{1,7}\b", re.I)
# how many bookings the message expects ("book all 12 contacts")
_PLAN_COUNT = compiled(
    r"\b(\d{1,6}) (?:contacts|bookings|customers|calls|people|of them)\b", re.I
)


def what_if(ask: Ask, customer: str | None) -> list[Call]:
    """The plan re-made with the change the message asks about."""
    return what_if_calls(ask.u.text, ask.session, ask.config) or []


def make_plan(ask: Ask, customer: str | None) -> list[Call]:
    """Today's plan, among the customers the message means.

    The list in focus when the message points at it or restates its condition
    ("across those", "the high-churn customers"); a condition of its own is found
    as a list first (:func:`plan_found` plans among it); else the whole base.
    """
    scope = plan_scope(ask)
    if scope.find is not None:
        return [call("find_customers", **scope.find)]
    return [plan_call(ask, scope.among)]


def plan_call(ask: Ask, among: str | None = None) -> Call:
    """``plan_campaign`` as the message asks.

    Retention (marketing) treatments only when said; within a stated budget;
    among the list ``among`` when given.
    """
    marketing = re.search(r"\b(retention|marketing|retain)\b", ask.u.text, re.I)
    args: dict[str, Any] = {"purposes": ["marketing"] if marketing else []}
    args |= {"without_channels": []}
    budget = stated_budget(ask.u.text)
    if budget is not None:  # "plan today's campaign at £2k": planned within it
        args["budget"] = budget
    if among:
        args["among"] = among
    return call("plan_campaign", **args)


def plan_found(ask: Ask, customer: str | None) -> list[Call]:
    """The plan among the list just found for the message's condition (if any)."""
    found: CustomerList | None = ask.results.one("find_customers")
    if found is None or ask.results.called("plan_campaign") or not found.matched:
        return []
    return [plan_call(ask, found.list_id)]


def latest_plan(ask: Ask, customer: str | None) -> list[Call]:
    """The plan named, else this conversation's latest."""
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    return [call("get_plan", plan_id=plan_id)]


def book_plan(ask: Ask, customer: str | None) -> list[Call]:
    """Book the plan named, else the latest; with no plan yet, plan it first.

    A plan named by what is not a plan id books nothing; with a number of
    bookings stated, the plan is read first and proposed only if it has that many.
    """
    if wrong_plan_id(ask):
        return []
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    if plan_id and count_said(ask) is not None:
        return [call("get_plan", plan_id=plan_id)]
    if plan_id:
        return [call("book_plan", plan_id=plan_id)]
    return [plan_call(ask, plan_scope(ask).among)]


def wrong_plan_id(ask: Ask) -> str | None:
    """The plan id the message names that no plan can have ("P-3"), if any."""
    if PLAN_ID.search(ask.u.text):
        return None
    bad = _NOT_A_PLAN_ID.search(ask.u.text)
    return bad.group(0) if bad else None


def count_said(ask: Ask) -> int | None:
    """How many bookings the message expects the plan to make, if it says."""
    said = _PLAN_COUNT.search(ask.u.text)
    return int(said.group(1)) if said else ask.u.count


def book_planned(ask: Ask, customer: str | None) -> list[Call]:
    """Propose booking the plan just made, or just read if its count is the one said."""
    plan: Plan | None = ask.results.one("plan_campaign") or ask.results.one("get_plan")
    if plan is None or ask.results.called("book_plan"):
        return []
    count = count_said(ask)
    if count is not None and count != plan.assigned:
        return []
    return [call("book_plan", plan_id=plan.plan_id)]
