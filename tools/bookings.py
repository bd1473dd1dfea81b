"""The Bookings tool: read the bookings in the ledger (never changes them)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from tools.allocation import Allocation, allocation_page, ledger_day
from tools.context import ToolContext


class BookingsArgs(BaseModel):
    """Arguments of ``list_bookings``."""

    customer_id: str | None = Field(
        None, description="Customer id, or null for everyone."
    )
    today_only: bool = Field(True, description="Only today's.")


class Bookings(BaseModel):
    """Active bookings, newest first: one page and how many there are in all."""

    day: date
    customer_id: str | None
    today_only: bool
    total: int = Field(description="Active bookings matching, across every page.")
    bookings: list[Allocation] = Field(description="The newest of them (one page).")


def list_bookings(
    customer_id: str | None = None,
    today_only: bool = True,
    *,
    ctx: ToolContext,
) -> Bookings:
    """List active bookings, newest first (read only; today's by default).

    Args:
        customer_id: Only this customer's bookings (None: every customer).
        today_only: Only today's bookings (False: every active booking).
        ctx: Configuration, ledger and clock.
    """
    day = ledger_day(ctx.config, ctx.now())
    page = allocation_page(  # newest first, one page (DEFAULT_PAGE bookings)
        ctx,
        customer_id=customer_id,
        day=day if today_only else None,
        all_days=not today_only,
    )
    return Bookings(
        day=day,
        customer_id=customer_id.upper() if customer_id else None,
        today_only=today_only,
        total=page.total,
        bookings=page.allocations,
    )
