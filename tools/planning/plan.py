"""Make a campaign plan: decide, build the candidates, solve, compare, store."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from tools.allocation import ledger_day
from tools.context import ToolContext, default_context
from tools.kernel.batch import decide_ids as kernel_decide_ids
from tools.kernel.batch import iter_decisions
from tools.planning.adapter import DecisionBatch
from tools.planning.baselines import first_come, greedy_by_value
from tools.planning.candidates import Candidates, build_candidates
from tools.planning.explore import explore_plan
from tools.planning.marginal import slot_values
from tools.planning.model import Baselines, Plan, TreatmentLine
from tools.planning.problem import UNASSIGNED, value_of
from tools.planning.request import PlanRequest
from tools.planning.solve import Method, Solution, solve
from tools.planning.store import PlanStore

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlanOutcome:
    """A stored plan with the candidates and solution it came from."""

    plan: Plan
    candidates: Candidates
    solution: Solution


def plan_store(ctx: ToolContext) -> PlanStore:
    """The plan store of a context's ledger."""
    return PlanStore(ctx.ledger)


def decision_batches(ctx: ToolContext, request: PlanRequest) -> Iterable[DecisionBatch]:
    """The kernel's decision columns for the plan's customers (the base in chunks)."""
    if request.scope.customers:
        return [decide_ids(ctx, request.scope.customers)]
    return iter_decisions(ctx.customers, ctx.config)


def decide_ids(ctx: ToolContext, ids: list[str]) -> DecisionBatch:
    """Decisions taken now for these customers (unknown ids are absent)."""
    wanted = [c.strip().upper() for c in ids]
    return kernel_decide_ids(ctx.customers, ctx.config, wanted)


def _lines(
    c: Candidates, sol: Solution, allowed: list[bool], ctx: ToolContext
) -> dict[str, TreatmentLine]:
    p = c.problem
    chosen = sol.choice[sol.choice != UNASSIGNED]
    t = len(p.treatments)
    count = np.bincount(p.pair_treatment[chosen], minlength=t)
    value = np.bincount(p.pair_treatment[chosen], weights=p.ev[chosen], minlength=t)
    spend = np.bincount(p.pair_treatment[chosen], weights=p.cost[chosen], minlength=t)
    offered = np.bincount(p.pair_treatment, minlength=t)
    worth = slot_values(p, sol.choice)
    out = {}
    for i, key in enumerate(p.treatments):
        if not allowed[i] or (offered[i] == 0 and count[i] == 0):
            continue
        tr = ctx.config.treatments[key]
        cap = p.cap_all[i]
        out[key] = TreatmentLine(
            display_name=tr.display_name,
            channel=tr.channel,
            count=int(count[i]),
            capacity=None if math.isinf(cap) else int(cap),
            value=round(float(value[i]), 2),
            spend=round(float(spend[i]), 2),
            shadow_price=round(float(worth[i]), 2),
        )
    return out


def make_plan(
    request: PlanRequest | None = None,
    ctx: ToolContext | None = None,
    *,
    parent_id: str | None = None,
    batches: Iterable[DecisionBatch] | None = None,
    method: Method = "auto",
    progress: Progress | None = None,
    hypothetical: bool = False,
) -> PlanOutcome:
    """Plan the day: the best lawful treatment, if any, for each customer in scope.

    Args:
        request: Day, scope and changed limits (default: today, everyone, as
            configured).
        ctx: Configuration and ledger.
        parent_id: The plan this one is a what-if of.
        batches: Decision columns (default: decided for the scope now).
        method: Solver choice (``auto``: exact when small).
        progress: Called with a short line at each stage.
        hypothetical: A what-if with slots that do not exist (never bookable);
            a plan with limits beyond the configuration is hypothetical anyway.

    Returns:
        The stored plan, its candidates and its solution.

    Raises:
        ToolInputError: The request names an unknown treatment or a bad number.
    """
    ctx = (ctx or default_context()).pinned()  # one catalogue version throughout
    request = (request or PlanRequest()).check(ctx.config)
    say = progress or (lambda _line: None)
    t0 = time.perf_counter()
    at = ctx.now()
    day = request.day or ledger_day(ctx.config, at)
    say("deciding every customer's lawful options")
    source = batches if batches is not None else decision_batches(ctx, request)
    cands = build_candidates(source, request, ctx.config, ctx.ledger, day)
    p = cands.problem
    say(f"optimising {p.n_pairs:,} lawful pairs over {p.n_customers:,} customers")
    sol = explore_plan(p, solve(p, method), ctx.config.learning.exploration, str(at))
    say("comparing with booking one by one")
    fc, gr = first_come(p), greedy_by_value(p)
    allowed = request.treatment_mask(ctx.config)
    chosen = sol.choice[sol.choice != UNASSIGNED]
    plan = Plan(
        catalogue_version=ctx.config.catalogue_version,
        created_at=at,
        day=day,
        request=request,
        parent_id=parent_id,
        hypothetical=hypothetical or request.beyond_configuration(ctx.config),
        solver=sol.solver,
        customers=cands.customers,
        candidates=p.n_pairs,
        assigned=len(chosen),
        expected_value=round(sol.value, 2),
        upper_bound=round(sol.bound, 2),
        gap=sol.gap,
        spend=round(float(p.cost[chosen].sum()), 2),
        by_treatment=_lines(cands, sol, allowed, ctx),
        baselines=Baselines(
            first_come=round(value_of(p, fc), 2),
            greedy_by_value=round(value_of(p, gr), 2),
            first_come_assigned=int((fc != UNASSIGNED).sum()),
            greedy_assigned=int((gr != UNASSIGNED).sum()),
        ),
        budget_prices={
            g.key: round(float(v), 4)
            for g, v in zip(p.groups, sol.prices.groups, strict=True)
        },
        seconds=round(time.perf_counter() - t0, 3),
    )
    rows = [
        (
            str(p.customer_ids[p.pair_customer[k]]),
            p.treatments[p.pair_treatment[k]],
            float(p.ev[k]),
            float(p.cost[k]),
            bool(p.high_value[p.pair_customer[k]]),
        )
        for k in chosen.tolist()
    ]
    say("saving the plan")
    plan = plan_store(ctx).save(plan, rows)
    log.info(
        "plan %s: %d of %d customers, EV %.2f, gap %.5f, %s",
        plan.plan_id,
        plan.assigned,
        plan.customers,
        plan.expected_value,
        plan.gap,
        plan.solver,
    )
    return PlanOutcome(plan, cands, sol)
