"""Reading the bookings in the ledger (never changes them): pages, one by id.

:func:`allocation_page` and :func:`list_allocations` (newest first, a page at a
time), :func:`get_allocation` (one by id), and the Bookings tool
(:func:`list_bookings`, active bookings for the model). Booking and releasing are
:mod:`tools.allocation`'s.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field

from tools.allocation_results import (
    MAX_ALLOCATION_ID,
    Allocation,
    AllocationPage,
    allocation_of,
)
from tools.context import ToolContext
from tools.lazy_model import LazyModel
from tools.ledger.days import ledger_day
from tools.ledger.model import BookingQuery

DEFAULT_PAGE = 100  # bookings per listing page
MAX_PAGE = 10_000


def get_allocation(allocation_id: int, ctx: ToolContext) -> Allocation | None:
    """One booking by id, active or released (None when there is no such booking)."""
    if not 1 <= allocation_id <= MAX_ALLOCATION_ID:  # ids are 64-bit integers
        return None
    found = ctx.ledger.get_booking(allocation_id)
    return allocation_of(found, ctx.config) if found else None


def allocation_page(
    ctx: ToolContext,
    customer_id: str | None = None,
    day: date | None = None,
    include_released: bool = False,
    all_days: bool = False,
    limit: int | None = DEFAULT_PAGE,
    before_id: int | None = None,
    count: bool = True,
) -> AllocationPage:
    """Bookings in the ledger, newest first, one page, with the total matching.

    Without ``day``, ``customer_id`` or ``all_days`` the listing is today's (the
    ledger day now), so it never reads the whole ledger.

    Args:
        ctx: Configuration, ledger and clock.
        customer_id: Only this customer's bookings (every day).
        day: Only this day's bookings.
        include_released: Include cancelled bookings.
        all_days: Every day (newest first); use ``limit`` and ``before_id`` to page.
        limit: At most this many bookings (None: no limit, for small ledgers).
        before_id: Only bookings with a smaller id (the next page after that id).
        count: Count the total matching (False: ``total`` is the page's length).
    """
    if day is None and not customer_id and not all_days:
        day = ledger_day(ctx.config, ctx.now())
    query = BookingQuery(
        customer_id=customer_id.upper() if customer_id else None,
        day=day,
        include_released=include_released,
        before_id=None if before_id is None else min(before_id, MAX_ALLOCATION_ID),
        limit=None if limit is None else max(0, min(limit, MAX_PAGE)),
        count=count,
    )
    found = ctx.ledger.list_bookings(query)
    rows = [allocation_of(b, ctx.config) for b in found.bookings]
    return AllocationPage(
        allocations=rows, total=len(rows) if found.total is None else found.total
    )


def list_allocations(
    ctx: ToolContext,
    customer_id: str | None = None,
    day: date | None = None,
    include_released: bool = False,
    all_days: bool = False,
    limit: int | None = DEFAULT_PAGE,
    before_id: int | None = None,
) -> list[Allocation]:
    """Bookings in the ledger, newest first, one page (without the total).

    As :func:`allocation_page`, whose arguments it takes.
    """
    return allocation_page(
        ctx, customer_id, day, include_released, all_days, limit, before_id, False
    ).allocations


class BookingsArgs(LazyModel):
    """Arguments of ``list_bookings``."""

    customer_id: str | None = Field(
        None, description="Customer id, or null for everyone."
    )
    today_only: bool = Field(True, description="Only today's.")
    days_ago: int | None = Field(None, ge=0, le=366, description="1: yesterday's.")


class Bookings(LazyModel):
    """Active bookings, newest first: one page and how many there are in all."""

    day: date
    customer_id: str | None
    today_only: bool
    total: int = Field(description="Active bookings matching, across every page.")
    bookings: list[Allocation] = Field(description="The newest of them (one page).")


def list_bookings(
    customer_id: str | None = None,
    today_only: bool = True,
    days_ago: int | None = None,
    *,
    ctx: ToolContext,
) -> Bookings:
    """List active bookings, newest first (read only; today's by default).

    Args:
        customer_id: Only this customer's bookings (None: every customer).
        today_only: Only today's bookings (False: every active booking).
        days_ago: Only the bookings of this many days ago (1: yesterday);
            overrides ``today_only``.
        ctx: Configuration, ledger and clock.
    """
    one_day = days_ago is not None or today_only
    day = ledger_day(ctx.config, ctx.now()) - timedelta(days=days_ago or 0)
    page = allocation_page(  # newest first, one page (DEFAULT_PAGE bookings)
        ctx,
        customer_id=customer_id,
        day=day if one_day else None,
        all_days=not one_day,
    )
    return Bookings(
        day=day,
        customer_id=customer_id.upper() if customer_id else None,
        today_only=one_day,
        total=page.total,
        bookings=page.allocations,
    )
