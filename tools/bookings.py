"""The Bookings tool: read the bookings in the ledger (never changes them)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from tools.allocation import Allocation, ledger_day, list_allocations
from tools.context import ToolContext, default_context


class BookingsArgs(BaseModel):
    """Arguments of ``list_bookings``."""

    customer_id: str | None = Field(
        None, description="Customer id, or null for everyone."
    )
    today_only: bool = Field(True, description="Only today's.")


class Bookings(BaseModel):
    """Active bookings, newest first."""

    day: date
    customer_id: str | None
    today_only: bool
    bookings: list[Allocation]


def list_bookings(
    customer_id: str | None = None,
    today_only: bool = True,
    ctx: ToolContext | None = None,
) -> Bookings:
    """List active bookings, newest first (read only; today's by default).

    Args:
        customer_id: Only this customer's bookings (None: every customer).
        today_only: Only today's bookings (False: every active booking).
        ctx: Configuration and ledger (defaults to the ones in force).
    """
    ctx = ctx or default_context()
    day = ledger_day(ctx.config)
    found = list_allocations(  # newest first, one page (DEFAULT_PAGE bookings)
        ctx,
        customer_id=customer_id,
        day=day if today_only else None,
        all_days=not today_only,
    )
    return Bookings(
        day=day,
        customer_id=customer_id.upper() if customer_id else None,
        today_only=today_only,
        bookings=found,
    )
