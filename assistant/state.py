"""How successful tool results update the conversation's state and the turn."""

from __future__ import annotations

from assistant.session import Session, ToolCallRecord, Turn
from tools.treatment import BASELINE


def remember(session: Session, turn: Turn, record: ToolCallRecord) -> None:
    """Update the current customer, last proposal and bookings from a tool result."""
    result = record.result
    if not record.ok or result is None:
        return
    customer = result.get("customer_id")
    if customer and record.name != "release_allocation":
        session.customer_id = customer
    if record.name == "recommend_treatment":
        session.proposal = result["top"]
        turn.recommended = session.proposed
        session.last_recommendation = result
    elif (
        record.name == "find_alternative_treatment"
        and (result.get("alternative") or {}).get("treatment_key", BASELINE) != BASELINE
    ):
        session.proposal = result["alternative"]
        turn.recommended = session.proposed
    elif record.name == "allocate_treatment":
        session.allocations.append(result)
        turn.allocations.append(result)
    elif record.name == "release_allocation":
        session.allocations = [
            a
            for a in session.allocations
            if a["allocation_id"] != result["allocation_id"]
        ]
