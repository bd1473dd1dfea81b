"""How successful tool results update the conversation's state and the turn.

Results stay typed: the session keeps the tools' own pydantic objects (the
recommendation, the proposed option, bookings), never their JSON views. A proposal
becomes the pending action the analyst can confirm (``yes`` / Approve), but only
for a customer in the turn's focus: a model looking at another customer widens
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.approvals.actions import booking_action
from assistant.conversation.session import Session, ToolCallRecord, Turn
from tools.allocation import Allocation
from tools.planning.booking import PlanBooking
from tools.planning.model import Plan
from tools.planning.whatif import WhatIf
from tools.recommendation import Alternative, RankedTreatment, Recommendation
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from assistant.approvals.scope import TurnScope


def remember(
    session: Session, turn: Turn, record: ToolCallRecord, scope: TurnScope
) -> None:
    """Update the current customer, last proposal and bookings from a tool result.

    Args:
        session: The conversation.
        turn: This turn's record.
        record: A tool call that just ran.
        scope: The turn's scope (its focus decides whose results may count).
    """
    value = record.value
    if not record.ok or value is None:
        return
    if _remember_plan(session, record):
        return
    customer = getattr(value, "customer_id", None)
    in_focus = isinstance(customer, str) and (
        not scope.focus or customer in scope.focus
    )
    if in_focus and record.name not in {"release_allocation", "list_bookings"}:
        session.customer_id = customer
    if isinstance(value, Recommendation) and in_focus:
        session.last_recommendation = value
        propose(session, turn, value.top, value.customer_id, scope)
    elif (
        isinstance(value, Alternative)
        and in_focus
        and value.alternative is not None
        and value.alternative.treatment_key != BASELINE
    ):
        propose(session, turn, value.alternative, value.customer_id, scope)
    elif isinstance(value, Allocation) and record.name == "allocate_treatment":
        session.allocations.append(value)
        turn.allocations.append(record.result or {})
    elif isinstance(value, Allocation) and record.name == "release_allocation":
        session.allocations = [
            a for a in session.allocations if a.allocation_id != value.allocation_id
        ]


def _remember_plan(session: Session, record: ToolCallRecord) -> bool:
    """Which plan "the plan" means (a booked plan is no longer pending)."""
    value = record.value
    if isinstance(value, Plan):
        session.plan_id = value.plan_id
    elif isinstance(value, WhatIf):
        # A plan with hypothetical extra slots is for comparison, not for booking.
        if not any(n > 0 for n in value.change.extra_capacity.values()):
            session.plan_id = value.after_id
    elif isinstance(value, PlanBooking):
        session.pending_plan = None
    else:
        return False
    return True


def propose(
    session: Session,
    turn: Turn,
    option: RankedTreatment,
    customer: str | None = None,
    scope: TurnScope | None = None,
) -> None:
    """Make ``option`` the proposal: what "book it" and the card refer to.

    With ``customer``, booking it is also held as the pending action the analyst
    can confirm (and presented this turn when a ``scope`` is given). Without, only
    the proposal changes (the planner keeping the option under discussion), so an
    action the analyst declined is never silently held again.
    """
    session.proposal = option
    turn.recommended = option.treatment_key
    if customer is None:
        _follow(session, option)
        return
    session.proposal_for = customer
    if option.treatment_key == BASELINE:
        return
    held = session.hold(booking_action(customer, option, session.turns))
    if scope is not None:
        scope.presented = held
    elif session.current is turn:
        turn.pending = held


def _follow(session: Session, option: RankedTreatment) -> None:
    """A pending proposal follows the option kept under discussion.

    Only a live proposal is replaced; an action the analyst declined stays gone.
    """
    pending, customer = session.pending, session.proposal_for
    if (
        pending is not None
        and pending.source == "proposal"
        and customer is not None
        and pending.customers == (customer,)
        and pending.arguments["treatment_key"] != option.treatment_key
        and option.treatment_key != BASELINE
    ):
        session.hold(booking_action(customer, option, pending.turn))


def withdraw(session: Session, turn: Turn) -> None:
    """Nothing is proposed any more (e.g. after comparing several customers)."""
    session.proposal = None
    session.proposal_for = None
    turn.recommended = None
    if session.pending and session.pending.source == "proposal":
        session.drop("several customers were compared")
