"""Lagrangian dual decomposition for large bases, then a repair to feasibility.

Every coupled limit gets a price: per treatment a price on all its slots (``mu``) and
an extra price on the slots standard customers may use (``nu``, the high-value
reservation), per shared budget a price per pound (``lam``). Given prices, each
customer independently takes its best option net of prices (or nothing): one
vectorised pass over the pair columns. The prices are updated block by block
(Gauss–Seidel): for one treatment, the best prices given all the others are exact
order statistics of the customers' gains (a greedy over a nested capacity), for a
budget a bisection. Any prices give an upper bound (the dual value), so the gap of
the repaired assignment is always known. Everything is deterministic.

The customers' side (net values, gains, picks) is :class:`tools.planning.pair_block.
PairBlock`; this module only moves prices, from the blocks' summaries (the top of
each treatment's gains with ties, counts, fixed-point sums). The local engine runs
one block in this process (:func:`solve_lagrangian`); the Ray engine runs one per
shard as actors (:mod:`tools.engines.ray_plan`) through the same :func:`solve_blocks`,
so both give the same prices, assignment and value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tools.planning.exact import Prices
from tools.planning.fixed import unfixed
from tools.planning.pair_block import BlockFacts, Gains, PairBlock
from tools.planning.problem import BudgetGroup, FloatArray, IntArray, PlanProblem
from tools.planning.repair import fill, repair

MAX_SWEEPS = 40
REL_TOL = 1e-7
_BISECT_STEPS = 40


class Blocks(Protocol):
    """The blocks of a problem, wherever they run (this process or Ray actors)."""

    def call(self, method: str, *args: Any) -> list[Any]:
        """Call ``PairBlock.method(*args)`` on every block; results in block order."""
        ...

    def call_some(self, method: str, which: list[int], *args: Any) -> list[Any]:
        """The same on the blocks ``which`` only."""
        ...


class LocalBlocks:
    """Blocks held in this process."""

    def __init__(self, blocks: list[PairBlock]) -> None:
        self.blocks = blocks

    def call(self, method: str, *args: Any) -> list[Any]:
        """See :class:`Blocks`."""
        return [getattr(b, method)(*args) for b in self.blocks]

    def call_some(self, method: str, which: list[int], *args: Any) -> list[Any]:
        """See :class:`Blocks`."""
        return [getattr(self.blocks[k], method)(*args) for k in which]


@dataclass(frozen=True)
class Limits:
    """The limits the blocks share (a problem without its pairs)."""

    treatments: tuple[str, ...]
    cap_all: FloatArray
    cap_std: FloatArray
    groups: tuple[BudgetGroup, ...]

    @staticmethod
    def of(problem: PlanProblem) -> Limits:
        """The limits of a problem."""
        return Limits(
            problem.treatments, problem.cap_all, problem.cap_std, problem.groups
        )


@dataclass(frozen=True)
class LagrangianResult:
    """The repaired assignment, its value, the dual bound and the prices."""

    choice: IntArray
    value: float
    bound: float
    prices: Prices
    sweeps: int


@dataclass(frozen=True)
class BlocksResult:
    """What :func:`solve_blocks` found (the assignment stays in the blocks)."""

    value: float
    bound: float
    prices: Prices
    sweeps: int


def treatment_prices(
    parts: list[Gains], cap: float, cap_std: float
) -> tuple[float, float]:
    """Best (mu, nu) of one treatment with every other price fixed.

    The greedy over the nested capacity, from the blocks' top gains (each block's
    ``k`` best with their ties, enough for every order statistic used here).
    """
    g_std = np.sort(np.concatenate([x.std for x in parts]))[::-1]
    g_high = np.concatenate([x.high for x in parts])
    n_std, n_high = sum(x.n_std for x in parts), sum(x.n_high for x in parts)
    s_cap = n_std if math.isinf(cap_std) else int(cap_std)
    top_std = g_std[:s_cap]
    merged = np.sort(np.r_[g_high, top_std])[::-1]
    n_merged = n_high + min(n_std, s_cap)
    c_cap = n_merged if math.isinf(cap) else int(cap)
    mu = float(merged[c_cap]) if n_merged > c_cap else 0.0
    if c_cap >= n_merged:
        std_taken = min(n_std, s_cap)
    elif c_cap == 0:
        std_taken = 0
    else:  # the greedy takes high-value customers first among equal gains
        v = merged[c_cap - 1]
        above = int(np.count_nonzero(merged > v))
        tied_high = int(np.count_nonzero(g_high == v))
        tied_std = int(np.count_nonzero(top_std == v))
        std_taken = int(np.count_nonzero(top_std > v)) + min(
            tied_std, max(0, c_cap - above - tied_high)
        )
    nu = 0.0
    if std_taken >= s_cap and n_std > s_cap:
        nu = max(0.0, float(g_std[s_cap]) - mu)
    return max(mu, 0.0), nu


class _Pricer:
    """The prices, moved from the blocks' summaries."""

    def __init__(self, blocks: Blocks, limits: Limits) -> None:
        self.b, self.lim = blocks, limits
        t, g = len(limits.treatments), len(limits.groups)
        self.mu, self.nu, self.lam = np.zeros(t), np.zeros(t), np.zeros(g)
        facts: list[BlockFacts] = blocks.call("facts")
        self.pairs = sum((f.per_treatment for f in facts), np.zeros(t, np.int64))
        self.ratio = np.max([f.ratio for f in facts], axis=0) if facts else np.zeros(g)
        self.bounds = np.array([x.bound for x in limits.groups])

    def reprice(self) -> None:
        self.b.call("reprice", self.mu, self.nu, self.lam)

    def dual(self) -> float:
        """The dual value: an upper bound on any feasible assignment's value."""
        total = unfixed(sum(self.b.call("dual_part")))
        for i in range(len(self.mu)):
            if self.mu[i] > 0:
                total += self.mu[i] * self.lim.cap_all[i]
            if self.nu[i] > 0:
                total += self.nu[i] * self.lim.cap_std[i]
        total += float(self.lam @ self.bounds)
        return total

    def update_treatment(self, i: int) -> None:
        """Best (mu, nu) of treatment ``i`` with every other price fixed."""
        cap, cap_std = self.lim.cap_all[i], self.lim.cap_std[i]
        if math.isinf(cap) and math.isinf(cap_std):
            return
        if self.pairs[i] == 0:
            self.mu[i] = self.nu[i] = 0.0
            return
        k_high = 0 if math.isinf(cap) else int(cap) + 1
        k_std = k_high if math.isinf(cap_std) else int(cap_std) + 1
        parts = self.b.call("gains", i, self.mu[i], self.nu[i], k_high, k_std)
        self.mu[i], self.nu[i] = treatment_prices(parts, cap, cap_std)

    def spend(self, g: int) -> float:
        return unfixed(sum(self.b.call("spend_part", g, self.mu, self.nu, self.lam)))

    def update_group(self, g: int) -> None:
        """Smallest price per pound of budget ``g`` that keeps its spend in bound."""
        bound = self.lim.groups[g].bound
        self.lam[g] = 0.0
        if self.spend(g) <= bound + 1e-9:
            return
        lo, hi = 0.0, float(self.ratio[g])
        for _ in range(_BISECT_STEPS):
            self.lam[g] = (lo + hi) / 2
            if self.spend(g) <= bound + 1e-9:
                hi = self.lam[g]
            else:
                lo = self.lam[g]
        self.lam[g] = hi

    def prices(self) -> Prices:
        return Prices(self.mu.copy(), self.nu.copy(), self.lam.copy())


def solve_blocks(
    blocks: Blocks, limits: Limits, max_sweeps: int = MAX_SWEEPS
) -> BlocksResult:
    """Price the limits to (near) the dual optimum, then repair to feasibility.

    Args:
        blocks: The problem's customers in blocks (pairs with EV <= 0 left out).
        limits: The limits they share.
        max_sweeps: Most passes over all price blocks.

    Returns:
        The value, the best dual bound seen, the prices and the sweeps; each
        block holds its part of the assignment (``PairBlock.pick``).
    """
    pr = _Pricer(blocks, limits)
    pr.reprice()
    best_bound, best_prices = pr.dual(), pr.prices()
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007 - reported below
        for i in range(len(limits.treatments)):
            pr.update_treatment(i)
            blocks.call("refresh", i, pr.mu[i], pr.nu[i], pr.lam)
        for g in range(len(limits.groups)):
            pr.update_group(g)
            pr.reprice()
        bound = pr.dual()
        improved = best_bound - bound
        if bound < best_bound:
            best_bound, best_prices = bound, pr.prices()
        if improved <= REL_TOL * max(abs(best_bound), 1.0):
            break
    pr.mu, pr.nu, pr.lam = best_prices.all, best_prices.std, best_prices.groups
    pr.reprice()
    repair(blocks, limits)
    fill(blocks, limits)
    value = unfixed(sum(u[3] for u in blocks.call("usage")))
    return BlocksResult(value, max(best_bound, value), best_prices, sweeps)


def solve_lagrangian(
    problem: PlanProblem, max_sweeps: int = MAX_SWEEPS
) -> LagrangianResult:
    """Solve a problem in this process (one block).

    Args:
        problem: The problem (pairs with non-positive EV are never chosen).
        max_sweeps: Most passes over all price blocks.

    Returns:
        A feasible assignment, its value, the best dual bound seen and the prices.
    """
    block = PairBlock(problem)
    got = solve_blocks(LocalBlocks([block]), Limits.of(problem), max_sweeps)
    return LagrangianResult(
        block.choice(), got.value, got.bound, got.prices, got.sweeps
    )
