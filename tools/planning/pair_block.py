"""The per-customer, per-pair step of the Lagrangian: one block of customers.

A block holds a contiguous range of the plan's customers (in first-come order) and
their pairs, as a :class:`PlanProblem` of its own, plus where the range starts in
the whole problem (``cust_off``, ``pair_off``). Everything a block answers is
either elementwise over its pairs or a summary that merges exactly whatever the
blocks are: integer counts, maxima, the top of a sorted list with its ties, and
sums in fixed point (:func:`fixed`), so one block (the local engine) and many (Ray
actors, :mod:`tools.engines.ray_plan`) give the same plan bit for bit. The
coordination (prices, repair, fill) lives in :mod:`tools.planning.lagrangian` and
:mod:`tools.planning.repair`, written once for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.planning.block_repair import RepairSteps
from tools.planning.fixed import fixed, top_with_ties
from tools.planning.problem import (
    UNASSIGNED,
    FloatArray,
    IntArray,
    PlanProblem,
    best_per_customer,
    segment_starts,
)


@dataclass(frozen=True)
class Gains:
    """One treatment's positive gains in a block: the tops and the counts."""

    high: FloatArray  # high-value customers, descending
    std: FloatArray  # standard customers, descending
    n_high: int
    n_std: int


@dataclass(frozen=True)
class BlockFacts:
    """What the coordinator needs to know of a block before it prices."""

    n_customers: int
    n_pairs: int
    per_treatment: IntArray  # pairs per treatment
    ratio: FloatArray  # per group: the largest EV per pound of its members


class PairBlock(RepairSteps):
    """One block's pairs, their net values under the current prices, and its picks."""

    def __init__(self, problem: PlanProblem, cust_off: int = 0, pair_off: int = 0):
        self.p = problem
        self.cust_off, self.pair_off = cust_off, pair_off
        t = len(problem.treatments)
        self.std = ~problem.pair_high_value()
        self.in_group = np.zeros((len(problem.groups), t))
        for g, group in enumerate(problem.groups):
            self.in_group[g, list(group.treatments)] = 1.0
        self.by_treatment = [
            np.flatnonzero(problem.pair_treatment == i) for i in range(t)
        ]
        _, starts = segment_starts(problem.pair_customer)
        sizes = np.diff(np.r_[starts, problem.n_pairs])
        self.segment = np.repeat(np.arange(len(starts)), sizes)
        # treatments x customers, -inf where there is no pair: "best but one" is fast
        self.dense = np.full((t, len(starts)), -np.inf)
        self.net = np.zeros(problem.n_pairs)
        self.pick = np.full(problem.n_customers, UNASSIGNED, dtype=np.int64)

    def facts(self) -> BlockFacts:
        """Sizes, pairs per treatment and the budget groups' largest EV per pound."""
        p = self.p
        ratio = np.full(len(p.groups), -np.inf)
        for g, group in enumerate(p.groups):
            members = np.isin(p.pair_treatment, np.array(group.treatments))
            if members.any():
                ratio[g] = float(
                    np.max(p.ev[members] / np.maximum(p.cost[members], 1e-9))
                )
        per = np.bincount(p.pair_treatment, minlength=len(p.treatments))
        return BlockFacts(p.n_customers, p.n_pairs, per.astype(np.int64), ratio)

    # -- prices ------------------------------------------------------------------

    def priced(self, mu: FloatArray, nu: FloatArray, lam: FloatArray) -> FloatArray:
        """Each pair's EV net of the prices of the limits it uses."""
        p = self.p
        per_cost = lam @ self.in_group if len(lam) else np.zeros_like(mu)
        tr = p.pair_treatment
        return p.ev - mu[tr] - nu[tr] * self.std - per_cost[tr] * p.cost

    def reprice(self, mu: FloatArray, nu: FloatArray, lam: FloatArray) -> None:
        """Net values under these prices, copied into the dense table."""
        self.net = self.priced(mu, nu, lam)
        self.dense[self.p.pair_treatment, self.segment] = self.net

    def refresh(self, i: int, mu_i: float, nu_i: float, lam: FloatArray) -> None:
        """Update, in place, the net values of treatment ``i``'s pairs only."""
        own = self.by_treatment[i]
        p = self.p
        per_cost = lam @ self.in_group[:, i] if len(lam) else 0.0
        self.net[own] = p.ev[own] - mu_i - nu_i * self.std[own] - per_cost * p.cost[own]
        self.dense[i, self.segment[own]] = self.net[own]

    def gains(self, i: int, mu_i: float, nu_i: float, k_high: int, k_std: int) -> Gains:
        """Treatment ``i``'s gain per pair over the customer's best other option."""
        own = self.by_treatment[i]
        other = np.zeros(self.dense.shape[1])  # each customer's best option but this
        for j in range(len(self.dense)):
            if j != i:
                np.maximum(other, self.dense[j], out=other)
        gain = self.net[own] + mu_i + nu_i * self.std[own]
        gain -= other[self.segment[own]]
        std = self.std[own]
        g_std = gain[std & (gain > 0)]
        g_high = gain[~std & (gain > 0)]
        return Gains(
            top_with_ties(g_high, k_high),
            top_with_ties(g_std, k_std),
            len(g_high),
            len(g_std),
        )

    def dual_part(self) -> int:
        """The customers' best net values (floor 0), summed in fixed point."""
        best, _ = best_per_customer(self.net, self.p.pair_customer, self.p.n_customers)
        return fixed(best)

    def spend_part(
        self, g: int, mu: FloatArray, nu: FloatArray, lam: FloatArray
    ) -> int:
        """Group ``g``'s spend when each customer takes its best under these prices."""
        p = self.p
        _, pick = best_per_customer(
            self.priced(mu, nu, lam), p.pair_customer, p.n_customers
        )
        chosen = pick[pick != UNASSIGNED]
        members = np.isin(p.pair_treatment[chosen], np.array(p.groups[g].treatments))
        return fixed(p.cost[chosen][members])

    # -- the assignment ----------------------------------------------------------

    def usage(self) -> tuple[IntArray, IntArray, list[int], int]:
        """Slots (all, standard) per treatment, spend per group and value of picks."""
        p = self.p
        t = len(p.treatments)
        chosen = self.pick[self.pick != UNASSIGNED]
        tr = p.pair_treatment[chosen]
        std = self.std[chosen]
        all_use = np.bincount(tr, minlength=t).astype(np.int64)
        std_use = np.bincount(tr[std], minlength=t).astype(np.int64)
        spend = [
            fixed(p.cost[chosen][np.isin(tr, np.array(g.treatments))]) for g in p.groups
        ]
        return all_use, std_use, spend, fixed(p.ev[chosen])

    def choice(self) -> IntArray:
        """The picks as pair indexes of the whole problem (``UNASSIGNED`` kept)."""
        return np.where(self.pick == UNASSIGNED, UNASSIGNED, self.pick + self.pair_off)
