"""The campaign plan's tools, declared whole (see the registry), and booking a plan.

Making, reading, re-planning and comparing plans (READ) and booking one (WRITE,
held for the analyst's confirmation: :data:`BOOK_PLAN`; a big plan is confirmed by
its id typed back as the whole message).
"""

from __future__ import annotations

from typing import Any

from assistant.core.confirm import GENERIC, PLAN, normalise
from assistant.toolkit import effects, views
from assistant.toolkit.spec import Approval, ToolSpec, dump
from assistant.views.plan_card import booking_answer
from assistant.views.text import money
from tools.context import ToolContext
from tools.errors import CVMError
from tools.planning import compare
from tools.planning import tools as planning
from tools.planning.big_plan import big_plan_reason
from tools.planning.booking import PlanBooking, book_plan
from tools.planning.explain_model import ExplainPlanArgs
from tools.planning.model import Plan
from tools.planning.store import plan_store
from tools.planning.tools import BookPlanArgs


def plan_lines(plan: Plan) -> list[str]:
    """What booking a plan means, in two lines."""
    return [
        f"{plan.assigned:,} bookings for {plan.day:%a %d %b}, expected value "
        f"{money(plan.expected_value)}, cost {money(plan.spend)}.",
        "Every booking is checked again against the contact rules and capacity "
        "when it is made.",
    ]


def _describe_plan(args: BookPlanArgs, ctx: ToolContext) -> tuple[str, list[str]]:
    plan_id = args.plan_id.strip().upper()
    try:
        plan = plan_store(ctx).get(plan_id)
    except CVMError:
        return f"Book plan {plan_id} (no such plan)", []
    lines = plan_lines(plan)
    big = big_plan_reason(plan, ctx.config)
    if big:
        lines.append(
            f"A big plan ({big}): type the plan id **{plan_id}** as the whole "
            "message to confirm it; nothing else books it."
        )
    return f"Book plan {plan_id}", lines


def _plan_confirmations(args: BookPlanArgs, ctx: ToolContext) -> frozenset[str]:
    """The generic and plan confirmations; only the plan id for a big plan."""
    plan_id = args.plan_id.strip().upper()
    try:
        plan = plan_store(ctx).get(plan_id)
    except CVMError:
        return GENERIC | PLAN
    if big_plan_reason(plan, ctx.config):
        return frozenset({normalise(plan_id)})
    n = plan.assigned
    own = {
        "go ahead with the plan",
        "approve the plan",
        "i approve the plan",
        "confirm the plan",
        f"book plan {normalise(plan_id)}",
        f"book all {n}",
        f"book all {n} contacts",
        f"book all {n} bookings",
        f"book the {n} contacts",
        f"book the {n} bookings",
    }
    return GENERIC | PLAN | own


def _check_plan(args: BookPlanArgs, ctx: ToolContext) -> None:
    plan_store(ctx).get(args.plan_id.strip().upper())  # ToolInputError if none


BOOK_PLAN = Approval[BookPlanArgs, PlanBooking](
    verb="book plan",
    key=lambda a: (a.plan_id.strip().upper(),),
    customers=lambda a, ctx: (),
    describe=_describe_plan,
    outcome=lambda result, ctx: booking_answer(result),
    check=_check_plan,
    confirmations=_plan_confirmations,
)


SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(
        planning.plan_campaign,
        planning.PlanArgs,
        "READ",
        views.plan_view,
        effect=effects.remember_plan,
    ),
    ToolSpec(
        planning.get_plan,
        planning.PlanIdArgs,
        "READ",
        views.plan_view,
        effect=effects.remember_plan,
    ),
    ToolSpec(
        planning.plan_what_if,
        planning.WhatIfArgs,
        "READ",
        dump,
        effect=effects.remember_what_if,
    ),
    ToolSpec(
        compare.compare_plans,
        compare.ComparePlansArgs,
        "READ",
        dump,
    ),
    ToolSpec(planning.explain_plan, ExplainPlanArgs, "READ", dump),
    ToolSpec(
        book_plan,
        planning.BookPlanArgs,
        "WRITE",
        dump,
        approval=BOOK_PLAN,
    ),
]
