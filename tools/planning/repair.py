"""Make the price-driven choice feasible, then fill any slack left greedily.

Over-full limits drop the choices that lose least by moving to their next best
option (their regret); those customers then take their next best option, until
nothing is over-full. Then greedy upgrades into whatever slack remains, best gain
first. The blocks (:class:`tools.planning.pair_block.PairBlock`) hold the choices;
this side finds the cuts from their best keys and runs the fill's sequence over
their candidates merged in order, so any number of blocks gives the one-block
result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from tools.planning.fixed import unfixed
from tools.planning.problem import UNASSIGNED

if TYPE_CHECKING:
    from tools.planning.block_repair import FillChunk
    from tools.planning.lagrangian import Blocks, Limits

FILL_LIMIT = 500_000
FILL_CHUNK = 65_536
_ROUNDS = 10_000


def _cuts(blocks: Blocks, over: list[tuple[int, str, int]]) -> list[Any]:
    """Per over-full (treatment, kind, keep): the key of the last pick kept."""
    if not over:
        return []
    tops = blocks.call("r_top", over)
    cuts: list[Any] = []
    for j, (i, kind, keep) in enumerate(over):
        neg = np.concatenate([t[j][0] for t in tops])
        gc = np.concatenate([t[j][1] for t in tops])
        if keep == 0:
            cuts.append((i, kind, -math.inf, -1))
            continue
        last = np.lexsort((gc, neg))[keep - 1]
        cuts.append((i, kind, float(neg[last]), int(gc[last])))
    return cuts


def _budgets(blocks: Blocks, limits: Limits) -> None:
    """Drop, per budget in turn, the tail of its picks by regret per pound."""
    for g, group in enumerate(limits.groups):
        if unfixed(sum(blocks.call("r_group_total", g))) <= group.bound + 1e-9:
            continue
        limit = (group.bound + 1e-9) * (1 + 1e-9) + 1e-6
        parts = blocks.call("r_group_prefix", g, limit)
        key = np.concatenate([x[0] for x in parts])
        gc = np.concatenate([x[1] for x in parts])
        cost = np.concatenate([x[2] for x in parts])
        order = np.lexsort((gc, key))
        fits = np.cumsum(cost[order]) <= group.bound + 1e-9
        if fits.all():
            continue
        first = order[int(np.argmin(fits))]
        blocks.call("r_group_drop", g, float(key[first]), int(gc[first]))


def repair(blocks: Blocks, limits: Limits) -> None:
    """Drop picks from over-full limits until none is (each block's picks change)."""
    blocks.call("r_start")
    t = len(limits.treatments)
    for _ in range(_ROUNDS):
        std_use = np.sum(blocks.call("r_begin"), axis=0)
        over = [
            (i, "std", int(limits.cap_std[i]))
            for i in range(t)
            if std_use[i] > limits.cap_std[i]
        ]
        all_use = np.sum(blocks.call("r_drop", _cuts(blocks, over)), axis=0)
        over = [
            (i, "all", int(limits.cap_all[i]))
            for i in range(t)
            if all_use[i] > limits.cap_all[i]
        ]
        blocks.call("r_drop", _cuts(blocks, over))
        _budgets(blocks, limits)
        if not any(blocks.call("r_finish")):
            break


def check_limits(blocks: Blocks, limits: Limits) -> None:
    """Raise if the blocks' picks break a limit (a bug: the repair prevents it).

    Raises:
        RuntimeError: Naming the first limits broken.
    """
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


class _Slack:
    """The room left in every limit while the fill takes upgrades in order."""

    def __init__(self, blocks: Blocks, limits: Limits) -> None:
        use = blocks.call("usage")
        self.all = limits.cap_all - np.sum([u[0] for u in use], axis=0)
        self.std = limits.cap_std - np.sum([u[1] for u in use], axis=0)
        self.grp = np.array(
            [
                g.bound - unfixed(sum(u[2][k] for u in use))
                for k, g in enumerate(limits.groups)
            ],
            dtype=np.float64,
        )
        self.groups_of = [
            [g for g, grp in enumerate(limits.groups) if i in grp.treatments]
            for i in range(len(limits.treatments))
        ]
        self.picks: dict[int, tuple[int, int, float, float]] = {}

    def take(self, ch: FillChunk, j: int) -> bool:
        """Try candidate ``j`` of a chunk; True when it was taken."""
        c = int(ch.gcust[j])
        old = self.picks.get(c)
        if old is None:
            old = (
                int(ch.old_gpair[j]),
                int(ch.old_treatment[j]),
                float(ch.old_ev[j]),
                float(ch.old_cost[j]),
            )
        ev = float(ch.ev[j])
        if old[0] != UNASSIGNED and old[2] >= ev:
            return False
        t, hv = int(ch.treatment[j]), bool(ch.high_value[j])
        if self.all[t] < 1 or (not hv and self.std[t] < 1):
            return False
        cost = float(ch.cost[j])
        old_t = old[1] if old[0] != UNASSIGNED else -1
        old_cost = old[3] if old[0] != UNASSIGNED else 0.0
        refund = [
            old_cost if old_t >= 0 and g in self.groups_of[old_t] else 0.0
            for g in range(len(self.grp))
        ]
        if any(self.grp[g] + refund[g] < cost - 1e-9 for g in self.groups_of[t]):
            return False
        self.all[t] -= 1
        self.std[t] -= 0 if hv else 1
        for g in self.groups_of[t]:
            self.grp[g] -= cost
        if old_t >= 0:
            self.all[old_t] += 1
            self.std[old_t] += 0 if hv else 1
            for g in self.groups_of[old_t]:
                self.grp[g] += old_cost
        self.picks[c] = (int(ch.gpair[j]), t, ev, cost)
        return True


def in_order(
    blocks: Blocks, counts: list[int], method: str, args: Callable[[], tuple[Any, ...]]
) -> Iterator[tuple[Any, int]]:
    """The blocks' candidates merged in (key, pair) order: (chunk, row) each.

    Each block hands its own candidates in order, a chunk at a time
    (``method(n, *args())`` returns an object with ``neg``, ``gpair``, ``more``);
    a candidate is yielded once no unread one of another block can precede it.
    """
    buffers: list[Any] = [None] * len(counts)
    pos = [0] * len(counts)
    more = [n > 0 for n in counts]
    while True:
        need = [
            k
            for k in range(len(counts))
            if more[k] and (buffers[k] is None or pos[k] >= len(buffers[k].gpair))
        ]
        if need:
            got = blocks.call_some(method, need, FILL_CHUNK, *args())
            for k, ch in zip(need, got, strict=True):
                buffers[k], pos[k], more[k] = ch, 0, ch.more
        ends = [
            (float(b.neg[-1]), int(b.gpair[-1]))
            for k, b in enumerate(buffers)
            if more[k] and len(b.gpair)
        ]
        front = min(ends) if ends else None
        rows: list[tuple[float, int, int, int]] = []
        for k, b in enumerate(buffers):
            if b is None or pos[k] >= len(b.gpair):
                continue
            neg, gp = b.neg[pos[k] :], b.gpair[pos[k] :]
            n = len(neg)
            if front is not None:  # a prefix: each buffer is in order
                n = int(
                    np.count_nonzero(
                        (neg < front[0]) | ((neg == front[0]) & (gp <= front[1]))
                    )
                )
            rows.extend((float(neg[j]), int(gp[j]), k, pos[k] + j) for j in range(n))
            pos[k] += n
        if not rows and not any(more):
            return
        rows.sort()
        for _neg, _gp, k, j in rows:
            yield buffers[k], j


def fill(blocks: Blocks, limits: Limits) -> None:
    """Greedy upgrades into whatever slack remains, best gain first."""
    room = _Slack(blocks, limits)
    counts = blocks.call("f_prepare", room.all >= 1)
    done = 0
    for chunk, j in in_order(blocks, counts, "f_next", tuple):
        if done >= FILL_LIMIT or not (room.all >= 1).any():
            break
        room.take(chunk, j)
        done += 1
    if room.picks:
        gcust = np.array(list(room.picks), dtype=np.int64)
        gpair = np.array([v[0] for v in room.picks.values()], dtype=np.int64)
        blocks.call("f_apply", gcust, gpair)
