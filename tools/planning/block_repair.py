"""A block's side of the repair and the fill (:mod:`tools.planning.repair` drives).

Over-full limits drop the chosen pairs that lose least by moving to their next best
option (their regret), by a cut the coordinator finds from the blocks' best keys;
budgets drop a tail of the blocks' choices ordered by regret per pound. The fill
hands the coordinator its candidate upgrades in order, chunk by chunk, and applies
the ones it accepted. Keys carry the customer's (and pair's) index in the whole
problem, so the order, and every tie-break, is the one-block order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.planning.fixed import fixed
from tools.planning.problem import (
    UNASSIGNED,
    BoolArray,
    FloatArray,
    IntArray,
    PlanProblem,
    best_per_customer,
)


@dataclass(frozen=True)
class FillChunk:
    """Candidate upgrades in order (-gain, pair), with each customer's pick now."""

    neg: FloatArray  # -gain
    gpair: IntArray
    gcust: IntArray
    treatment: IntArray
    ev: FloatArray
    cost: FloatArray
    high_value: BoolArray
    old_gpair: IntArray  # -1: none
    old_treatment: IntArray
    old_ev: FloatArray
    old_cost: FloatArray
    more: bool


def _top2_regret(net: FloatArray, problem: PlanProblem, pick: IntArray) -> FloatArray:
    """Per customer: net of the chosen pair minus the best other option (floor 0)."""
    masked = net.copy()
    chosen = pick[pick != UNASSIGNED]
    masked[chosen] = -np.inf
    second, _ = best_per_customer(masked, problem.pair_customer, problem.n_customers)
    first = np.zeros(problem.n_customers)
    first[problem.pair_customer[chosen]] = net[chosen]
    return first - second


class RepairSteps:
    """The repair's and the fill's steps over one block (mixed into ``PairBlock``)."""

    p: PlanProblem
    net: FloatArray
    pick: IntArray
    cust_off: int
    pair_off: int

    def r_start(self) -> None:
        """Each customer's best pair under the final prices."""
        self.r_net = self.net.copy()
        _, self.pick = best_per_customer(
            self.r_net, self.p.pair_customer, self.p.n_customers
        )

    def r_begin(self) -> IntArray:
        """A repair round: regrets of the picks; standard slots used per treatment."""
        p = self.p
        self.regret = _top2_regret(self.r_net, p, self.pick)
        self.chosen = self.pick[self.pick != UNASSIGNED]
        self.tr = p.pair_treatment[self.chosen]
        self.cust = p.pair_customer[self.chosen]
        self.dropped = np.zeros(len(self.chosen), dtype=bool)
        std = ~p.high_value[self.cust]
        return np.bincount(self.tr[std], minlength=len(p.treatments))

    def _sel(self, i: int, kind: str) -> IntArray:
        mine = self.tr == i
        if kind == "std":
            return np.flatnonzero(mine & ~self.p.high_value[self.cust])
        return np.flatnonzero(mine & ~self.dropped)

    def r_top(
        self, wanted: list[tuple[int, str, int]]
    ) -> list[tuple[FloatArray, IntArray]]:
        """Per (treatment, std|all, keep): the block's best ``keep`` keys."""
        out = []
        for i, kind, keep in wanted:
            sel = self._sel(i, kind)
            neg = -self.regret[self.cust[sel]]
            gc = self.cust[sel] + self.cust_off
            order = np.lexsort((gc, neg))[:keep]
            out.append((neg[order], gc[order]))
        return out

    def r_drop(self, cuts: list[tuple[int, str, float, int]]) -> IntArray:
        """Drop every selected pick whose key is after its cut; slots left in use."""
        for i, kind, neg_cut, gc_cut in cuts:
            sel = self._sel(i, kind)
            neg = -self.regret[self.cust[sel]]
            gc = self.cust[sel] + self.cust_off
            after = (neg > neg_cut) | ((neg == neg_cut) & (gc > gc_cut))
            self.dropped[sel[after]] = True
        return np.bincount(self.tr[~self.dropped], minlength=len(self.p.treatments))

    def _group_sel(self, g: int) -> IntArray:
        members = np.isin(self.tr, np.array(self.p.groups[g].treatments))
        return np.flatnonzero(members & ~self.dropped)

    def r_group_total(self, g: int) -> int:
        """What the picks still in budget ``g`` cost (fixed point)."""
        return fixed(self.p.cost[self.chosen[self._group_sel(g)]])

    def _group_keys(self, g: int) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
        sel = self._group_sel(g)
        cost = self.p.cost[self.chosen[sel]]
        key = -self.regret[self.cust[sel]] / np.maximum(cost, 1e-9)
        return sel, key, self.cust[sel] + self.cust_off, cost

    def r_group_prefix(
        self, g: int, limit: float
    ) -> tuple[FloatArray, IntArray, FloatArray]:
        """The block's picks in budget order until their own spend passes ``limit``."""
        _, key, gc, cost = self._group_keys(g)
        order = np.lexsort((gc, key))
        n = int(np.searchsorted(np.cumsum(cost[order]), limit, side="right")) + 1
        order = order[:n]
        return key[order], gc[order], cost[order]

    def r_group_drop(self, g: int, key_cut: float, gc_cut: int) -> None:
        """Drop the picks of budget ``g`` from the cut on (in budget order)."""
        sel, key, gc, _ = self._group_keys(g)
        after = (key > key_cut) | ((key == key_cut) & (gc >= gc_cut))
        self.dropped[sel[after]] = True

    def r_finish(self) -> bool:
        """Ban the dropped picks; their customers take their next best option."""
        if not self.dropped.any():
            return False
        p = self.p
        bad = self.chosen[self.dropped]
        self.r_net[bad] = -np.inf
        affected = np.zeros(p.n_customers, dtype=bool)
        affected[p.pair_customer[bad]] = True
        rows = affected[p.pair_customer]
        _, new_pick = best_per_customer(
            self.r_net[rows], p.pair_customer[rows], p.n_customers
        )
        local = np.flatnonzero(rows)
        self.pick[affected] = np.where(
            new_pick[affected] == UNASSIGNED,
            UNASSIGNED,
            local[np.maximum(new_pick[affected], 0)],
        )
        return True

    def f_prepare(self, open_t: BoolArray) -> int:
        """Order the block's upgrades into treatments with room (best gain first)."""
        p = self.p
        chosen = self.pick[self.pick != UNASSIGNED]
        current = np.zeros(p.n_customers)
        current[p.pair_customer[chosen]] = p.ev[chosen]
        self.f_gain = p.ev - current[p.pair_customer]
        ok = np.isfinite(self.r_net) & (self.f_gain > 1e-9) & open_t[p.pair_treatment]
        cand = np.flatnonzero(ok)
        self.f_cand = cand[np.lexsort((cand, -self.f_gain[cand]))]
        self.f_at = 0
        return len(cand)

    def f_next(self, n: int) -> FillChunk:
        """The next ``n`` candidates in order."""
        p = self.p
        c = self.f_cand[self.f_at : self.f_at + n]
        self.f_at += len(c)
        cust = p.pair_customer[c]
        old = self.pick[cust]
        has = old != UNASSIGNED
        safe = np.maximum(old, 0)
        return FillChunk(
            -self.f_gain[c],
            c + self.pair_off,
            cust + self.cust_off,
            p.pair_treatment[c],
            p.ev[c],
            p.cost[c],
            p.high_value[cust],
            np.where(has, old + self.pair_off, -1),
            np.where(has, p.pair_treatment[safe], -1),
            np.where(has, p.ev[safe], np.nan),
            np.where(has, p.cost[safe], 0.0),
            self.f_at < len(self.f_cand),
        )

    def f_apply(self, gcust: IntArray, gpair: IntArray) -> None:
        """Take the upgrades the coordinator accepted (those of this block)."""
        lo, hi = self.cust_off, self.cust_off + self.p.n_customers
        mine = (gcust >= lo) & (gcust < hi)
        self.pick[gcust[mine] - lo] = gpair[mine] - self.pair_off
