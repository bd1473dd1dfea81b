"""The driver's side of the Ray plan: calls on the shards' actors, merged.

Each function asks every actor (:class:`tools.engines.shard_planner.ShardPlanner`)
one question and merges the answers in shard order (counts and fixed-point sums
add, maxima and minima merge), so the result is the one-block result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from tools.engines.baselines_ray import room_of
from tools.learning_config import Experiment
from tools.planning.explore import explorable, log_explored
from tools.planning.holdout import share_of
from tools.planning.holdout_plan import arms_record
from tools.planning.lagrangian import Limits
from tools.planning.limits import PlanLimits
from tools.planning.model import HeldOut, PlanArms
from tools.planning.totals import PlanTotals

log = logging.getLogger("tools.decisions")  # the decision log, as explore's


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
class Sizes:
    """The whole problem's sizes, from the shards'."""

    customers: int  # with a pair
    pairs: int
    in_scope: int
    positive: int  # pairs worth choosing (what the solver sees)


def placed(ray: Any, actors: list[Any], lim: PlanLimits) -> Sizes:
    """Number the shards' customers and pairs in order."""
    sizes = ray.get([a.sizes.remote() for a in actors])
    off = np.cumsum([[0, 0, 0, 0], *sizes], axis=0)
    ray.get(
        [
            a.place.remote((int(off[k, 0]), int(off[k, 1]), int(off[k, 3])), lim)
            for k, a in enumerate(actors)
        ]
    )
    return Sizes(*(int(x) for x in off[-1]))


def merged_totals(ray: Any, actors: list[Any]) -> PlanTotals:
    """The plan's totals, the shards' parts added."""
    parts = ray.get([a.totals.remote() for a in actors])
    totals = parts[0]
    for part in parts[1:]:
        totals = totals.merge(part)
    return totals  # type: ignore[no-any-return]


def explore_shards(
    ray: Any, actors: list[Any], lim: PlanLimits, n: int, epsilon: float, seed: str
) -> None:
    """Explore every shard with its slice of the plan's draws; log as locally."""
    parts = ray.get([a.offered.remote() for a in actors])
    holders = np.sum([h for h, _ in parts], axis=0)
    spend = [sum(s[i] for _, s in parts) for i in range(len(lim.treatments))]
    ok = explorable(holders, spend, lim.cap_all, lim.cap_std, lim.groups)
    got = ray.get([a.explore.remote(epsilon, ok, seed, n) for a in actors])
    picks = []
    if log.isEnabledFor(logging.DEBUG):
        picks = [
            x for part in ray.get([a.picks.remote() for a in actors]) for x in part
        ]
    explored, p_min = sum(g[0] for g in got), min((g[1] for g in got), default=1.0)
    log_explored(epsilon, n, explored, p_min, picks)


def challenge_shards(
    ray: Any, actors: list[Any], limits: Limits, share: float
) -> tuple[int, int]:
    """The challenger arm by its rule on its share of every limit, shard by shard.

    First-come in id order (the shards are id ranges: each starts with the room
    the ones before it left), as the local engine plans it
    (:mod:`tools.planning.holdout_plan`).

    Returns:
        The challenger's bookings and their value (fixed point).
    """
    room = room_of(*share_of((limits.cap_all, limits.cap_std, limits.groups), share))
    value = count = 0
    for a in actors:
        room, v, n = ray.get(a.challenge.remote(room))
        value, count = value + v, count + n
    return count, value


def hold_out_shards(
    ray: Any, actors: list[Any], exp: Experiment, challenger: tuple[int, int]
) -> tuple[PlanArms | None, tuple[HeldOut, ...]]:
    """Each shard sets its held-out customers apart; the plan's arms record.

    Args:
        ray: The Ray module.
        actors: The shards' actors, in order.
        exp: The control groups' shares.
        challenger: The challenger's bookings and their value (fixed point).
    """
    if exp.holdout_share == 0:
        return arms_record(exp, 0, 0, *challenger), ()
    parts = ray.get([a.hold_out.remote() for a in actors])
    held = tuple(h for rows, _, _ in parts for h in rows)
    value = sum(v for _, v, _ in parts)
    return arms_record(exp, len(held), value, *challenger), held
