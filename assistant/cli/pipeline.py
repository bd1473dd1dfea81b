"""The original one-shot pipeline, without a model.

data → journey → recommend → allocate → if refused, find an alternative → allocate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from tools.allocation import (
    Allocation,
    allocate_treatment,
    ledger_day,
    list_allocations,
)
from tools.contact_time import NextContact
from tools.context import ToolContext
from tools.errors import PolicyBlocked
from tools.treatment import BASELINE, find_alternative_treatment, recommend_treatment


class Refusal(BaseModel):
    """A booking the ledger refused."""

    treatment_key: str
    rule: str
    reason: str


class PipelineResult(BaseModel):
    """What ``cvm recommend`` prints."""

    customer_id: str
    selected_treatment: str
    explanation: str
    reasons: list[str]
    expected_value: float
    allocation: Allocation | None
    status: Literal[
        "allocated",
        "allocated_alternative",
        "already_booked",
        "recommended",
        "no_action",
        "refused",
    ]
    refusals: list[Refusal]
    next_contact: NextContact

    def as_text(self) -> str:
        """A short human-readable report."""
        lines = [
            f"Customer:    {self.customer_id}",
            f"Selected:    {self.selected_treatment} "
            f"(expected value £{self.expected_value:.2f})",
            "Why:",
            *[f"  - {r}" for r in self.reasons],
        ]
        lines += [
            f"Refused:     {r.treatment_key} ({r.rule}: {r.reason})"
            for r in self.refusals
        ]
        if self.allocation:
            lines.append(
                f"Allocation:  #{self.allocation.allocation_id} approved by "
                f"{self.allocation.approved_by}"
            )
        lines += [
            f"Contact:     {self.next_contact.note}",
            f"Status:      {self.status}",
        ]
        return "\n".join(lines)


def _book(
    customer_id: str,
    treatment_key: str,
    approved_by: str,
    ctx: ToolContext,
    refusals: list[Refusal],
) -> Allocation | None:
    """Try one booking; a refusal is recorded, not raised."""
    try:
        return allocate_treatment(customer_id, treatment_key, approved_by, ctx)
    except PolicyBlocked as exc:
        refusals.append(
            Refusal(treatment_key=treatment_key, rule=exc.rule, reason=exc.reason)
        )
        return None


def run_pipeline(
    customer_id: str, ctx: ToolContext, approved_by: str, allocate: bool = True
) -> PipelineResult:
    """Recommend and book the next best action, falling back once when refused.

    Args:
        customer_id: The customer.
        ctx: Configuration and ledger.
        approved_by: Who approved the booking (the person running the command).
        allocate: Book the recommendation; False only recommends.
    """
    rec = recommend_treatment(customer_id, ctx)  # runs the data and journey steps
    choice, refusals, allocation = rec.top, list[Refusal](), None
    status = "no_action" if choice.treatment_key == BASELINE else "recommended"
    booked = list_allocations(
        ctx, customer_id=rec.customer_id, day=ledger_day(ctx.config)
    )
    if allocate and booked:
        status, allocation = "already_booked", booked[0]
    elif allocate and choice.treatment_key != BASELINE:
        allocation = _book(
            rec.customer_id, choice.treatment_key, approved_by, ctx, refusals
        )
        status = "allocated" if allocation else "refused"
        if allocation is None:
            alt = find_alternative_treatment(
                rec.customer_id, exclude_treatments=[choice.treatment_key], ctx=ctx
            )
            if alt.alternative and alt.alternative.treatment_key != BASELINE:
                choice = alt.alternative
                allocation = _book(
                    rec.customer_id, choice.treatment_key, approved_by, ctx, refusals
                )
                status = "allocated_alternative" if allocation else "refused"
    return PipelineResult(
        customer_id=rec.customer_id,
        selected_treatment=choice.treatment_key,
        explanation="; ".join(choice.reasons),
        reasons=choice.reasons,
        expected_value=choice.score.expected_value,
        allocation=allocation,
        status=status,  # type: ignore[arg-type]
        refusals=refusals,
        next_contact=choice.next_contact,
    )
