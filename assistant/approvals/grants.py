"""Which one action an analyst's order approves (book, cancel or confirm).

:func:`resolve` maps an :class:`~assistant.approvals.orders.Order` to the exact
:class:`~assistant.approvals.actions.PendingAction` it approves: the pending action a
"yes" confirms, the booking "book it" names (the proposal, or a treatment named), or
the booking "cancel booking #3" releases. A cancel of a booking not made in this
conversation approves nothing: it is held as a question to confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.approvals.actions import PendingAction, make_action
from assistant.approvals.orders import Order
from assistant.conversation.session import Session
from tools.allocation import get_allocation
from tools.context import ToolContext
from tools.treatment import BASELINE


@dataclass(frozen=True)
class Resolution:
    """What an order approves: one action to run now, or one to ask about first."""

    grant: PendingAction | None = None
    hold: PendingAction | None = None
    note: str | None = None


NOTHING = Resolution()


def resolve(
    order: Order, focus: tuple[str, ...], session: Session, ctx: ToolContext
) -> Resolution:
    """The one action an order approves, or the one to hold as a question.

    Args:
        order: The analyst's order (book, cancel or confirm).
        focus: The customers in focus this turn.
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
                return Resolution(pending)
        return NOTHING
    if order.kind == "book":
        customer = order.customers[0] if order.customers else session.customer_id
        if not customer:
            return NOTHING
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
            return NOTHING
        args = {"customer_id": customer, "treatment_key": key}
        if proposed and proposed.same_as("allocate_treatment", args):
            return Resolution(proposed)
        return Resolution(
            make_action(
                "allocate_treatment", args, ctx, session.turns, "analyst", False
            )
        )
    return _resolve_cancel(order, focus, session, ctx)


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
    order: Order, focus: tuple[str, ...], session: Session, ctx: ToolContext
) -> Resolution:
    pending = session.pending
    if order.booking_ids:
        booking_id = order.booking_ids[0]
        args = {"allocation_id": booking_id}
        action = make_action("release_allocation", args, ctx, session.turns, "analyst")
        ours = any(a.allocation_id == booking_id for a in session.allocations)
        booking = get_allocation(booking_id, ctx)
        if booking is None or booking.status != "active":
            # Nothing to release: the tool says why and writes nothing.
            return Resolution(action)
        if ours and set(action.customers) <= set(focus):
            # A booking made in this conversation, for a customer in focus.
            return Resolution(action)
        # A booking made elsewhere (another analyst, another customer): ask first,
        # showing whose it is; never release it on the spot.
        return Resolution(
            hold=action, note="booking not made in this conversation: held to confirm"
        )
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
        return Resolution(note="pending booking declined")
    customer = order.customers[0] if order.customers else session.customer_id
    for booked in reversed(session.allocations):
        if booked.customer_id != customer:
            continue
        if order.treatments and booked.treatment_key not in order.treatments:
            continue
        args = {"allocation_id": booked.allocation_id}
        return Resolution(
            make_action(
                "release_allocation", args, ctx, session.turns, "analyst", False
            )
        )
    return NOTHING
