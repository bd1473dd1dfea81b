"""What-ifs: re-plan with one change and answer with the difference.

"What if we had 10 more marketing call-back slots?", "plan without the call centre",
"cut the SMS budget to £200", "what is one more call-centre slot worth?". The new plan
is stored as a child of the one it changes; the previous plan stays for comparison.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from tools.config import Channel, CVMConfig
from tools.context import ToolContext, default_context
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.planning.model import Plan
from tools.planning.request import PlanRequest
from tools.planning.store import plan_store


class PlanChange(LazyModel):
    """One change to a plan's limits (fields left empty change nothing)."""

    model_config = ConfigDict(extra="forbid")

    extra_capacity: dict[str, int] = Field(
        default_factory=dict,
        description="Slots to add (or remove, negative) per treatment key.",
    )
    capacity: dict[str, int] = Field(
        default_factory=dict, description="New max_per_day per treatment key."
    )
    without_channels: list[Channel] = Field(
        default_factory=list, description="Channels to leave out, e.g. ['call']."
    )
    channel_budgets: dict[Channel, float] = Field(
        default_factory=dict, description="Today's budget per channel, pounds."
    )
    budget: float | None = Field(None, ge=0, description="Total budget, pounds.")
    budget_change: float | None = Field(
        None, description="Pounds added to the plan's total budget (negative: cut)."
    )
    without_customers: list[str] = Field(
        default_factory=list, description="Customer ids to leave out of the plan."
    )


class Delta(LazyModel):
    """The change in volume and value of one treatment or channel."""

    count: int
    value: float


class LeftOut(LazyModel):
    """A customer a what-if left out, and what the plan before had for them."""

    customer_id: str
    treatment_key: str | None = Field(
        None, description="Their treatment in the plan before (None: not in it)."
    )
    expected_value: float = 0.0


class WhatIf(LazyModel):
    """The answer to a what-if: the new plan against the one it changed."""

    before_id: str
    after_id: str
    change: PlanChange
    before_value: float
    after_value: float
    delta_value: float
    after_gap: float
    by_treatment: dict[str, Delta]
    by_channel: dict[str, Delta]
    left_out: list[LeftOut] = Field(default_factory=list)
    after_spend: float = 0.0
    after_assigned: int = 0


def _left_out(ctx: ToolContext, before: Plan, ids: list[str]) -> list[LeftOut]:
    """What the plan before had for each customer left out (in the order asked)."""
    if not ids:
        return []
    wanted = {c.upper() for c in ids}
    had = {
        r.customer_id: r
        for r in plan_store(ctx).iter_rows(before.plan_id)
        if r.customer_id in wanted
    }
    return [
        LeftOut(
            customer_id=c,
            treatment_key=had[c].treatment_key if c in had else None,
            expected_value=round(had[c].expected_value, 2) if c in had else 0.0,
        )
        for c in dict.fromkeys(c.upper() for c in ids)
    ]


def apply_change(
    base: PlanRequest, change: PlanChange, config: CVMConfig
) -> PlanRequest:
    """The request of a plan with ``change`` applied on top of ``base``."""
    capacity = dict(base.capacity)
    for key, n in change.capacity.items():
        capacity[key] = n
    for key, n in change.extra_capacity.items():
        if key not in config.treatments:
            raise ToolInputError(f"extra_capacity: unknown treatment {key!r}")
        cons = config.constraints.get(key)
        if cons is None and key not in capacity:
            raise ToolInputError(f"{key} has no daily capacity to add to")
        now = capacity.get(key, cons.max_per_day if cons else 0)
        capacity[key] = max(0, now + n)
    scope = base.scope
    if change.without_customers:
        left_out = {c.upper() for c in scope.without_customers}
        left_out |= {c.upper() for c in change.without_customers}
        scope = scope.model_copy(update={"without_customers": sorted(left_out)})
    return base.model_copy(
        update={
            "scope": scope,
            "capacity": capacity,
            "without_channels": sorted(
                set(base.without_channels) | set(change.without_channels)
            ),
            "channel_budgets": {**base.channel_budgets, **change.channel_budgets},
            "budget": _budget(base, change),
        }
    )


def _budget(base: PlanRequest, change: PlanChange) -> float | None:
    """The total budget after ``change``: a new level, or the old one moved."""
    if change.budget_change is None:
        return change.budget if change.budget is not None else base.budget
    if base.budget is None:
        raise ToolInputError(
            "The plan has no total budget to change by an amount: say the new "
            "level instead (e.g. 'what if the budget was £5k')."
        )
    return max(0.0, base.budget + change.budget_change)


def _deltas(before: Plan, after: Plan) -> tuple[dict[str, Delta], dict[str, Delta]]:
    by_t: dict[str, Delta] = {}
    by_c: dict[str, Delta] = {}
    for key in sorted(set(before.by_treatment) | set(after.by_treatment)):
        b, a = before.by_treatment.get(key), after.by_treatment.get(key)
        count = (a.count if a else 0) - (b.count if b else 0)
        value = round((a.value if a else 0.0) - (b.value if b else 0.0), 2)
        if count or abs(value) >= 0.005:
            by_t[key] = Delta(count=count, value=value)
            channel = (a or b).channel  # type: ignore[union-attr]
            old = by_c.get(channel, Delta(count=0, value=0.0))
            by_c[channel] = Delta(
                count=old.count + count, value=round(old.value + value, 2)
            )
    return by_t, by_c


def what_if(
    change: PlanChange, plan_id: str | None = None, ctx: ToolContext | None = None
) -> WhatIf:
    """Re-plan with one change and compare with the plan it changes.

    Args:
        change: The change (extra slots, a channel left out, a budget).
        plan_id: The plan to change (default: the latest plan; one is made if none).
        ctx: Configuration and ledger.

    Raises:
        ToolInputError: Unknown plan or treatment.
    """
    from tools.planning.plan import make_plan  # the solver: loaded when planning

    ctx = ctx or default_context()
    store = plan_store(ctx)
    before = store.get(plan_id) if plan_id else store.latest()
    if before is None:
        before = make_plan(None, ctx).plan
    request = apply_change(before.request, change, ctx.config)
    extra = any(n > 0 for n in change.extra_capacity.values())  # slots not there
    after = make_plan(request, ctx, parent_id=before.plan_id, hypothetical=extra).plan
    by_t, by_c = _deltas(before, after)
    return WhatIf(
        before_id=before.plan_id,
        after_id=after.plan_id,
        change=change,
        before_value=before.expected_value,
        after_value=after.expected_value,
        delta_value=round(after.expected_value - before.expected_value, 2),
        after_gap=after.gap,
        by_treatment=by_t,
        by_channel=by_c,
        left_out=_left_out(ctx, before, change.without_customers),
        after_spend=round(after.spend, 2),
        after_assigned=after.assigned,
    )


def slot_worth(
    treatments: list[str], plan_id: str | None = None, ctx: ToolContext | None = None
) -> dict[str, float]:
    """What one more slot of each treatment adds to a plan, by re-solving (+1 each)."""
    from tools.planning.plan import make_plan  # the solver: loaded when planning

    ctx = ctx or default_context()
    base = plan_store(ctx).get(plan_id) if plan_id else plan_store(ctx).latest()
    if base is None:
        base = make_plan(None, ctx).plan
    return {
        key: what_if(PlanChange(extra_capacity={key: 1}), base.plan_id, ctx).delta_value
        for key in treatments
    }
