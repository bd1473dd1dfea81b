"""What tool results leave in the session (each spec names its effect).

Results stay typed: the session keeps the tools' own pydantic objects (the
recommendation, bookings), never their JSON views. A result changes the customer in
focus only when its customer is in the turn's focus, so a model looking at another
customer widens nothing. READ results never create or change a pending action:
only a WRITE call (held by the guard) does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.toolkit.views import allocation_view

if TYPE_CHECKING:
    from assistant.approvals.scope import TurnScope
    from assistant.core.session import Session
    from tools.allocation import Allocation
    from tools.base_queries.models import CustomerList
    from tools.planning.model import Plan
    from tools.planning.whatif import WhatIf
    from tools.recommendation import Recommendation


KEPT_LISTS = 20  # list definitions a conversation keeps (a few hundred bytes each)


def _in_focus(customer: object, scope: TurnScope) -> bool:
    return isinstance(customer, str) and (not scope.focus or customer in scope.focus)


def focus_customer(session: Session, args: Any, result: Any, scope: TurnScope) -> None:
    """The result's customer becomes the conversation's (if in the turn's focus)."""
    customer = getattr(result, "customer_id", None)
    if _in_focus(customer, scope):
        session.customer_id = customer


def remember_recommendation(
    session: Session, args: Any, rec: Recommendation, scope: TurnScope
) -> None:
    """The recommendation is what "why?", "cost?" and the card are about."""
    if not _in_focus(rec.customer_id, scope):
        return
    session.customer_id = rec.customer_id
    session.last_recommendation = rec
    session.focus.last_list = "options"  # its options: "the second one" is one
    if session.current is not None:  # what the card shows: the option discussed
        session.current.recommended = session.proposed


def remember_booking(
    session: Session, args: Any, booked: Allocation, scope: TurnScope
) -> None:
    """A booking made in this conversation ("cancel it" means it).

    Its customer is the conversation's ("he accepted" means them).
    """
    session.allocations.append(booked)
    if _in_focus(booked.customer_id, scope):
        session.customer_id = booked.customer_id
    if session.current is not None:
        session.current.allocations.append(allocation_view(booked))


def forget_booking(
    session: Session, args: Any, released: Allocation, scope: TurnScope
) -> None:
    """A cancelled booking is no longer this conversation's to cancel."""
    session.allocations = [
        a for a in session.allocations if a.allocation_id != released.allocation_id
    ]


def remember_plan(session: Session, args: Any, plan: Plan, scope: TurnScope) -> None:
    """The plan "the plan" means from now on.

    A new plan (not a what-if's) starts the conversation's scenarios again; a plan
    looked up joins them.
    """
    from tools.planning.tools import PlanArgs  # the plan's tools import it first

    session.plan_id = plan.plan_id
    scenarios = session.focus.scenarios
    if isinstance(args, PlanArgs) and plan.parent_id is None:
        session.focus.scenarios = [plan.plan_id]
    elif plan.plan_id not in scenarios:
        scenarios.append(plan.plan_id)


def remember_what_if(
    session: Session, args: Any, change: WhatIf, scope: TurnScope
) -> None:
    """A re-plan becomes "the plan" unless it assumed hypothetical extra slots.

    Both plans are the conversation's scenarios (to compare, or to choose from).
    """
    if not any(n > 0 for n in change.change.extra_capacity.values()):
        session.plan_id = change.after_id
    scenarios = session.focus.scenarios
    for plan_id in (change.before_id, change.after_id):
        if plan_id not in scenarios:
            scenarios.append(plan_id)


def remember_found(
    session: Session, args: Any, found: CustomerList, scope: TurnScope
) -> None:
    """The customers last listed ("those", "them", "of those"): rows and handle."""
    session.focus.found = [row.customer_id for row in found.rows]
    session.focus.found_parent = getattr(args, "among", None)
    session.focus.found_list = found.list_id
    session.focus.last_list = "customers"
    if hasattr(args, "model_dump"):  # its definition: what "those" are
        kept = session.focus.list_filters
        kept.pop(found.list_id, None)
        kept[found.list_id] = args.model_dump(
            mode="json", exclude={"order_by", "limit"}, exclude_defaults=True
        )
        for old in list(kept)[:-KEPT_LISTS]:
            del kept[old]
