"""What came of one customer's bookings: each with its outcome, if recorded (READ).

For "did U124 accept?", "has U128 taken it up?": the customer's active bookings,
newest first, each with the outcome recorded for it (status, day, realised value)
or none yet. Reads the ledger only (:meth:`tools.ledger.outcomes.OutcomeVerbs
.get_outcomes`); recording is :func:`tools.outcomes.record_outcome`.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from tools.allocation import allocation_page
from tools.context import ToolContext
from tools.lazy_model import LazyModel
from tools.ledger.outcomes import OutcomeStatus


class BookingOutcome(LazyModel):
    """One booking and what came of it."""

    allocation_id: int
    treatment_key: str
    display_name: str
    channel: str
    day: date
    status: OutcomeStatus | None = Field(description="None: no outcome recorded yet.")
    on: date | None = None
    value: float | None = None


class CustomerOutcomes(LazyModel):
    """A customer's active bookings, newest first, with their outcomes."""

    customer_id: str
    total: int = Field(description="Active bookings of the customer, in all.")
    bookings: list[BookingOutcome] = Field(description="The newest (one page).")


def customer_outcomes(customer_id: str, *, ctx: ToolContext) -> CustomerOutcomes:
    """What came of a customer's bookings: each with its recorded outcome or none.

    For "did U124 accept?", "has U128 taken it up?" (read only: recording an
    outcome is ``record_outcome``, confirmed by the analyst).

    Args:
        customer_id: The customer.
        ctx: Configuration and ledger.
    """
    page = allocation_page(ctx, customer_id=customer_id, all_days=True)
    found = {
        o.allocation_id: o
        for o in ctx.ledger.get_outcomes([a.allocation_id for a in page.allocations])
    }
    rows = []
    for a in page.allocations:
        o = found.get(a.allocation_id)
        rows.append(
            BookingOutcome(
                allocation_id=a.allocation_id,
                treatment_key=a.treatment_key,
                display_name=a.display_name,
                channel=a.channel,
                day=a.day,
                status=o.status if o else None,
                on=o.on if o else None,
                value=o.value if o else None,
            )
        )
    return CustomerOutcomes(
        customer_id=customer_id.upper(), total=page.total, bookings=rows
    )
