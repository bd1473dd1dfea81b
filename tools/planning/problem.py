"""The assignment problem a plan solves, as plain typed numpy columns.

A *pair* is one lawful customer × treatment option with its expected value and cost.
At most one pair per customer is chosen. Each treatment may have a remaining daily
capacity (``cap_all``) and a remaining capacity for standard (not high-value)
customers (``cap_std``: the ledger keeps ``floor(share × max)`` slots for high-value
customers, so standard customers may only use ``max − reserved − used``). A
treatment's own daily budget is a count cap too (its cost per contact is fixed), so it
is folded into ``cap_all`` by :func:`treatment_caps`. Budgets that span several
treatments (a channel's budget, a total budget) are ``groups``: Σ cost ≤ bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
UNASSIGNED = -1
_EPS = 1e-9


@dataclass(frozen=True)
class BudgetGroup:
    """A budget shared by several treatments: Σ cost of their chosen pairs ≤ bound."""

    key: str
    treatments: tuple[int, ...]
    bound: float


@dataclass(frozen=True)
class PlanProblem:
    """Candidate pairs and the limits they share.

    Attributes:
        customer_ids: Customer ids in first-come (id) order, shape (n,).
        high_value: Whether each customer may use reserved slots, shape (n,).
        treatments: Treatment keys; ``pair_treatment`` indexes this tuple.
        pair_customer: Customer index of each pair, ascending, shape (m,).
        pair_treatment: Treatment index of each pair, shape (m,).
        ev: Expected value of each pair in pounds, shape (m,).
        cost: Cost of each pair in pounds, shape (m,).
        cap_all: Remaining slots per treatment for everybody (inf = unlimited).
        cap_std: Remaining slots per treatment for standard customers.
        groups: Budgets shared by several treatments.
    """

    customer_ids: npt.NDArray[np.str_]
    high_value: BoolArray
    treatments: tuple[str, ...]
    pair_customer: IntArray
    pair_treatment: IntArray
    ev: FloatArray
    cost: FloatArray
    cap_all: FloatArray
    cap_std: FloatArray
    groups: tuple[BudgetGroup, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        m, t = len(self.pair_customer), len(self.treatments)
        for name in ("pair_treatment", "ev", "cost"):
            if len(getattr(self, name)) != m:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, not {m}")
        if len(self.cap_all) != t or len(self.cap_std) != t:
            raise ValueError("cap_all and cap_std need one entry per treatment")
        if m and np.any(np.diff(self.pair_customer) < 0):
            raise ValueError("pairs must be sorted by customer index")
        if len(self.high_value) != len(self.customer_ids):
            raise ValueError("high_value needs one entry per customer")

    @property
    def n_customers(self) -> int:
        """How many customers the problem covers."""
        return len(self.customer_ids)

    @property
    def n_pairs(self) -> int:
        """How many candidate pairs."""
        return len(self.pair_customer)

    def pair_high_value(self) -> BoolArray:
        """Whether each pair's customer is high-value."""
        return self.high_value[self.pair_customer]

    def restrict(self, keep: BoolArray) -> PlanProblem:
        """The same problem with only the pairs where ``keep`` is true."""
        return PlanProblem(
            customer_ids=self.customer_ids,
            high_value=self.high_value,
            treatments=self.treatments,
            pair_customer=self.pair_customer[keep],
            pair_treatment=self.pair_treatment[keep],
            ev=self.ev[keep],
            cost=self.cost[keep],
            cap_all=self.cap_all,
            cap_std=self.cap_std,
            groups=self.groups,
        )


def treatment_caps(
    max_per_day: float | None,
    reserved_share: float,
    used: int,
    daily_budget: float | None,
    spent: float,
    cost: float,
) -> tuple[float, float]:
    """Remaining (all, standard) slots of one treatment, as the ledger counts them.

    Mirrors :func:`tools.ledger_rules.ledger_verdicts`: a standard customer may book
    while ``used < max − floor(share × max)``, a high-value one while ``used < max``,
    and any booking while ``spent + cost ≤ budget``.
    """
    cap_all, cap_std = math.inf, math.inf
    if max_per_day is not None:
        reserved = int(reserved_share * max_per_day)
        cap_all = float(max(0, max_per_day - used))
        cap_std = float(max(0, max_per_day - reserved - used))
    if daily_budget is not None and cost > 0:
        by_budget = float(max(0, math.floor((daily_budget - spent) / cost + _EPS)))
        cap_all = min(cap_all, by_budget)
    cap_std = min(cap_std, cap_all)
    return cap_all, cap_std


@dataclass(frozen=True)
class Usage:
    """What an assignment uses of each limit."""

    all: FloatArray
    std: FloatArray
    groups: FloatArray


def usage(problem: PlanProblem, chosen: IntArray) -> Usage:
    """Slots per treatment (all, standard) and spend per group of chosen pairs.

    Args:
        problem: The problem.
        chosen: Indices of the chosen pairs.
    """
    t = len(problem.treatments)
    treat = problem.pair_treatment[chosen]
    std = ~problem.pair_high_value()[chosen]
    all_use = np.bincount(treat, minlength=t).astype(np.float64)
    std_use = np.bincount(treat[std], minlength=t).astype(np.float64)
    spend = np.bincount(treat, weights=problem.cost[chosen], minlength=t)
    groups = np.array(
        [spend[list(g.treatments)].sum() for g in problem.groups], dtype=np.float64
    )
    return Usage(all_use, std_use, groups)


def violations(problem: PlanProblem, choice: IntArray) -> list[str]:
    """Every limit an assignment breaks (empty when feasible).

    Args:
        problem: The problem.
        choice: Chosen pair index per customer, or ``UNASSIGNED``.
    """
    out: list[str] = []
    chosen = choice[choice != UNASSIGNED]
    if np.any(problem.pair_customer[chosen] != np.flatnonzero(choice != UNASSIGNED)):
        out.append("a chosen pair belongs to another customer")
    use = usage(problem, chosen)
    for i, key in enumerate(problem.treatments):
        if use.all[i] > problem.cap_all[i] + _EPS:
            out.append(f"{key}: {use.all[i]:g} > capacity {problem.cap_all[i]:g}")
        if use.std[i] > problem.cap_std[i] + _EPS:
            out.append(
                f"{key}: {use.std[i]:g} standard > unreserved {problem.cap_std[i]:g}"
            )
    for g, spent in zip(problem.groups, use.groups, strict=True):
        if spent > g.bound + 1e-6:
            out.append(f"{g.key}: £{spent:.2f} > budget £{g.bound:.2f}")
    return out


def value_of(problem: PlanProblem, choice: IntArray) -> float:
    """Total expected value of an assignment."""
    return float(problem.ev[choice[choice != UNASSIGNED]].sum())


def segment_starts(pair_customer: IntArray) -> tuple[IntArray, IntArray]:
    """Customers that have pairs, and where each one's pairs start."""
    if len(pair_customer) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, pair_customer[1:] != pair_customer[:-1]])
    return pair_customer[starts], starts.astype(np.int64)


def best_per_customer(
    score: FloatArray, pair_customer: IntArray, n_customers: int
) -> tuple[FloatArray, IntArray]:
    """Each customer's best score (floor 0) and its pair (``UNASSIGNED`` if ≤ 0).

    Ties go to the pair listed first, so the result is deterministic.
    """
    best = np.zeros(n_customers, dtype=np.float64)
    pick = np.full(n_customers, UNASSIGNED, dtype=np.int64)
    if len(score) == 0:
        return best, pick
    customers, starts = segment_starts(pair_customer)
    seg_max = np.maximum.reduceat(score, starts)
    at_max = score >= np.repeat(seg_max, np.diff(np.r_[starts, len(score)]))
    first = np.flatnonzero(at_max)
    first_seg, first_idx = np.unique(pair_customer[first], return_index=True)
    positive = seg_max > _EPS
    best[customers[positive]] = seg_max[positive]
    order = np.searchsorted(customers, first_seg)
    keep = positive[order]
    pick[first_seg[keep]] = first[first_idx[keep]]
    return best, pick
