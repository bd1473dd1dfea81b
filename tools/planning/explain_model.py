"""What ``explain_plan`` answers: who a plan contacts, holds out and leaves out, why.

Typed results of :func:`tools.planning.explain.explain_plan` (the reasons a
customer in a plan's scope was not contacted, each with its counts and examples).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from tools.lazy_model import LazyModel

Reason = Literal[
    "no_lawful_action",
    "not_worth_contacting",
    "capacity_or_budget",
    "booked_already",
    "left_out_on_request",
]
# the order reasons are told in
REASONS: tuple[Reason, ...] = (
    "no_lawful_action",
    "not_worth_contacting",
    "capacity_or_budget",
    "booked_already",
    "left_out_on_request",
)
EXAMPLES = 10  # example customer ids kept per reason


class ExplainPlanArgs(LazyModel):
    """Arguments of ``explain_plan``."""

    plan_id: str | None = Field(None, description="The plan (null: the latest).")
    customer_id: str | None = Field(
        None, description="A customer whose place in the plan to say (in or out, why)."
    )


class CustomerInPlan(LazyModel):
    """Where one customer stands in a plan, and why."""

    customer_id: str
    status: Literal["contacted", "held_out", "left_out", "not_in_scope"]
    treatment_key: str | None = Field(None, description="Their treatment, if in it.")
    expected_value: float | None = None
    reason: Reason | None = Field(None, description="Why left out (status left_out).")
    rules: list[str] = Field(
        default_factory=list, description="The rules blocking their treatments."
    )


class RuleCount(LazyModel):
    """How many left-out customers a rule blocks (any of their treatments)."""

    rule: str = Field(description="The rule id (CONSENT, SUITABILITY, ...).")
    customers: int


class LimitCount(LazyModel):
    """A treatment at its limit that left-out customers had as a worthwhile option."""

    treatment_key: str
    customers: int = Field(description="Left-out customers who had it as an option.")
    capacity: int | None = Field(None, description="The plan's slots for it.")


class LeftOut(LazyModel):
    """Customers in scope not contacted for one reason, with examples."""

    reason: Reason
    customers: int
    examples: list[str] = Field(
        default_factory=list, description=f"Up to {EXAMPLES} customer ids."
    )
    rules: list[RuleCount] = Field(
        default_factory=list,
        description="no_lawful_action: customers per rule blocking any of their "
        "treatments (a customer counts under each such rule), most first.",
    )
    first_reason: str | None = Field(
        None,
        description="no_lawful_action: the most common first reason (the rule "
        "blocking most of a customer's treatments).",
    )
    full: list[LimitCount] = Field(
        default_factory=list,
        description="capacity_or_budget: the full treatments they wanted.",
    )
    budgets: list[str] = Field(
        default_factory=list,
        description="capacity_or_budget: the budgets that bound (budget:total, ...).",
    )


class BudgetUse(LazyModel):
    """A budget the plan was made within and what is left of it."""

    key: str = Field(description="budget:total or budget:<channel>.")
    pounds: float
    spent: float
    left: float


class TreatmentTotal(LazyModel):
    """One treatment's share of the plan: customers, cost and expected value."""

    treatment_key: str
    display_name: str
    customers: int
    spend: float
    expected_value: float


class PlanExplanation(LazyModel):
    """Who a plan contacts, holds out and leaves out (and why), and its totals."""

    plan_id: str
    day: date
    catalogue_version: int
    decision_date: date | None = Field(
        None, description="The date the kernel read the customers' data as of."
    )
    hypothetical: bool = False
    customers_in_scope: int
    contacted: int
    held_out: int = Field(description="Held out at random (control group).")
    left_out: int = Field(description="In scope, neither contacted nor held out.")
    reasons: list[LeftOut] = Field(default_factory=list)
    expected_value: float
    spend: float
    budgets: list[BudgetUse] = Field(default_factory=list)
    customer: CustomerInPlan | None = Field(
        None, description="The customer asked about, if one was."
    )
    by_treatment: list[TreatmentTotal] = Field(
        default_factory=list, description="The plan by treatment, biggest first."
    )
    note: str | None = Field(
        None, description="When the base changed since the plan was made."
    )

    def reason(self, key: Reason) -> LeftOut | None:
        """The left-out customers of one reason (None: nobody)."""
        return next((r for r in self.reasons if r.reason == key), None)
