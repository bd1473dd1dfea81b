"""How successful tool results update the conversation's state and the turn.

Results stay typed: the session keeps the tools' own pydantic objects (the
recommendation, the proposed option, bookings), never their JSON views.
"""

from __future__ import annotations

from assistant.session import Session, ToolCallRecord, Turn
from tools.allocation import Allocation
from tools.planning.booking import PlanBooking
from tools.planning.model import Plan
from tools.planning.whatif import WhatIf
from tools.treatment import BASELINE, Alternative, RankedTreatment, Recommendation


def remember(session: Session, turn: Turn, record: ToolCallRecord) -> None:
    """Update the current customer, last proposal and bookings from a tool result."""
    value = record.value
    if record.name == "book_plan" and record.rule == "APPROVAL":
        args = record.arguments if isinstance(record.arguments, dict) else {}
        session.pending_plan = str(args.get("plan_id") or "") or None
    if not record.ok or value is None:
        return
    if record.name != "get_plan":
        session.pending_plan = None  # the conversation moved on: approval lapses
    if _remember_plan(session, record):
        return
    customer = getattr(value, "customer_id", None)
    if isinstance(customer, str) and record.name != "release_allocation":
        session.customer_id = customer
    if isinstance(value, Recommendation):
        session.last_recommendation = value
        propose(session, turn, value.top)
    elif isinstance(value, Alternative) and value.alternative is not None:
        if value.alternative.treatment_key != BASELINE:
            propose(session, turn, value.alternative)
    elif isinstance(value, Allocation) and record.name == "allocate_treatment":
        session.allocations.append(value)
        turn.allocations.append(record.result or {})
    elif isinstance(value, Allocation) and record.name == "release_allocation":
        session.allocations = [
            a for a in session.allocations if a.allocation_id != value.allocation_id
        ]


def _remember_plan(session: Session, record: ToolCallRecord) -> bool:
    """Which plan "the plan" means, and whether one waits for approval."""
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


def propose(session: Session, turn: Turn, option: RankedTreatment) -> None:
    """Make ``option`` the proposal: what "book it" and the card refer to."""
    session.proposal = option
    turn.recommended = option.treatment_key


def withdraw(session: Session, turn: Turn) -> None:
    """Nothing is proposed any more (e.g. after comparing several customers)."""
    session.proposal = None
    turn.recommended = None
