"""The plan as tools for a model: make a plan, show it, change it (READ), book it.

Booking is :func:`tools.planning.booking.book_plan` (WRITE), registered next to these.
"""

from __future__ import annotations

from pydantic import Field

from tools.config import Channel, Purpose
from tools.context import ToolContext, default_context
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.planning.explain_model import PlanExplanation
from tools.planning.model import Plan
from tools.planning.request import PlanRequest, PlanScope
from tools.planning.store import plan_store
from tools.planning.whatif import PlanChange, WhatIf, what_if


class PlanArgs(LazyModel):
    """Arguments of ``plan_campaign`` (all optional: empty = the whole base)."""

    purposes: list[Purpose] = Field(default_factory=list)
    without_channels: list[Channel] = Field(default_factory=list)
    budget: float | None = Field(
        None, ge=0, description="Total budget for the plan's contacts, pounds."
    )
    among: str | None = Field(
        None,
        pattern=r"^L[0-9a-f]{10}$",
        description="A find_customers list_id: its customers only.",
    )


class PlanIdArgs(LazyModel):
    """Arguments of ``get_plan``."""

    plan_id: str | None = None


class BookPlanArgs(LazyModel):
    """Arguments of ``book_plan``."""

    plan_id: str


class SlotChange(LazyModel):
    """More (or fewer) daily slots of one treatment."""

    treatment_key: str
    slots: int = Field(description="To add (negative: remove).")


class ChannelBudget(LazyModel):
    """A budget for one channel today."""

    channel: Channel
    pounds: float = Field(ge=0)


class WhatIfArgs(LazyModel):
    """Arguments of ``plan_what_if``: one change to the latest (or a named) plan."""

    plan_id: str | None = None
    extra_slots: list[SlotChange] = Field(default_factory=list)
    without_channels: list[Channel] = Field(default_factory=list)
    channel_budgets: list[ChannelBudget] = Field(default_factory=list)
    budget: float | None = Field(None, ge=0)
    budget_change: float | None = Field(
        None, description="Pounds added to the plan's total budget (negative: cut)."
    )
    without_customers: list[str] = Field(
        default_factory=list, description="Customer ids to leave out of the plan."
    )


def plan_campaign(
    purposes: list[Purpose] | None = None,
    without_channels: list[Channel] | None = None,
    budget: float | None = None,
    ctx: ToolContext | None = None,
    among: str | None = None,
) -> Plan:
    """Plan today's campaign over the base (best lawful option per customer).

    With ``budget``, the plan's contacts cost at most that many pounds in total
    (within today's other limits). Returns value, gap, volumes and baselines.
    Books nothing.

    Raises:
        ToolInputError: ``among`` (a list's customers only, the list read again now
            as an export reads it) names no list, or nobody is on it now.
    """
    from tools.planning.plan import make_plan  # the solver: loaded when planning

    ctx = ctx or default_context()
    scope = PlanScope(purposes=purposes or [])
    if among:
        scope = scope_among(among, scope, ctx)
    request = PlanRequest(
        scope=scope, without_channels=without_channels or [], budget=budget
    )
    return make_plan(request, ctx).plan


def scope_among(list_id: str, scope: PlanScope, ctx: ToolContext) -> PlanScope:
    """``scope`` narrowed to the customers on the list ``list_id`` now.

    Raises:
        ToolInputError: No such list, or nobody is on it now (a plan over nobody
            is not made: an empty scope would mean the whole base).
    """
    from tools.base_queries.find import list_customers  # the kernel: when asked

    handle = list_id.strip()
    customers = list_customers(handle, ctx)
    if not customers:
        raise ToolInputError(
            f"list {handle} has no customers now: no plan made (find them again)"
        )
    return scope.model_copy(update={"customers": customers, "among": handle})


def get_plan(plan_id: str | None = None, ctx: ToolContext | None = None) -> Plan:
    """A stored plan (null: the latest).

    Raises:
        ToolInputError: No such plan, or no plan made yet.
    """
    store = plan_store(ctx or default_context())
    plan = store.get(plan_id) if plan_id else store.latest()
    if plan is None:
        raise ToolInputError("No plan yet: make one with plan_campaign first.")
    return plan


def plan_what_if(
    plan_id: str | None = None,
    extra_slots: list[SlotChange] | None = None,
    without_channels: list[Channel] | None = None,
    channel_budgets: list[ChannelBudget] | None = None,
    budget: float | None = None,
    without_customers: list[str] | None = None,
    ctx: ToolContext | None = None,
    budget_change: float | None = None,
) -> WhatIf:
    """Re-plan a plan (null: the latest) with one change; returns Δ value, volume.

    ``without_customers`` leaves those customers out (the plan's others stay).
    """
    change = PlanChange(
        extra_capacity={
            s["treatment_key"] if isinstance(s, dict) else s.treatment_key: (
                s["slots"] if isinstance(s, dict) else s.slots
            )
            for s in extra_slots or []
        },
        without_channels=without_channels or [],
        channel_budgets={
            (b["channel"] if isinstance(b, dict) else b.channel): (
                b["pounds"] if isinstance(b, dict) else b.pounds
            )
            for b in channel_budgets or []
        },
        budget=budget,
        budget_change=budget_change,
        without_customers=[c.upper() for c in without_customers or []],
    )
    return what_if(change, plan_id, ctx or default_context())


def explain_plan(
    plan_id: str | None = None,
    customer_id: str | None = None,
    ctx: ToolContext | None = None,
) -> PlanExplanation:
    """Who a plan (null: the latest) contacts, holds out and leaves out, and why.

    Each customer left out has one reason: no lawful action (with the rule ids
    that block them), not worth contacting (best EV <= 0), lost to capacity or
    budget (the full treatments, the budgets that bound), booked already, or left
    out on request; with example ids, the total expected value, cost and budgets.
    With ``customer_id``, also where that customer stands (in, held out, left out
    and why).
    """
    from tools.planning.explain import explain_plan as explain  # the kernel: lazily

    return explain(plan_id, ctx or default_context(), customer_id)
