"""A plan's totals per treatment, summed so that any split of the customers agrees.

Counts are integers and pounds are fixed-point sums (:mod:`tools.planning.fixed`),
so the totals of one problem and the merged totals of its shards are the same
numbers (the Ray engine merges one per shard). "One more slot" is the same: the
largest gain per treatment is a maximum, merged by taking the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.planning.fixed import fixed, unfixed
from tools.planning.problem import (
    UNASSIGNED,
    BoolArray,
    BudgetGroup,
    FloatArray,
    IntArray,
    PlanProblem,
)


@dataclass(frozen=True)
class PlanTotals:
    """Per treatment: planned customers, their EV and cost, and lawful pairs."""

    count: IntArray
    value: tuple[int, ...]  # fixed point
    spend: tuple[int, ...]  # fixed point
    offered: IntArray

    @staticmethod
    def of(problem: PlanProblem, choice: IntArray) -> PlanTotals:
        """The totals of an assignment (chosen pair per customer)."""
        t = len(problem.treatments)
        chosen = choice[choice != UNASSIGNED]
        tr = problem.pair_treatment[chosen]
        ev, cost = problem.ev[chosen], problem.cost[chosen]
        return PlanTotals(
            np.bincount(tr, minlength=t).astype(np.int64),
            tuple(fixed(ev[tr == i]) for i in range(t)),
            tuple(fixed(cost[tr == i]) for i in range(t)),
            np.bincount(problem.pair_treatment, minlength=t).astype(np.int64),
        )

    def merge(self, other: PlanTotals) -> PlanTotals:
        """The totals of both parts."""
        return PlanTotals(
            self.count + other.count,
            tuple(a + b for a, b in zip(self.value, other.value, strict=True)),
            tuple(a + b for a, b in zip(self.spend, other.spend, strict=True)),
            self.offered + other.offered,
        )

    @property
    def assigned(self) -> int:
        """Customers planned."""
        return int(self.count.sum())

    @property
    def total_value(self) -> float:
        """The plan's expected value, pounds."""
        return unfixed(sum(self.value))

    @property
    def total_spend(self) -> float:
        """The plan's cost, pounds."""
        return unfixed(sum(self.spend))

    def pounds(self, fixed_sums: tuple[int, ...]) -> FloatArray:
        """Per treatment, a fixed-point column in pounds."""
        return np.array([unfixed(v) for v in fixed_sums])


def slot_room(
    cap_all: FloatArray, groups: tuple[BudgetGroup, ...], totals: PlanTotals
) -> tuple[BoolArray, FloatArray]:
    """Which treatments are full, and the budget left in each group."""
    full = ~(totals.count < cap_all - 1e-9)
    room = np.array(
        [g.bound - unfixed(sum(totals.spend[i] for i in g.treatments)) for g in groups]
    )
    return full, room


def slot_gains(
    problem: PlanProblem, choice: IntArray, full: BoolArray, room: FloatArray
) -> FloatArray:
    """Per full treatment, the most a customer gains by moving to it (-inf: none).

    Args:
        problem: The problem (or a shard of it).
        choice: Its chosen pair per customer.
        full: Per treatment, whether it is full in the whole plan.
        room: Per budget group, what is left of it in the whole plan.
    """
    t = len(problem.treatments)
    out = np.full(t, -np.inf)
    chosen = choice[choice != UNASSIGNED]
    current = np.zeros(problem.n_customers)
    current[problem.pair_customer[chosen]] = problem.ev[chosen]
    gain = problem.ev - current[problem.pair_customer]
    on_it = np.zeros(problem.n_pairs, dtype=bool)
    on_it[chosen] = True
    for i in np.flatnonzero(full):
        mine = (problem.pair_treatment == i) & ~on_it & (gain > 0)
        for g, group in enumerate(problem.groups):  # a budget must afford the move
            if i in group.treatments:
                mine &= problem.cost <= room[g] + 1e-9
        if mine.any():
            out[i] = float(gain[mine].max())
    return out
