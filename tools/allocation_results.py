"""What the Allocation tools return: bookings, availability and pages of bookings.

Read from the ledger store's typed values (:mod:`tools.ledger.model`) and the
configuration (display names, limits); the tools in :mod:`tools.allocation` make
them, the conversation and the UI read them.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from tools.config import CVMConfig
from tools.contact_time import NextContact
from tools.lazy_model import LazyModel
from tools.ledger.model import DayState, StoredBooking
from tools.rule_verdicts import RuleVerdict

MAX_ALLOCATION_ID = 2**63 - 1  # the largest 64-bit integer (SQLite's and bigint's)


class Allocation(LazyModel):
    """A booking in the ledger."""

    allocation_id: int
    customer_id: str
    treatment_key: str
    display_name: str
    channel: str
    purpose: str
    day: date
    created_at: str
    approved_by: str
    cost: float
    status: str = "active"
    next_contact: NextContact | None = None
    rules: list[RuleVerdict] = Field(default_factory=list)
    overrides: list[str] = Field(
        default_factory=list, description="Rules the analyst overrode to book it."
    )
    catalogue_version: int | None = Field(
        None, description="The treatment catalogue version it was booked on."
    )


class AllocationPage(LazyModel):
    """One page of a listing and how many bookings match in all."""

    allocations: list[Allocation]
    total: int = Field(description="Bookings matching, across every page.")


class Availability(LazyModel):
    """Today's use of one treatment's capacity and budget."""

    treatment_key: str
    display_name: str
    channel: str
    day: date
    max_per_day: int | None
    used: int
    remaining: int | None
    reserved_for_high_value: int
    daily_budget: float | None
    spent: float
    budget_remaining: float | None


class ConstraintsReport(LazyModel):
    """Availability of every treatment today."""

    day: date
    treatments: list[Availability]


def allocation_of(b: StoredBooking, config: CVMConfig) -> Allocation:
    """A stored booking as the tools show it (display name from the config)."""
    t = config.treatments.get(b.treatment_key)
    return Allocation(
        allocation_id=b.allocation_id,
        customer_id=b.customer_id,
        treatment_key=b.treatment_key,
        display_name=t.display_name if t else b.treatment_key,
        channel=b.channel,
        purpose=b.purpose,
        day=b.day,
        created_at=b.created_at,
        approved_by=b.approved_by,
        cost=b.cost,
        status=b.status,
        rules=list(b.rules),
        overrides=list(b.overrides),
        catalogue_version=b.catalogue_version,
    )


def availability(key: str, state: DayState, config: CVMConfig) -> Availability:
    """One treatment's capacity and budget used and left on the state's day."""
    t = config.treatment(key)
    c = config.constraints.get(key)
    used, spent = state.used.get(key, 0), round(state.spent.get(key, 0.0), 2)
    return Availability(
        treatment_key=key,
        display_name=t.display_name,
        channel=t.channel,
        day=state.day,
        max_per_day=c.max_per_day if c else None,
        used=used,
        remaining=max(0, c.max_per_day - used) if c else None,
        reserved_for_high_value=int(c.reserved_share * c.max_per_day) if c else 0,
        daily_budget=c.daily_budget if c else None,
        spent=spent,
        budget_remaining=round(c.daily_budget - spent, 2)
        if c and c.daily_budget is not None
        else None,
    )
