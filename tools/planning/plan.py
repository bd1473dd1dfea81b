"""Make a campaign plan: decide, build the candidates, solve, compare, store.

What is stored (the plan record and its rows) is :mod:`tools.planning.record`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

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
from tools.planning.model import Baselines, Plan
from tools.planning.problem import UNASSIGNED, PlanProblem
from tools.planning.record import Solved, plan_record, plan_rows
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


def _solve_here(
    cands: Candidates,
    method: Method,
    config: CVMConfig,
    at: datetime,
    day: date,
    say: Progress,
) -> tuple[Solved, Solution]:
    """Solve the candidates' problem in this process, as configured (learning, arms).

    The exploration draw is seeded by the plan's time ``at``.
    """
    p = cands.problem
    say(
        f"optimising {p.n_pairs:,} lawful pairs over {p.n_customers:,} customers "
        "and comparing with booking one by one"
    )
    return solve_problem(
        p,
        cands.customers,
        method,
        config.learning.exploration,
        str(at),
        day,
        config.experiment,
    )


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
    solved, sol = _solve_here(cands, method, ctx.config, at, day, say)
    plan = plan_record(
        ctx,
        request,
        day,
        at,
        solved,
        cands.problem.cap_all,
        parent_id=parent_id,
        hypothetical=hypothetical,
        seconds=time.perf_counter() - t0,
    )
    rows = plan_rows(cands.problem, sol.choice)
    say("saving the plan")
    plan = store_plan(ctx, plan, rows)
    return PlanOutcome(plan, cands, sol)
