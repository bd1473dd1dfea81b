"""The plan's baselines on Ray: first-come and greedy by EV over the shards.

First-come books customers in id order: the shards are id ranges, so it runs shard
after shard, each starting with the room the previous one left (the local
:func:`tools.planning.baselines.first_come` on each). Greedy by EV books pairs from
the highest EV down: a pair of a treatment with no limit always fits, so a customer
whose best such pair comes first is booked on it where it is; only the pairs that
compete for a limit (and come before the customer's unlimited best) are merged in
order on the driver, a chunk at a time, each shard leaving out treatments already
full. Both are the sequential rules, as locally (with a shared budget, room is
counted in floats in another grouping: equal but for a pound's last bits).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tools.planning.baselines import first_come
from tools.planning.fixed import fixed, unfixed
from tools.planning.lagrangian import Limits
from tools.planning.model import Baselines
from tools.planning.problem import (
    UNASSIGNED,
    BoolArray,
    BudgetGroup,
    FloatArray,
    IntArray,
    PlanProblem,
    usage,
)
from tools.planning.repair import in_order

Room = tuple[FloatArray, FloatArray, FloatArray]


@dataclass(frozen=True)
class GreedyChunk:
    """Pairs that compete for a limit, in (-EV, pair) order."""

    neg: FloatArray
    gpair: IntArray
    gcust: IntArray
    treatment: IntArray
    cost: FloatArray
    high_value: BoolArray
    more: bool


class BaselineSteps:
    """A shard's side of the baselines (mixed into the shard's actor)."""

    problem: PlanProblem
    cust_off: int
    pair_off: int

    def b_first_come(self, room: Room) -> tuple[Room, int, int]:
        """First-come over this shard with the room left; the room it leaves."""
        picks, left = first_come_in(self.problem, room)
        chosen = picks[picks != UNASSIGNED]
        return left, fixed(self.problem.ev[chosen]), len(chosen)

    def g_prepare(self, contested: BoolArray) -> int:
        """Order the pairs by EV; keep those competing before the unlimited best."""
        p = self.problem
        idx = np.flatnonzero(p.ev > 1e-9)
        order = idx[np.lexsort((idx, -p.ev[idx]))]
        cont = contested[p.pair_treatment[order]]
        at = np.arange(len(order))
        first_free = np.full(p.n_customers, len(order))
        np.minimum.at(first_free, p.pair_customer[order[~cont]], at[~cont])
        self.g_free = np.full(p.n_customers, UNASSIGNED, dtype=np.int64)
        has = first_free < len(order)
        self.g_free[has] = order[first_free[has]]
        self.g_list = order[cont & (at < first_free[p.pair_customer[order]])]
        self.g_at = 0
        return len(self.g_list)

    def g_next(self, n: int, closed: BoolArray) -> GreedyChunk:
        """The next ``n`` competing pairs of treatments not yet full."""
        p = self.problem
        out: list[IntArray] = []
        got, end = 0, len(self.g_list)
        while got < n and self.g_at < end:
            at = np.arange(self.g_at, min(self.g_at + 4 * n, end))
            at = at[~closed[p.pair_treatment[self.g_list[at]]]]
            if got + len(at) > n:  # stop where the chunk is full
                at = at[: n - got]
                self.g_at = int(at[-1]) + 1
            else:
                self.g_at = min(self.g_at + 4 * n, end)
            out.append(self.g_list[at])
            got += len(at)
        pairs = np.concatenate(out) if out else np.zeros(0, np.int64)
        cust = p.pair_customer[pairs]
        return GreedyChunk(
            -p.ev[pairs],
            pairs + self.pair_off,
            cust + self.cust_off,
            p.pair_treatment[pairs],
            p.cost[pairs],
            p.high_value[cust],
            self.g_at < end,
        )

    def g_finish(self, gcust: IntArray, gpair: IntArray) -> tuple[int, int]:
        """Book what the driver took here; everyone else takes the unlimited best."""
        p = self.problem
        pick = self.g_free.copy()
        lo = self.cust_off
        mine = (gcust >= lo) & (gcust < lo + p.n_customers)
        pick[gcust[mine] - lo] = gpair[mine] - self.pair_off
        chosen = pick[pick != UNASSIGNED]
        return fixed(p.ev[chosen]), len(chosen)


def room_of(cap_all: FloatArray, cap_std: FloatArray, groups: Any) -> Room:
    """The room of fresh limits (slots for all, for standard, each budget)."""
    return (
        cap_all.astype(np.float64).copy(),
        cap_std.astype(np.float64).copy(),
        np.array([g.bound for g in groups], dtype=np.float64),
    )


def first_come_in(p: PlanProblem, room: Room) -> tuple[IntArray, Room]:
    """:func:`first_come` over ``p``'s pairs with ``room`` left; the room it leaves.

    A shard's part of a first-come booking in id order (the shards are id ranges:
    each starts with the room the shards before it left).
    """
    room_all, room_std, room_grp = room
    groups = tuple(
        BudgetGroup(g.key, g.treatments, float(room_grp[k]))
        for k, g in enumerate(p.groups)
    )
    q = replace(p, cap_all=room_all, cap_std=room_std, groups=groups)
    picks = first_come(q)
    use = usage(q, picks[picks != UNASSIGNED])
    return picks, (room_all - use.all, room_std - use.std, room_grp - use.groups)


class ActorCalls:
    """Calls on the shards' actors, in shard order (for :func:`in_order`)."""

    def __init__(self, ray: Any, actors: list[Any]) -> None:
        self.ray, self.actors = ray, actors

    def call(self, method: str, *args: Any) -> list[Any]:
        """``method(*args)`` on every actor."""
        return list(
            self.ray.get([getattr(a, method).remote(*args) for a in self.actors])
        )

    def call_some(self, method: str, which: list[int], *args: Any) -> list[Any]:
        """``method(*args)`` on the actors ``which``."""
        refs = [getattr(self.actors[k], method).remote(*args) for k in which]
        return list(self.ray.get(refs))


def _greedy(calls: ActorCalls, limits: Limits) -> tuple[int, int]:
    """Greedy by EV: the competing pairs in order here, the rest in the shards."""
    room_all, room_std = limits.cap_all.copy(), limits.cap_std.copy()
    room_grp = np.array([g.bound for g in limits.groups], dtype=np.float64)
    groups_of = [
        [g for g, grp in enumerate(limits.groups) if i in grp.treatments]
        for i in range(len(limits.treatments))
    ]
    contested = np.isfinite(limits.cap_all) | np.isfinite(limits.cap_std)
    contested |= np.array([bool(x) for x in groups_of])
    counts = calls.call("g_prepare", contested)
    taken: dict[int, int] = {}
    for ch, j in in_order(calls, counts, "g_next", lambda: (room_all < 1,)):  # type: ignore[arg-type]
        c = int(ch.gcust[j])
        if c in taken:
            continue
        t, hv, cost = int(ch.treatment[j]), bool(ch.high_value[j]), float(ch.cost[j])
        if room_all[t] < 1 or (not hv and room_std[t] < 1):
            continue
        if any(cost > room_grp[g] + 1e-9 for g in groups_of[t]):
            continue
        room_all[t] -= 1
        room_std[t] -= 0 if hv else 1
        for g in groups_of[t]:
            room_grp[g] -= cost
        taken[c] = int(ch.gpair[j])
    gcust = np.array(list(taken), dtype=np.int64)
    gpair = np.array(list(taken.values()), dtype=np.int64)
    done = calls.call("g_finish", gcust, gpair)
    return sum(d[0] for d in done), sum(d[1] for d in done)


def ray_baselines(ray: Any, actors: list[Any], limits: Limits) -> Baselines:
    """First-come and greedy by EV over the shards (the local rules' results)."""
    calls = ActorCalls(ray, actors)
    room = room_of(limits.cap_all, limits.cap_std, limits.groups)
    fc_value = fc_n = 0
    for a in actors:  # id order: shard after shard
        room, value, n = ray.get(a.b_first_come.remote(room))
        fc_value += value
        fc_n += n
    gr_value, gr_n = _greedy(calls, limits)
    return Baselines(
        first_come=round(unfixed(fc_value), 2),
        greedy_by_value=round(unfixed(gr_value), 2),
        first_come_assigned=fc_n,
        greedy_assigned=gr_n,
    )
