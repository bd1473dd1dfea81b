"""The plan as a stored, typed object, and its compact JSON view."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from tools.lazy_model import LazyModel
from tools.planning.request import PlanRequest


class TreatmentLine(LazyModel):
    """One treatment in a plan."""

    display_name: str
    channel: str
    count: int = Field(description="Customers planned for it.")
    capacity: int | None = Field(description="Slots left today (None = unlimited).")
    value: float = Field(description="Expected value of those bookings, pounds.")
    spend: float = Field(description="Their cost, pounds.")
    shadow_price: float = Field(description="What one more slot would add, pounds.")


class Baselines(LazyModel):
    """The value of booking without a plan, same candidates and limits."""

    first_come: float = Field(description="Customers in id order, best free option.")
    greedy_by_value: float = Field(description="Highest-EV pairs first.")
    first_come_assigned: int = 0
    greedy_assigned: int = 0


class HeldOut(LazyModel):
    """A customer the plan would have contacted, held out (no contact, never booked)."""

    customer_id: str
    treatment_key: str
    expected_value: float
    converted: bool | None = Field(
        None,
        description="Whether they took the treatment's outcome with no contact, as "
        "measured afterwards (None: not measured).",
    )
    realised_value: float | None = Field(
        None, description="The value they realised with no contact (None: unknown)."
    )


class PlanArms(LazyModel):
    """The plan's control groups (:mod:`tools.planning.holdout`)."""

    holdout_share: float
    challenger_share: float
    challenger: str = Field(description="The challenger strategy (first_come).")
    rule: str = Field(description="How each customer's arm is drawn (auditable).")
    held_out: int = Field(0, description="Customers held out: no contact.")
    held_out_value: float = Field(0.0, description="Their expected value, pounds.")
    challenger_assigned: int = Field(0, description="Bookings by the challenger.")
    challenger_value: float = Field(0.0, description="Their expected value, pounds.")


class Plan(LazyModel):
    """A campaign plan for one day: who gets what, its value and how good it is."""

    plan_id: str = ""
    created_at: datetime
    day: date
    request: PlanRequest
    parent_id: str | None = Field(None, description="The plan a what-if changed.")
    hypothetical: bool = Field(
        False, description="Limits beyond the configuration: not bookable."
    )
    solver: str
    customers: int = Field(description="Customers in scope.")
    candidates: int = Field(description="Lawful customer x treatment pairs.")
    assigned: int
    expected_value: float
    upper_bound: float
    gap: float
    spend: float
    by_treatment: dict[str, TreatmentLine]
    baselines: Baselines
    budget_prices: dict[str, float] = Field(default_factory=dict)
    seconds: float = 0.0
    catalogue_version: int = Field(1, description="The catalogue version planned on.")
    arms: PlanArms | None = Field(None, description="Holdout and challenger, if any.")
    held_out_rows: list[HeldOut] = Field(
        default_factory=list, description="Who was held out, with what (audit)."
    )

    @property
    def planned_value(self) -> float:
        """The optimised value before the holdout (what the baselines compare with).

        The baselines book the same candidates with nobody held out; the plan's
        ``expected_value`` leaves the held-out customers out.
        """
        held = self.arms.held_out_value if self.arms is not None else 0.0
        return round(self.expected_value + held, 2)

    def summary(self) -> dict[str, Any]:
        """The fields of ``cvm plan --json``."""
        return {
            "plan_id": self.plan_id,
            "customers": self.customers,
            "assigned": self.assigned,
            "expected_value": round(self.expected_value, 2),
            "upper_bound": round(self.upper_bound, 2),
            "gap": round(self.gap, 6),
            "by_treatment": {
                k: {
                    "count": line.count,
                    "capacity": line.capacity,
                    "value": round(line.value, 2),
                    "shadow_price": round(line.shadow_price, 2),
                }
                for k, line in self.by_treatment.items()
            },
            "baselines": {
                "first_come": round(self.baselines.first_come, 2),
                "greedy_by_value": round(self.baselines.greedy_by_value, 2),
            },
        }
