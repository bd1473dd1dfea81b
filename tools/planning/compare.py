"""``compare_plans``: the scenarios of a conversation side by side.

After a plan and one or more what-ifs ("what if we had 10 more call-back slots?",
"cut the budget to £1.5k", "drop U124 from it"), "compare that with the original
plan" or "which scenario wins on net value?" puts the stored plans next to each
other: what each changed, contacts, cost, expected value (net of the contacts'
cost) and contacts by channel, and which is worth the most of those that can be
booked. Books nothing.
"""

from __future__ import annotations

from pydantic import Field

from tools.context import ToolContext, default_context
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.planning.model import Plan
from tools.planning.store import plan_store

MAX_SCENARIOS = 6


class ComparePlansArgs(LazyModel):
    """Arguments of ``compare_plans``: two or more stored plan ids, in order."""

    plan_ids: list[str] = Field(min_length=2, max_length=MAX_SCENARIOS)


class Scenario(LazyModel):
    """One plan as a scenario."""

    plan_id: str
    parent_id: str | None
    changes: dict[str, object] = Field(description="What it changed (empty: none).")
    hypothetical: bool = Field(description="Limits beyond today's: not bookable.")
    contacts: int
    cost: float
    expected_value: float = Field(description="Net of the contacts' cost, pounds.")
    by_channel: dict[str, int]


class PlanComparison(LazyModel):
    """Result of ``compare_plans``."""

    scenarios: list[Scenario]
    best: str = Field(description="The bookable scenario with the most value.")


def scenario(plan: Plan) -> Scenario:
    """A plan's figures as a scenario."""
    by_channel: dict[str, int] = {}
    for line in plan.by_treatment.values():
        if line.count:
            by_channel[line.channel] = by_channel.get(line.channel, 0) + line.count
    changes = plan.request.changes()
    changes.pop("day", None)
    return Scenario(
        plan_id=plan.plan_id,
        parent_id=plan.parent_id,
        changes=changes,
        hypothetical=plan.hypothetical,
        contacts=plan.assigned,
        cost=round(plan.spend, 2),
        expected_value=round(plan.expected_value, 2),
        by_channel=dict(sorted(by_channel.items(), key=lambda kv: -kv[1])),
    )


def compare_plans(
    plan_ids: list[str], ctx: ToolContext | None = None
) -> PlanComparison:
    """Compare stored plans (scenarios) side by side: value, cost, contacts.

    Returns each plan's changes, contacts, cost, expected value (net of cost) and
    contacts by channel, and the bookable one worth the most. Books nothing.

    Raises:
        ToolInputError: A plan id is unknown, or fewer than two are given.
    """
    ids = list(dict.fromkeys(p.strip().upper() for p in plan_ids))
    if len(ids) < 2:
        raise ToolInputError("compare_plans needs two different plans")
    store = plan_store(ctx or default_context())
    scenarios = [scenario(store.get(p)) for p in ids]
    bookable = [s for s in scenarios if not s.hypothetical] or scenarios
    best = max(bookable, key=lambda s: (s.expected_value, -ids.index(s.plan_id)))
    return PlanComparison(scenarios=scenarios, best=best.plan_id)
