"""Make a campaign plan: decide, build the candidates, solve, compare, store."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np

from tools.allocation import ledger_day
from tools.config import CVMConfig
from tools.context import ToolContext, default_context
from tools.kernel.batch import decide_ids as kernel_decide_ids
from tools.kernel.batch import iter_decisions
from tools.learning_config import Experiment
from tools.ledger.model import PlanRowInput
from tools.planning.adapter import DecisionBatch
from tools.planning.baselines import first_come, greedy_by_value
from tools.planning.candidates import Candidates, build_candidates
from tools.planning.explore import explore_plan
from tools.planning.fixed import fixed, unfixed
from tools.planning.holdout import CHAMPION
from tools.planning.holdout_plan import arms_summary, solve_arms
from tools.planning.marginal import slot_values
from tools.planning.model import Baselines, HeldOut, Plan, PlanArms, TreatmentLine
from tools.planning.problem import UNASSIGNED, IntArray, PlanProblem
from tools.planning.request import PlanRequest
from tools.planning.solve import Method, Solution, relative_gap
from tools.planning.store import plan_store
from tools.planning.totals import PlanTotals

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlanOutcome:
    """A stored plan with the candidates and solution it came from."""

    plan: Plan
    candidates: Candidates
    solution: Solution


def decision_batches(ctx: ToolContext, request: PlanRequest) -> Iterable[DecisionBatch]:
    """The kernel's decision columns for the plan's customers (the base in chunks)."""
    if request.scope.customers:
        return [decide_ids(ctx, request.scope.customers)]
    return iter_decisions(ctx.customers, ctx.config)


def decide_ids(ctx: ToolContext, ids: list[str]) -> DecisionBatch:
    """Decisions taken now for these customers (unknown ids are absent)."""
    wanted = [c.strip().upper() for c in ids]
    return kernel_decide_ids(ctx.customers, ctx.config, wanted)


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


def store_plan(ctx: ToolContext, plan: Plan, rows: list[PlanRowInput]) -> Plan:
    """Save a plan and its rows; log one line."""
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
    return plan


def baseline_values(p: PlanProblem) -> Baselines:
    """First-come and greedy-by-EV booking on the same candidates and limits."""
    fc, gr = first_come(p), greedy_by_value(p)
    return Baselines(
        first_come=round(unfixed(fixed(p.ev[fc[fc != UNASSIGNED]])), 2),
        greedy_by_value=round(unfixed(fixed(p.ev[gr[gr != UNASSIGNED]])), 2),
        first_come_assigned=int((fc != UNASSIGNED).sum()),
        greedy_assigned=int((gr != UNASSIGNED).sum()),
    )


def solve_problem(
    p: PlanProblem,
    customers: int,
    method: Method,
    epsilon: float,
    seed: str,
    day: date,
    experiment: Experiment,
) -> tuple[Solved, Solution]:
    """Solve a plan's problem in this process, in arms, explore, total it, compare.

    The control groups first (:func:`tools.planning.holdout_plan.solve_arms`: the
    challenger's share planned by its rule, the held out set apart, never booked),
    then exploration in the champion arm only.

    Args:
        p: The plan's problem (every lawful, positive-EV pair).
        customers: Customers in scope, with or without a pair.
        method: Solver choice (``auto``: exact when small).
        epsilon: ``learning.exploration`` (0: the solver's plan as it is).
        seed: What the exploration draw is seeded by (the plan's time).
        day: The plan's day (the arms' hash).
        experiment: The control groups' shares.
    """
    split = solve_arms(p, method, day, experiment)
    booked = replace(split.solution, choice=split.booked_choice)
    sol = explore_plan(p, booked, epsilon, seed, split.arm == CHAMPION)
    totals = PlanTotals.of(p, sol.choice)
    sol = replace(sol, value=totals.total_value)
    arms, held = arms_summary(p, split, experiment)
    solved = Solved(
        customers=customers,
        candidates=p.n_pairs,
        solver=sol.solver,
        value=sol.value,
        bound=sol.bound,
        # the optimiser's gap: the held out are set apart by design, not lost
        gap=relative_gap(sol.bound, sol.value + (arms.held_out_value if arms else 0)),
        totals=totals,
        worth=slot_values(p, sol.choice),
        baselines=baseline_values(p),
        budget_prices={
            g.key: round(float(v), 4)
            for g, v in zip(p.groups, sol.prices.groups, strict=True)
        },
        arms=arms,
        held_out=tuple(held),
    )
    return solved, sol


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
    say(
        f"optimising {p.n_pairs:,} lawful pairs over {p.n_customers:,} customers "
        "and comparing with booking one by one"
    )
    solved, sol = solve_problem(
        p,
        cands.customers,
        method,
        ctx.config.learning.exploration,
        str(at),
        day,
        ctx.config.experiment,
    )
    plan = plan_record(
        ctx,
        request,
        day,
        at,
        solved,
        p.cap_all,
        parent_id=parent_id,
        hypothetical=hypothetical,
        seconds=time.perf_counter() - t0,
    )
    rows = plan_rows(p, sol.choice)
    say("saving the plan")
    plan = store_plan(ctx, plan, rows)
    return PlanOutcome(plan, cands, sol)
