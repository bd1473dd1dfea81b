"""The plan card in the chat UI: totals, table, chart, CSV, and Book plan.

Kept apart from :mod:`assistant.ui.app` (which only calls :func:`send_plan_card` after
a turn and registers the Book plan callback). The button carries only an id the
server issued (:mod:`assistant.ui.ids`); the server checks the plan it stands for is
the session's plan, holds booking it as a pending action and asks for approval;
Approve runs exactly that action through the same guard as a typed "yes".
"""

from __future__ import annotations

import chainlit as cl

from assistant.core.session import Turn
from assistant.ui.ids import issue
from assistant.views.plan_card import assignment_csv, plan_card, plan_chart
from tools.context import ToolContext
from tools.planning.model import Plan
from tools.planning.store import plan_store
from tools.planning.whatif import WhatIf

PLAN_TOOLS = {"plan_campaign", "get_plan", "plan_what_if"}
SOLVING = (
    "Deciding every customer's lawful options, then optimising today's capacity "
    "(exact HiGHS for small bases, Lagrangian prices with a repair for large ones) "
    "and comparing with booking one by one…"
)


def plan_of(turn: Turn, ctx: ToolContext) -> Plan | None:
    """The plan this turn made or showed (a what-if's new plan), if any."""
    for record in reversed(turn.tool_calls):
        if not record.ok or record.name not in PLAN_TOOLS:
            continue
        if isinstance(record.value, WhatIf):
            return plan_store(ctx).get(record.value.after_id)
        if isinstance(record.value, Plan):
            return record.value
    return None


async def solving_step(name: str) -> None:
    """A step shown while a plan is being solved."""
    if name in PLAN_TOOLS:
        async with cl.Step(name="plan solver", type="run") as step:
            step.output = SOLVING


async def send_plan_card(turn: Turn, ctx: ToolContext, bookable: str | None) -> None:
    """The card of the turn's plan: table, chart, CSV and (if bookable) Book plan."""
    plan = plan_of(turn, ctx)
    if plan is not None:
        await send_plan(plan, ctx, bookable)


async def send_plan(plan: Plan, ctx: ToolContext, bookable: str | None) -> cl.Message:
    """A plan's card (the turn's, or a resumed thread's plan drawn again); sent."""
    rows = plan_store(ctx).rows(plan.plan_id)
    actions: list[cl.Action] = []
    if plan.plan_id == bookable and plan.assigned:
        payload = issue("book_plan", {"plan_id": plan.plan_id})
        actions.append(cl.Action(name="book_plan", payload=payload, label="Book plan"))
    return await cl.Message(
        content=plan_card(plan),
        elements=[
            cl.Plotly(
                name=f"plan-{plan.plan_id}", figure=plan_chart(plan), display="inline"
            ),
            cl.File(
                name=f"plan-{plan.plan_id}.csv",
                content=assignment_csv(rows),
                mime="text/csv",
                display="inline",
            ),
        ],
        actions=actions,
    ).send()
