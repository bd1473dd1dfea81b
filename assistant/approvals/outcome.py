"""The analyst-facing reply when an approved action has run (no model involved)."""

from __future__ import annotations

from typing import Any

from assistant.approvals.actions import ACTION_KINDS
from tools.allocation import check_availability
from tools.context import ToolContext


def outcome_text(
    title: str,
    tool: str,
    result: dict[str, Any] | None,
    refusal: str | None,
    ctx: ToolContext,
    value: Any = None,
) -> str:
    """What happened to an approved action, in one short paragraph.

    Args:
        title: The action's title ("Book Marketing Call Back for U124").
        tool: The WRITE tool that ran.
        result: Its result view when it succeeded.
        refusal: ``"RULE: reason"`` (or an error) when it did not.
        ctx: Configuration and ledger (for the capacity left after a booking).
        value: The tool's typed result (for action kinds with their own outcome).
    """
    if refusal or result is None:
        verb = "Nothing cancelled" if tool == "release_allocation" else "Not booked"
        return f"**{verb}:** {title} was refused. {refusal or 'no result'}"
    if tool == "allocate_treatment":
        lines = [
            f"**Booked {result['display_name']} for {result['customer_id']}** — "
            f"allocation #{result['allocation_id']}, approved by "
            f"{result['approved_by']}.",
            f"When: {result.get('next_contact', 'no contact involved')}.",
        ]
        left = check_availability(result["treatment_key"], ctx)
        if left.max_per_day is not None:
            lines.append(
                f"Capacity left today: {left.remaining} of {left.max_per_day}."
            )
        lines.append("Say **cancel it** to release the booking.")
        return "\n".join(lines)
    if tool == "release_allocation":
        return (
            f"Cancelled booking #{result['allocation_id']} "
            f"({result['display_name']} for {result['customer_id']}). "
            "Its slot is free again."
        )
    kind = ACTION_KINDS.get(tool)
    if kind and kind.outcome and value is not None:
        return kind.outcome(value)
    return f"Done: {title}."
