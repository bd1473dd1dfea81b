"""The tools the model may call: one spec each, found by name.

Every tool is declared once here, whole (:class:`~assistant.toolkit.spec.ToolSpec`):
its function in ``tools/`` and arguments model (the strict JSON schema derives from
it), READ or WRITE with its approval, its effect on the session, its model-facing
view and its chart.

Adding a READ tool: write the typed function (and its arguments and result models)
in ``tools/``, then add ``ToolSpec(fn, Args, "READ", view)`` below. Adding a WRITE
tool: the same with ``"WRITE"`` and an :class:`~assistant.toolkit.spec.Approval` in
:mod:`assistant.toolkit.writes`; the guard then holds it for the analyst's
confirmation by itself.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from assistant.toolkit import (
    approval_tools,
    catalogue_tools,
    effects,
    outcome_tools,
    views,
    writes,
)
from assistant.toolkit.spec import Kind, ToolSpec, dump
from assistant.views import base_charts, charts
from tools import (
    allocation,
    base_queries,
    bookings,
    catalogue,
    contact_times,
    data,
    journey,
    service_problems,
    treatment,
)
from tools.planning import compare
from tools.planning import tools as planning
from tools.planning.booking import book_plan

_SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(
        data.get_customer_data,
        data.CustomerIdArgs,
        "READ",
        views.customer_view,
        effect=effects.focus_customer,
    ),
    ToolSpec(
        journey.build_journey,
        data.CustomerIdArgs,
        "READ",
        views.journey_view,
        effect=effects.focus_customer,
        chart=charts.journey_charts,
    ),
    ToolSpec(
        journey.analyze_journey,
        data.CustomerIdArgs,
        "READ",
        dump,
        effect=effects.focus_customer,
    ),
    ToolSpec(
        treatment.recommend_treatment,
        data.CustomerIdArgs,
        "READ",
        views.recommendation_view,
        effect=effects.remember_recommendation,
    ),
    ToolSpec(
        treatment.find_alternative_treatment,
        treatment.AlternativeArgs,
        "READ",
        views.alternative_view,
        effect=effects.focus_customer,
    ),
    ToolSpec(
        service_problems.open_service_problems,
        data.CustomerIdArgs,
        "READ",
        dump,
        effect=effects.focus_customer,
    ),
    ToolSpec(
        contact_times.next_contact_times,
        data.CustomerIdArgs,
        "READ",
        dump,
        effect=effects.focus_customer,
    ),
    ToolSpec(catalogue.list_treatments, allocation.NoArgs, "READ", dump),
    ToolSpec(
        allocation.check_availability,
        allocation.AvailabilityArgs,
        "READ",
        dump,
        chart=charts.availability_chart,
    ),
    ToolSpec(
        allocation.get_constraints,
        allocation.NoArgs,
        "READ",
        dump,
        chart=charts.capacity_charts,
    ),
    ToolSpec(
        bookings.list_bookings,
        bookings.BookingsArgs,
        "READ",
        views.bookings_view,
    ),
    ToolSpec(
        allocation.allocate_treatment,
        allocation.AllocateArgs,
        "WRITE",
        views.allocation_view,
        approval=writes.BOOK,
        effect=effects.remember_booking,
        override_param="overrides",
    ),
    ToolSpec(
        allocation.release_allocation,
        allocation.ReleaseArgs,
        "WRITE",
        views.allocation_view,
        approval=writes.RELEASE,
        effect=effects.forget_booking,
        approver_param="released_by",
    ),
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
    ToolSpec(
        book_plan,
        planning.BookPlanArgs,
        "WRITE",
        dump,
        approval=writes.BOOK_PLAN,
    ),
    ToolSpec(
        base_queries.find_customers,
        base_queries.FindArgs,
        "READ",
        dump,
        effect=effects.remember_found,
        chart=base_charts.found_charts,
    ),
    ToolSpec(
        base_queries.summarise_base,
        base_queries.SummariseArgs,
        "READ",
        dump,
        chart=base_charts.summary_charts,
    ),
    ToolSpec(base_queries.base_figures, base_queries.FiguresArgs, "READ", dump),
    ToolSpec(base_queries.export_list, base_queries.ExportArgs, "READ", dump),
    *catalogue_tools.SPECS,
    *approval_tools.SPECS,
    *outcome_tools.SPECS,
]
TOOLS: dict[str, ToolSpec[Any, Any]] = {s.name: s for s in _SPECS}


def spec(name: str) -> ToolSpec[Any, Any]:
    """The spec of a tool by name (KeyError when there is none)."""
    return TOOLS[name]


def names(kind: Kind | None = None) -> frozenset[str]:
    """Names of the tools (of one kind)."""
    return frozenset(n for n, s in TOOLS.items() if kind is None or s.kind == kind)


@lru_cache(maxsize=1)
def tool_schemas() -> list[dict[str, Any]]:
    """Every tool's definition, in registry order (computed once; read-only)."""
    return [s.schema() for s in TOOLS.values()]
