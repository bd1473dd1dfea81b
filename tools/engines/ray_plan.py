"""``cvm plan --engine ray``: the day's plan with shards in Ray actors.

Each actor (:class:`tools.engines.shard_planner.ShardPlanner`) reads one Parquet
shard, runs the kernel on it and keeps its lawful pairs as a block of the plan. The
driver moves the prices, cuts over-full limits and runs the fill with
:func:`tools.planning.lagrangian.solve_blocks`, the local engine's own optimiser,
from the blocks' summaries (top gains with ties, counts, fixed-point sums, fill
candidates in order). With a challenger arm (``experiment.challenger_share``) the
blocks hold the other customers' pairs and the optimiser works on the rest of every
limit; the challenger's customers are then planned by its rule shard after shard
(first-come in id order on its share, each shard starting with the room the ones
before it left), as locally. Each customer's arm is the plans' hash of id and day,
drawn in its shard: each shard sets its held-out customers apart, then exploration
(``learning.exploration``) draws each shard's slice of the plan's own random
numbers, in the champion arm only. No shard's customers come to the driver
until the plan's rows are stored. Shards are id ranges in order, so every
tie-break is the local one: same inputs, same assignment and value.

A plan small enough for the local engine's exact solver (``--method auto`` and at
most :data:`tools.planning.solve.EXACT_MAX_PAIRS` pairs worth choosing) is solved
as the local engine solves it: the shards' pairs are joined on the driver and
HiGHS runs there (HiGHS needs every pair at once; at that size they are a few MB).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from tools.allocation import ledger_day
from tools.config import CVMConfig
from tools.context import ToolContext
from tools.engines.baselines_ray import ray_baselines
from tools.engines.ray_blocks import (
    RayBlocks,
    Sizes,
    challenge_shards,
    explore_shards,
    hold_out_shards,
    merged_totals,
    placed,
)
from tools.engines.ray_session import ray_session, shard_folder
from tools.engines.shard_planner import ShardPlanner, joined
from tools.engines.shards import export_shards, shard_count
from tools.errors import ToolInputError
from tools.learning_config import Experiment
from tools.ledger.model import PlanRowInput
from tools.planning.candidates import ledger_blocks
from tools.planning.fixed import unfixed
from tools.planning.holdout import share_of
from tools.planning.lagrangian import Limits, solve_blocks
from tools.planning.limits import PlanLimits, plan_limits
from tools.planning.model import Plan
from tools.planning.plan import solve_problem, store_plan
from tools.planning.record import Solved, plan_record, plan_rows
from tools.planning.repair import check_limits
from tools.planning.request import PlanRequest
from tools.planning.solve import EXACT_MAX_PAIRS, Method, relative_gap
from tools.planning.totals import slot_room
from tools.store.source import store_path


@dataclass(frozen=True)
class RayPlan:
    """A stored plan made on Ray, and how long its parts took."""

    plan: Plan
    shards: int
    seconds: dict[str, float]


@dataclass(frozen=True)
class Run:
    """What a Ray plan run knows once its shards are placed."""

    sizes: Sizes
    method: Method
    epsilon: float
    seed: str
    day: date
    experiment: Experiment

    @property
    def small(self) -> bool:
        """Whether the local engine would solve it exactly (``auto``, few pairs)."""
        return self.method == "auto" and self.sizes.positive <= EXACT_MAX_PAIRS


@dataclass(frozen=True)
class Where:
    """Where a Ray plan runs: the cluster, the shards' folder, how many shards."""

    address: str | None = None
    shards: int | None = None
    shard_dir: str | None = None

    def count(self, customers: int) -> int:
        """Shards for a base of this size."""
        return self.shards or shard_count(customers)


def _on_blocks(
    ray: Any, actors: list[Any], lim: PlanLimits, run: Run, took: dict[str, float]
) -> tuple[Solved, list[PlanRowInput]]:
    """Solve over the placed shards (Lagrangian); the plan's facts and its rows."""
    limits = Limits(lim.treatments, lim.cap_all, lim.cap_std, lim.groups)
    share = run.experiment.challenger_share
    champion = limits  # the optimiser's arm: all but the challenger's share
    if share > 0:
        shared = (lim.cap_all, lim.cap_std, lim.groups)
        champion = Limits(lim.treatments, *share_of(shared, 1.0 - share))
    blocks = RayBlocks(ray, actors)
    t1 = time.perf_counter()
    got = solve_blocks(blocks, champion)
    check_limits(blocks, champion)
    ray.get([a.settle.remote() for a in actors])
    challenger = challenge_shards(ray, actors, limits, share) if share else (0, 0)
    arms, held = hold_out_shards(ray, actors, run.experiment, challenger)
    if run.epsilon > 0:
        explore_shards(ray, actors, lim, run.sizes.customers, run.epsilon, run.seed)
    took["solve"] = time.perf_counter() - t1
    totals = merged_totals(ray, actors)
    full, room = slot_room(lim.cap_all, lim.groups, totals)
    gains = np.max(ray.get([a.slot_gains.remote(full, room) for a in actors]), axis=0)
    t2 = time.perf_counter()
    baselines = ray_baselines(ray, actors, limits)
    took["baselines"] = time.perf_counter() - t2
    rows = [r for part in ray.get([a.rows.remote() for a in actors]) for r in part]
    bound, value = got.bound + unfixed(challenger[1]), totals.total_value
    solved = Solved(
        customers=run.sizes.in_scope,
        candidates=run.sizes.pairs,
        solver="lagrangian",
        value=value,
        bound=bound,
        # the optimiser's gap: the held out are set apart by design, not lost
        gap=relative_gap(bound, value + (arms.held_out_value if arms else 0)),
        totals=totals,
        worth=np.where(np.isfinite(gains), gains, 0.0),
        baselines=baselines,
        budget_prices={
            g.key: round(float(v), 4)
            for g, v in zip(lim.groups, got.prices.groups, strict=True)
        },
        arms=arms,
        held_out=held,
    )
    return solved, rows


def _on_driver(
    ray: Any, actors: list[Any], run: Run, took: dict[str, float]
) -> tuple[Solved, list[PlanRowInput]]:
    """A small plan: the shards' pairs joined here and solved as locally (exact)."""
    t1 = time.perf_counter()
    p = joined(ray.get([a.whole.remote() for a in actors]))
    solved, sol = solve_problem(
        p, run.sizes.in_scope, "auto", run.epsilon, run.seed, run.day, run.experiment
    )
    took["solve"] = time.perf_counter() - t1
    return solved, plan_rows(p, sol.choice)


def _solve_on_ray(
    ctx: ToolContext,
    request: PlanRequest,
    day: date,
    lim: PlanLimits,
    run: Run,
    where: Where,
) -> tuple[Solved, list[PlanRowInput], int, dict[str, float]]:
    """Shards out, actors up, the plan solved; (facts, rows, shards, seconds)."""
    config = ctx.config
    allowed = np.array(request.treatment_mask(config))
    wanted = {c.upper() for c in request.scope.customers}
    blocked = ledger_blocks(ctx.ledger, day, config, request)
    n = ctx.customers.count()
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    with (
        shard_folder(where.shard_dir, config.state_path) as folder,
        ray_session(where.address) as ray,
    ):
        made = export_shards(store_path(config), folder / "base", where.count(n))
        if not made:
            raise ToolInputError("--engine ray: the customer store is empty")
        took["export"] = time.perf_counter() - t0
        actor = ray.remote(ShardPlanner)
        conf = ray.put(config)
        actors = [
            actor.remote(s, conf, allowed, wanted, blocked, run.day, run.experiment)
            for s in made
        ]
        run = replace(run, sizes=placed(ray, actors, lim))
        took["decide"] = time.perf_counter() - t0 - took["export"]
        if run.small:
            solved, rows = _on_driver(ray, actors, run, took)
        else:
            solved, rows = _on_blocks(ray, actors, lim, run, took)
    return solved, rows, len(made), took


def _refused(config: CVMConfig, method: Method) -> None:
    """What the Ray plan cannot do, in one line each (before Ray starts)."""
    if config.settings.data_dir:
        raise ToolInputError(
            "--engine ray reads the customer store: import the JSON folder first "
            "(cvm import)"
        )
    if method == "exact":
        raise ToolInputError(
            "--method exact needs the local engine (all pairs at once)"
        )


def plan_on_ray(
    ctx: ToolContext,
    request: PlanRequest | None = None,
    *,
    address: str | None = None,
    shards: int | None = None,
    shard_dir: str | None = None,
    parent_id: str | None = None,
    method: Method = "auto",
) -> RayPlan:
    """Plan the day on Ray and store the plan (the local engine's plan, same inputs).

    Args:
        ctx: Configuration, customer store (DuckDB) and ledger.
        request: Day, scope and changed limits (default: today, everyone).
        address: A Ray cluster's address; None starts a local Ray.
        shards: How many shards (default: one per 250,000 customers, at least 2).
        shard_dir: Where the shards go (shared storage on a cluster).
        parent_id: The plan this one is a what-if of.
        method: ``auto`` (exact on the driver when small, as locally) or
            ``lagrangian`` (always on the shards).

    Raises:
        ToolInputError: A JSON data folder (no store), an empty store, Ray missing
            or unreachable, ``method`` exact, a bad request.
    """
    ctx = ctx.pinned()  # one catalogue version throughout
    config = ctx.config
    request = (request or PlanRequest()).check(config)
    _refused(config, method)
    t0 = time.perf_counter()
    at = ctx.now()
    day = request.day or ledger_day(config, at)
    run = Run(
        Sizes(0, 0, 0, 0),
        method,
        config.learning.exploration,
        str(at),
        day,
        config.experiment,
    )
    where = Where(address, shards, shard_dir)
    lim = plan_limits(request, config, ctx.ledger, day)
    solved, rows, made, took = _solve_on_ray(ctx, request, day, lim, run, where)
    plan = plan_record(
        ctx,
        request,
        day,
        at,
        solved,
        lim.cap_all,
        parent_id=parent_id,
        hypothetical=False,
        seconds=time.perf_counter() - t0,
    )
    return RayPlan(store_plan(ctx, plan, rows), made, took)
