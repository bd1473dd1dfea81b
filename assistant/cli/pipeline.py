"""The original one-shot pipeline, without a model.

data → journey → recommend → (confirm) → allocate → if refused, the next option →
allocate.
"""

from __future__ import annotations

from collections.abc import Callable
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
from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE, recommend_treatment

Status = Literal[
    "allocated",
    "allocated_alternative",
    "already_booked",
    "recommended",
    "no_action",
    "refused",
]


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
    expected_value: float | None  # None: nothing chosen now (already booked)
    allocation: Allocation | None
    status: Status
    refusals: list[Refusal]
    next_contact: NextContact | None

    def as_text(self) -> str:
        """A short human-readable report."""
        value = (
            ""
            if self.expected_value is None
            else f" (expected value £{self.expected_value:.2f})"
        )
        lines = [
            f"Customer:    {self.customer_id}",
            f"Selected:    {self.selected_treatment}{value}",
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
        if self.next_contact is not None:
            lines.append(f"Contact:     {self.next_contact.note}")
        lines.append(f"Status:      {self.status}")
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


def _result(
    rec: Recommendation,
    choice: RankedTreatment,
    status: Status,
    allocation: Allocation | None = None,
    refusals: list[Refusal] | None = None,
) -> PipelineResult:
    return PipelineResult(
        customer_id=rec.customer_id,
        selected_treatment=choice.treatment_key,
        explanation="; ".join(choice.reasons),
        reasons=choice.reasons,
        expected_value=choice.score.expected_value,
        allocation=allocation,
        status=status,
        refusals=refusals or [],
        next_contact=choice.next_contact,
    )


def _already_booked(rec: Recommendation, booking: Allocation) -> PipelineResult:
    """The customer's booking of today, reported as what was selected for them."""
    why = (
        f"{booking.display_name} is already booked for {booking.customer_id} today "
        f"(#{booking.allocation_id}, approved by {booking.approved_by}); nothing "
        "more is booked for them today"
    )
    return PipelineResult(
        customer_id=rec.customer_id,
        selected_treatment=booking.treatment_key,
        explanation=why,
        reasons=[why],
        expected_value=None,
        allocation=booking,
        status="already_booked",
        refusals=[],
        next_contact=None,
    )


def run_pipeline(
    customer_id: str,
    ctx: ToolContext,
    approved_by: str,
    allocate: bool = True,
    confirm: Callable[[str, str], bool] | None = None,
) -> PipelineResult:
    """Recommend the next best action and book it, falling back once when refused.

    One pass: one recommendation (the kernel decides the customer once; the
    booking reads that decision again from the assessment cache, so a customer
    store changed in between is seen at commit). A customer already booked today
    is reported with that booking and not booked again. The fallback is the
    recommendation's next option (the booking writer re-checks it).

    Args:
        customer_id: The customer.
        ctx: Configuration and ledger.
        approved_by: Who approved the booking (the person running the command).
        allocate: Book the recommendation; False only recommends.
        confirm: Asked (customer id, treatment key) before booking; a False
            answer books nothing. None: booking was approved already (``--yes``).
    """
    rec = recommend_treatment(customer_id, ctx)  # runs the data and journey steps
    choice = rec.top
    if choice.treatment_key == BASELINE:
        return _result(rec, choice, "no_action")
    if not allocate:
        return _result(rec, choice, "recommended")
    day = ledger_day(ctx.config, ctx.now())
    booked = list_allocations(ctx, customer_id=rec.customer_id, day=day)
    if booked:
        return _already_booked(rec, booked[0])
    if confirm is not None and not confirm(rec.customer_id, choice.treatment_key):
        return _result(rec, choice, "recommended")
    refusals: list[Refusal] = []
    allocation = _book(
        rec.customer_id, choice.treatment_key, approved_by, ctx, refusals
    )
    if allocation is not None:
        return _result(rec, choice, "allocated", allocation)
    alt = next((r for r in rec.ranked if r.treatment_key != choice.treatment_key), None)
    if alt is None or alt.treatment_key == BASELINE:
        return _result(rec, choice, "refused", refusals=refusals)
    allocation = _book(rec.customer_id, alt.treatment_key, approved_by, ctx, refusals)
    status: Status = "allocated_alternative" if allocation else "refused"
    return _result(rec, alt, status, allocation, refusals)
