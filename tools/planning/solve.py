"""One entry point: exact (HiGHS) when small, dual decomposition when large."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from tools.planning.exact import Prices, solve_exact
from tools.planning.lagrangian import solve_lagrangian
from tools.planning.problem import UNASSIGNED, IntArray, PlanProblem, violations

Method = Literal["auto", "exact", "lagrangian"]
EXACT_MAX_PAIRS = 60_000


@dataclass(frozen=True)
class Solution:
    """A feasible assignment with its value, a proven upper bound and the gap.

    Attributes:
        choice: Chosen pair index per customer (``UNASSIGNED`` = no contact).
        value: Total expected value of the assignment.
        bound: An upper bound on the best possible value (dual bound).
        prices: Shadow prices of the limits.
        solver: ``highs-lp``, ``highs-mip`` or ``lagrangian``.
        seconds: Solve time.
        iterations: Lagrangian sweeps (0 for HiGHS).
    """

    choice: IntArray
    value: float
    bound: float
    prices: Prices
    solver: str
    seconds: float
    iterations: int = 0

    @property
    def gap(self) -> float:
        """Relative gap between the bound and the value (0 = proven optimal)."""
        return relative_gap(self.bound, self.value)


def relative_gap(bound: float, value: float) -> float:
    """How far ``value`` is below ``bound``, as a share of it (0 = proven optimal)."""
    if bound <= 1e-9:
        return 0.0
    return max(0.0, (bound - value) / bound)


def solve(problem: PlanProblem, method: Method = "auto") -> Solution:
    """Assign at most one treatment per customer to maximise expected value.

    Args:
        problem: Candidate pairs and limits.
        method: ``exact`` (HiGHS LP/MIP), ``lagrangian`` (dual decomposition plus
            repair) or ``auto`` (exact up to ``EXACT_MAX_PAIRS`` pairs).

    Returns:
        The solution; its assignment never breaks a limit.

    Raises:
        RuntimeError: A solver returned an infeasible assignment (a bug).
    """
    positive = problem.ev > 1e-9  # pairs worth choosing at all
    kept = np.flatnonzero(positive)
    work = problem.restrict(positive)
    if method == "auto":
        method = "exact" if work.n_pairs <= EXACT_MAX_PAIRS else "lagrangian"
    t0 = time.perf_counter()
    if method == "exact":
        ex = solve_exact(work)
        sol = Solution(
            ex.choice,
            ex.value,
            ex.bound,
            ex.prices,
            "highs-lp" if ex.integral_lp else "highs-mip",
            time.perf_counter() - t0,
        )
    else:
        lg = solve_lagrangian(work)
        sol = Solution(
            lg.choice,
            lg.value,
            lg.bound,
            lg.prices,
            "lagrangian",
            time.perf_counter() - t0,
            lg.sweeps,
        )
    broken = violations(work, sol.choice)
    if broken:
        raise RuntimeError(f"{sol.solver} broke limits: {'; '.join(broken[:3])}")
    choice = np.full(problem.n_customers, UNASSIGNED, dtype=np.int64)
    assigned = sol.choice != UNASSIGNED
    choice[assigned] = kept[sol.choice[assigned]]
    return replace(sol, choice=choice)
