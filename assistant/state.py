"""How successful tool results update the conversation's state and the turn.

Results stay typed: the session keeps the tools' own pydantic objects (the
recommendation, the proposed option, bookings), never their JSON views.
"""

from __future__ import annotations

from assistant.session import Session, ToolCallRecord, Turn
from tools.allocation import Allocation
from tools.treatment import BASELINE, Alternative, RankedTreatment, Recommendation


def remember(session: Session, turn: Turn, record: ToolCallRecord) -> None:
    """Update the current customer, last proposal and bookings from a tool result."""
    value = record.value
    if not record.ok or value is None:
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


def propose(session: Session, turn: Turn, option: RankedTreatment) -> None:
    """Make ``option`` the proposal: what "book it" and the card refer to."""
    session.proposal = option
    turn.recommended = option.treatment_key


def withdraw(session: Session, turn: Turn) -> None:
    """Nothing is proposed any more (e.g. after comparing several customers)."""
    session.proposal = None
    turn.recommended = None
