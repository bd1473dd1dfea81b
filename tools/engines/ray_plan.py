"""``cvm plan --engine ray``: the day's plan with shards in Ray actors.

Each actor reads one Parquet shard (:mod:`tools.engines.shards`), runs the kernel
on it, keeps its lawful pairs (:func:`tools.planning.candidates.pair_columns`, the
local engine's definition) and holds them as a :class:`tools.planning.pair_block.
PairBlock`. The driver moves the prices, cuts over-full limits and runs the fill
with :func:`tools.planning.lagrangian.solve_blocks`, the local engine's own
optimiser, from the blocks' summaries (top gains with ties, counts, fixed-point
sums, fill candidates in order); no shard's customers come to the driver until the
plan's rows are stored. Shards are id ranges in order, so every tie-break is the
local one: same inputs, same assignment and value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from tools.allocation import ledger_day
from tools.config import CVMConfig
from tools.context import ToolContext
from tools.engines.baselines_ray import BaselineSteps, ray_baselines
from tools.engines.ray_session import ray_session, shard_folder
from tools.engines.shards import Shard, ShardSource, export_shards, shard_count
from tools.errors import ToolInputError
from tools.kernel.batch import decide_where
from tools.ledger.model import PlanRowInput
from tools.planning.candidates import (
    PlanLimits,
    ledger_blocks,
    pair_columns,
    plan_limits,
)
from tools.planning.lagrangian import Limits, solve_blocks
from tools.planning.model import Plan
from tools.planning.pair_block import PairBlock
from tools.planning.plan import Solved, plan_record, store_plan
from tools.planning.problem import UNASSIGNED, PlanProblem
from tools.planning.request import PlanRequest
from tools.planning.totals import PlanTotals, slot_gains, slot_room
from tools.store.source import store_path


class ShardPlanner(BaselineSteps):
    """One shard's pairs and its block of the plan (a Ray actor)."""

    def __init__(
        self,
        shard: Shard,
        config: CVMConfig,
        allowed: np.ndarray,
        wanted: set[str],
        blocked: tuple[set[str], dict[str, set[int]]],
    ) -> None:
        source = ShardSource(shard)
        try:
            d = decide_where(source, config)  # type: ignore[arg-type]
        finally:
            source.close()
        keys = tuple(config.treatments)
        self.cols = pair_columns([d], keys, allowed, wanted, blocked)
        self.keys = keys
        self.block: PairBlock | None = None

    def sizes(self) -> tuple[int, int, int]:
        """Customers with a pair, pairs, customers in scope."""
        c = self.cols
        return len(c.customer_ids), len(c.ev), c.in_scope

    def place(self, cust_off: int, pair_off: int, lim: PlanLimits) -> None:
        """Become the block at these offsets of the whole problem."""
        c = self.cols
        self.problem = PlanProblem(
            customer_ids=c.customer_ids,
            high_value=c.high_value,
            treatments=self.keys,
            pair_customer=c.pair_customer,
            pair_treatment=c.pair_treatment,
            ev=c.ev,
            cost=lim.cost[c.pair_treatment],
            cap_all=lim.cap_all,
            cap_std=lim.cap_std,
            groups=lim.groups,
        )
        self.cust_off, self.pair_off = cust_off, pair_off
        self.block = PairBlock(self.problem, cust_off, pair_off)

    def call(self, method: str, *args: Any) -> Any:
        """``PairBlock.method(*args)`` on this shard's block."""
        return getattr(self.block, method)(*args)

    def totals(self) -> PlanTotals:
        """This shard's part of the plan's totals."""
        assert self.block is not None
        return PlanTotals.of(self.problem, self.block.pick)

    def slot_gains(self, full: np.ndarray, room: np.ndarray) -> np.ndarray:
        """This shard's best move into each full treatment."""
        assert self.block is not None
        return slot_gains(self.problem, self.block.pick, full, room)

    def rows(self) -> list[PlanRowInput]:
        """The shard's planned bookings (customer order)."""
        assert self.block is not None
        p, pick = self.problem, self.block.pick
        chosen = pick[pick != UNASSIGNED]
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


class RayBlocks:
    """The blocks as Ray actors (:class:`tools.planning.lagrangian.Blocks`)."""

    def __init__(self, ray: Any, actors: list[Any]) -> None:
        self.ray, self.actors = ray, actors

    def call(self, method: str, *args: Any) -> list[Any]:
        """See :class:`tools.planning.lagrangian.Blocks`."""
        return list(self.ray.get([a.call.remote(method, *args) for a in self.actors]))

    def call_some(self, method: str, which: list[int], *args: Any) -> list[Any]:
        """See :class:`tools.planning.lagrangian.Blocks`."""
        refs = [self.actors[k].call.remote(method, *args) for k in which]
        return list(self.ray.get(refs))


@dataclass(frozen=True)
class RayPlan:
    """A stored plan made on Ray, and how long its parts took."""

    plan: Plan
    shards: int
    seconds: dict[str, float]


def _placed(ray: Any, actors: list[Any], lim: PlanLimits) -> tuple[int, int, int]:
    """Number the shards' customers and pairs in order; returns the three totals."""
    sizes = ray.get([a.sizes.remote() for a in actors])
    cust_off = np.cumsum([0] + [s[0] for s in sizes])
    pair_off = np.cumsum([0] + [s[1] for s in sizes])
    ray.get(
        [
            a.place.remote(int(cust_off[k]), int(pair_off[k]), lim)
            for k, a in enumerate(actors)
        ]
    )
    return int(cust_off[-1]), int(pair_off[-1]), sum(s[2] for s in sizes)


def _check(blocks: RayBlocks, limits: Limits) -> None:
    """The assignment breaks no limit (as the local engine checks its own)."""
    from tools.planning.fixed import unfixed

    use = blocks.call("usage")
    all_use = np.sum([u[0] for u in use], axis=0)
    std_use = np.sum([u[1] for u in use], axis=0)
    broken = [
        key
        for i, key in enumerate(limits.treatments)
        if all_use[i] > limits.cap_all[i] + 1e-9
        or std_use[i] > limits.cap_std[i] + 1e-9
    ]
    for k, g in enumerate(limits.groups):
        if unfixed(sum(u[2][k] for u in use)) > g.bound + 1e-6:
            broken.append(g.key)
    if broken:
        raise RuntimeError(f"lagrangian broke limits: {', '.join(broken[:3])}")


def _solved(
    ray: Any,
    actors: list[Any],
    lim: PlanLimits,
    sizes: tuple[int, int],
    took: dict[str, float],
) -> tuple[Solved, list[PlanRowInput]]:
    """Solve over the placed shards; the plan's facts and its rows."""
    limits = Limits(lim.treatments, lim.cap_all, lim.cap_std, lim.groups)
    blocks = RayBlocks(ray, actors)
    t1 = time.perf_counter()
    got = solve_blocks(blocks, limits)
    _check(blocks, limits)
    took["solve"] = time.perf_counter() - t1
    parts = ray.get([a.totals.remote() for a in actors])
    totals = parts[0]
    for part in parts[1:]:
        totals = totals.merge(part)
    full, room = slot_room(lim.cap_all, lim.groups, totals)
    gains = np.max(ray.get([a.slot_gains.remote(full, room) for a in actors]), axis=0)
    t2 = time.perf_counter()
    baselines = ray_baselines(ray, actors, limits)
    took["baselines"] = time.perf_counter() - t2
    rows = [r for part in ray.get([a.rows.remote() for a in actors]) for r in part]
    bound, value = got.bound, got.value
    solved = Solved(
        customers=sizes[1],
        candidates=sizes[0],
        solver="lagrangian",
        value=value,
        bound=bound,
        gap=0.0 if bound <= 1e-9 else max(0.0, (bound - value) / bound),
        totals=totals,
        worth=np.where(np.isfinite(gains), gains, 0.0),
        baselines=baselines,
        budget_prices={
            g.key: round(float(v), 4)
            for g, v in zip(lim.groups, got.prices.groups, strict=True)
        },
    )
    return solved, rows


def plan_on_ray(
    ctx: ToolContext,
    request: PlanRequest | None = None,
    *,
    address: str | None = None,
    shards: int | None = None,
    shard_dir: str | None = None,
    parent_id: str | None = None,
) -> RayPlan:
    """Plan the day on Ray and store the plan (the local engine's plan, same inputs).

    Args:
        ctx: Configuration, customer store (DuckDB) and ledger.
        request: Day, scope and changed limits (default: today, everyone).
        address: A Ray cluster's address; None starts a local Ray.
        shards: How many shards (default: one per 250,000 customers, at least 2).
        shard_dir: Where the shards go (shared storage on a cluster).
        parent_id: The plan this one is a what-if of.

    Raises:
        ToolInputError: A JSON data folder (no store), Ray missing or unreachable,
            a bad request.
    """
    ctx = ctx.pinned()
    config = ctx.config
    request = (request or PlanRequest()).check(config)
    if config.settings.data_dir:
        raise ToolInputError(
            "--engine ray reads the customer store: import the JSON folder first "
            "(cvm import)"
        )
    t0 = time.perf_counter()
    at = ctx.now()
    day = request.day or ledger_day(config, at)
    allowed = np.array(request.treatment_mask(config))
    wanted = {c.upper() for c in request.scope.customers}
    blocked = ledger_blocks(ctx.ledger, day, config)
    lim = plan_limits(request, config, ctx.ledger, day)
    n = ctx.customers.count()
    took: dict[str, float] = {}
    with (
        shard_folder(shard_dir, config.state_path) as folder,
        ray_session(address) as ray,
    ):
        count = shards or shard_count(n)
        made = export_shards(store_path(config), folder / "base", count)
        took["export"] = time.perf_counter() - t0
        actor = ray.remote(ShardPlanner)
        conf = ray.put(config)
        actors = [actor.remote(s, conf, allowed, wanted, blocked) for s in made]
        _, n_pairs, in_scope = _placed(ray, actors, lim)
        took["decide"] = time.perf_counter() - t0 - took["export"]
        solved, rows = _solved(ray, actors, lim, (n_pairs, in_scope), took)
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
    return RayPlan(store_plan(ctx, plan, rows), len(made), took)
