"""The plan as stored: what an engine found, the plan record, its rows.

Either engine (this process, :func:`tools.planning.plan.solve_problem`, or Ray,
:mod:`tools.engines.ray_plan`) hands back a :class:`Solved`; :func:`plan_record`
makes the :class:`tools.planning.model.Plan` to store from it and
:func:`plan_rows` the planned bookings of the assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from tools.config import CVMConfig
from tools.context import ToolContext
from tools.ledger.model import PlanRowInput
from tools.planning.model import Baselines, HeldOut, Plan, PlanArms, TreatmentLine
from tools.planning.problem import UNASSIGNED, IntArray, PlanProblem
from tools.planning.request import PlanRequest
from tools.planning.totals import PlanTotals


@dataclass(frozen=True)
class Solved:
    """What an engine found, for the stored plan (the same fields from either)."""

    customers: int  # in scope, with or without a lawful pair
    candidates: int  # lawful pairs
    solver: str
    value: float
    bound: float
    gap: float
    totals: PlanTotals
    worth: np.ndarray  # per treatment: what one more slot adds
    baselines: Baselines
    budget_prices: dict[str, float]
    arms: PlanArms | None = None  # the control groups (tools.planning.holdout)
    held_out: tuple[HeldOut, ...] = ()  # who was held out, with what


def _lines(
    solved: Solved, cap_all: np.ndarray, allowed: list[bool], config: CVMConfig
) -> dict[str, TreatmentLine]:
    tot = solved.totals
    value, spend = tot.pounds(tot.value), tot.pounds(tot.spend)
    out = {}
    for i, key in enumerate(config.treatments):
        if not allowed[i] or (tot.offered[i] == 0 and tot.count[i] == 0):
            continue
        tr = config.treatments[key]
        cap = cap_all[i]
        out[key] = TreatmentLine(
            display_name=tr.display_name,
            channel=tr.channel,
            count=int(tot.count[i]),
            capacity=None if math.isinf(cap) else int(cap),
            value=round(float(value[i]), 2),
            spend=round(float(spend[i]), 2),
            shadow_price=round(float(solved.worth[i]), 2),
        )
    return out


def plan_record(
    ctx: ToolContext,
    request: PlanRequest,
    day: date,
    at: datetime,
    solved: Solved,
    cap_all: np.ndarray,
    *,
    parent_id: str | None,
    hypothetical: bool,
    seconds: float,
) -> Plan:
    """The plan to store, from what an engine found (local or Ray)."""
    allowed = request.treatment_mask(ctx.config)
    return Plan(
        catalogue_version=ctx.config.catalogue_version,
        created_at=at,
        day=day,
        request=request,
        parent_id=parent_id,
        hypothetical=hypothetical or request.beyond_configuration(ctx.config),
        solver=solved.solver,
        customers=solved.customers,
        candidates=solved.candidates,
        assigned=solved.totals.assigned,
        expected_value=round(solved.value, 2),
        upper_bound=round(solved.bound, 2),
        gap=solved.gap,
        spend=round(solved.totals.total_spend, 2),
        by_treatment=_lines(solved, cap_all, allowed, ctx.config),
        baselines=solved.baselines,
        budget_prices=solved.budget_prices,
        seconds=round(seconds, 3),
        arms=solved.arms,
        held_out_rows=list(solved.held_out),
    )


def plan_rows(p: PlanProblem, choice: IntArray) -> list[PlanRowInput]:
    """The planned bookings of an assignment, in customer order."""
    chosen = choice[choice != UNASSIGNED]
    return [
        (
            str(p.customer_ids[p.pair_customer[k]]),
            p.treatments[p.pair_treatment[k]],
            float(p.ev[k]),
            float(p.cost[k]),
            bool(p.high_value[p.pair_customer[k]]),
        )
        for k in chosen.tolist()
    ]
