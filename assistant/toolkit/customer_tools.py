"""The tools about one customer and their bookings, declared whole (see the registry).

The customer's record and journey, the recommendation and its alternative, open
service problems, the next lawful contact, capacity and the bookings; booking and
cancelling are the WRITEs (approvals in :mod:`assistant.toolkit.writes`).
"""

from __future__ import annotations

from typing import Any

from assistant.toolkit import effects, views, writes
from assistant.toolkit.spec import ToolSpec, dump
from assistant.views import charts
from tools import (
    allocation,
    bookings,
    contact_times,
    data,
    journey,
    service_problems,
    treatment,
)

SPECS: list[ToolSpec[Any, Any]] = [
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
]
