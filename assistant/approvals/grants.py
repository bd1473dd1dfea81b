"""Which one action an analyst's order approves (book, cancel or confirm).

:func:`resolve` maps an :class:`~assistant.approvals.orders.Order` to the exact
:class:`~assistant.approvals.actions.PendingAction` it approves: the pending action a
"yes" confirms, the booking "book it" names (the proposal, or a treatment named), or
the booking "cancel booking #3" releases. A cancel of a booking not made in this
conversation approves nothing: it is held on the scope as a question to confirm.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.approvals.actions import PendingAction, make_action
from assistant.approvals.orders import Order
from assistant.session import Session
from tools.allocation import get_allocation
from tools.context import ToolContext
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from assistant.approvals.scope import TurnScope


def resolve(
    order: Order, scope: TurnScope, session: Session, ctx: ToolContext
) -> PendingAction | None:
    """The one action an order approves (None: it approves nothing).

    Args:
        order: The analyst's order (book, cancel or confirm).
        scope: The turn's scope; a cancel of a booking made elsewhere is held on it.
        session: The conversation (its pending action, proposal and bookings).
        ctx: Configuration and ledger.
    """
    pending = session.pending
    if order.kind == "confirm":
        if pending and set(order.customers) <= set(
            pending.customers or order.customers
        ):
            if (
                not order.treatments
                or pending.arguments.get("treatment_key") in order.treatments
            ):
                return pending
        return None
    if order.kind == "book":
        customer = order.customers[0] if order.customers else session.customer_id
        if not customer:
            return None
        proposed = (
            pending
            if pending
            and pending.tool == "allocate_treatment"
            and pending.customers == (customer,)
            else None
        )
        proposal = session.proposal
        if order.reference == "named":
            key = order.treatments[0]
        elif (
            proposal is not None
            and session.proposal_for == customer
            and proposal.treatment_key != BASELINE
            and _phrase_fits(order, proposal.display_name)
        ):
            key = proposal.treatment_key  # what the analyst sees proposed
        elif proposed and _phrase_fits(order, proposed.title):
            key = proposed.arguments["treatment_key"]
        else:
            return None
        args = {"customer_id": customer, "treatment_key": key}
        if proposed and proposed.same_as("allocate_treatment", args):
            return proposed
        return make_action(
            "allocate_treatment", args, ctx, session.turns, "analyst", False
        )
    return _resolve_cancel(order, scope, session, ctx)


def _phrase_fits(order: Order, title: str) -> bool:
    """Whether "book the call back" names the proposed treatment."""
    if order.reference != "phrase":
        return True
    words = set(re.findall(r"[a-z]+", order.phrase.lower())) - {
        "a",
        "an",
        "the",
        "this",
        "that",
        "one",
        "slot",
        "for",
        "booking",
    }
    title_words = set(re.findall(r"[a-z]+", title.lower().replace("-", " ")))
    return not words or words <= title_words


def _resolve_cancel(
    order: Order, scope: TurnScope, session: Session, ctx: ToolContext
) -> PendingAction | None:
    pending = session.pending
    if order.booking_ids:
        booking_id = order.booking_ids[0]
        args = {"allocation_id": booking_id}
        action = make_action("release_allocation", args, ctx, session.turns, "analyst")
        ours = any(a.allocation_id == booking_id for a in session.allocations)
        booking = get_allocation(booking_id, ctx)
        if booking is None or booking.status != "active":
            return action  # nothing to release: the tool says why, writes nothing
        if ours and set(action.customers) <= set(scope.focus):
            return action  # a booking made in this conversation, customer in focus
        # A booking made elsewhere (another analyst, another customer): ask first,
        # showing whose it is; never release it on the spot.
        scope.held = scope.presented = session.hold(action)
        scope.notes.append("booking not made in this conversation: held to confirm")
        return None
    if (
        pending
        and pending.tool == "allocate_treatment"
        and (
            order.reference == "proposed"
            or pending.arguments["treatment_key"] in order.treatments
        )
    ):
        session.drop("the analyst cancelled it before it was booked")
        session.declined = pending
        scope.notes.append("pending booking declined")
        return None
    customer = order.customers[0] if order.customers else session.customer_id
    for booked in reversed(session.allocations):
        if booked.customer_id != customer:
            continue
        if order.treatments and booked.treatment_key not in order.treatments:
            continue
        args = {"allocation_id": booked.allocation_id}
        return make_action(
            "release_allocation", args, ctx, session.turns, "analyst", False
        )
    return None
