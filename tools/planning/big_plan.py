"""Whether a plan is big enough to need a second approval (config ``big_plan``).

One definition for every path that books a plan: the chat's pending action (the
plan id typed back), the CLI (``--confirm-plan ID``) and the UI (a second user).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.config import CVMConfig
    from tools.planning.model import Plan

RULE = "SECOND-APPROVAL"  # the rule id of a refusal on a big plan's second approval


def big_plan_reason(plan: Plan, config: CVMConfig) -> str | None:
    """Why the plan needs a second approval, or None when it does not."""
    limits = config.big_plan
    if plan.assigned > limits.contacts:
        return f"{plan.assigned:,} bookings is above the limit of {limits.contacts:,}"
    if plan.spend > limits.spend:
        return f"cost £{plan.spend:,.2f} is above the limit of £{limits.spend:,.2f}"
    return None
