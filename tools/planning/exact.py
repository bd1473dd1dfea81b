"""Exact solution with HiGHS: the LP relaxation, then the MIP when it is fractional.

The matrix is built column-wise in numpy and passed to HiGHS in one call. The LP's
row duals are the shadow prices (what one more slot or pound of a limit is worth);
the assignment problem is nearly a transportation problem, so the LP optimum is
usually integral already and the MIP is only run when it is not.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tools.planning.problem import (
    UNASSIGNED,
    FloatArray,
    IntArray,
    PlanProblem,
    segment_starts,
)

if TYPE_CHECKING:
    import highspy

MIP_TIME_LIMIT_S = 60.0
_INTEGRAL_TOL = 1e-6


@dataclass(frozen=True)
class Prices:
    """Shadow prices: per treatment (all, standard slots) and per budget group."""

    all: FloatArray
    std: FloatArray
    groups: FloatArray


@dataclass(frozen=True)
class ExactResult:
    """What HiGHS found."""

    choice: IntArray
    value: float
    bound: float
    prices: Prices
    integral_lp: bool
    status: str


@dataclass(frozen=True)
class _Rows:
    """Row layout: customer rows first, then treatment and group limits."""

    n_cust: int
    all_row: IntArray  # row index per treatment, -1 if unlimited
    std_row: IntArray
    n_rows: int


def _rows(problem: PlanProblem, n_cust: int) -> _Rows:
    t = len(problem.treatments)
    all_row = np.full(t, -1, dtype=np.int64)
    std_row = np.full(t, -1, dtype=np.int64)
    nxt = n_cust
    for i in range(t):
        if np.isfinite(problem.cap_all[i]):
            all_row[i], nxt = nxt, nxt + 1
    for i in range(t):
        if np.isfinite(problem.cap_std[i]) and problem.cap_std[i] < problem.cap_all[i]:
            std_row[i], nxt = nxt, nxt + 1
    return _Rows(n_cust, all_row, std_row, nxt + len(problem.groups))


def _matrix(
    problem: PlanProblem, rows: _Rows, cust_row: IntArray
) -> tuple[Any, Any, FloatArray, FloatArray]:
    """Column-wise (starts, index, value) and the row upper bounds."""
    m = problem.n_pairs
    cols = [np.arange(m)]
    idx = [cust_row]
    val = [np.ones(m)]
    treat = problem.pair_treatment
    a = rows.all_row[treat]
    has = a >= 0
    cols.append(np.flatnonzero(has))
    idx.append(a[has])
    val.append(np.ones(int(has.sum())))
    s = rows.std_row[treat]
    has = (s >= 0) & ~problem.pair_high_value()
    cols.append(np.flatnonzero(has))
    idx.append(s[has])
    val.append(np.ones(int(has.sum())))
    base = rows.n_rows - len(problem.groups)
    for g, group in enumerate(problem.groups):
        has = np.isin(treat, np.array(group.treatments, dtype=np.int64))
        cols.append(np.flatnonzero(has))
        idx.append(np.full(int(has.sum()), base + g))
        val.append(problem.cost[has])
    col = np.concatenate(cols)
    row = np.concatenate(idx)
    value = np.concatenate(val)
    order = np.lexsort((row, col))
    starts = np.searchsorted(col[order], np.arange(m)).astype(np.int32)
    upper = np.ones(rows.n_rows)
    for i, r in enumerate(rows.all_row):
        if r >= 0:
            upper[r] = problem.cap_all[i]
    for i, r in enumerate(rows.std_row):
        if r >= 0:
            upper[r] = problem.cap_std[i]
    for g, group in enumerate(problem.groups):
        upper[base + g] = group.bound
    return starts, row[order].astype(np.int32), value[order], upper


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence HiGHS's banner, which it prints on stdout at construction."""
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs() -> highspy.Highs:
    import highspy  # the solver loads when a plan is solved, not with the tools

    with _quiet():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h


def _pass_model(
    h: highspy.Highs,
    problem: PlanProblem,
    rows: _Rows,
    matrix: tuple[Any, Any, FloatArray, FloatArray],
) -> None:
    """The LP relaxation to HiGHS: maximise EV, each pair in [0, 1], rows' limits."""
    import highspy

    starts, index, value, upper = matrix
    m = problem.n_pairs
    h.passModel(
        m,
        rows.n_rows,
        len(index),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        problem.ev.astype(np.float64),
        np.zeros(m),
        np.ones(m),
        np.full(rows.n_rows, -highspy.kHighsInf),
        upper,
        starts,
        index,
        value,
        np.zeros(m, dtype=np.int32),
    )


def _solve_mip(
    h: highspy.Highs, m: int, time_limit_s: float, lp_value: float
) -> tuple[np.ndarray, float, str]:
    """The same model with integer pairs: the choice, a valid bound, the status."""
    import highspy

    integrality = np.full(m, int(highspy.HighsVarType.kInteger), dtype=np.uint8)
    h.clearSolver()  # a stale LP solution can come back as the MIP solution
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), integrality)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    bound = min(lp_value, float(h.getInfo().mip_dual_bound))
    return x, bound, h.modelStatusToString(h.getModelStatus()).lower()


def solve_exact(
    problem: PlanProblem, time_limit_s: float = MIP_TIME_LIMIT_S
) -> ExactResult:
    """Solve the plan's assignment problem exactly (LP, then MIP if fractional).

    Args:
        problem: The problem; pairs with non-positive EV are never chosen.
        time_limit_s: Time limit for the MIP; the bound stays valid if it stops.

    Returns:
        The assignment, its value, HiGHS's dual bound and the LP shadow prices.
    """
    t = len(problem.treatments)
    zero = Prices(np.zeros(t), np.zeros(t), np.zeros(len(problem.groups)))
    choice = np.full(problem.n_customers, UNASSIGNED, dtype=np.int64)
    if problem.n_pairs == 0:
        return ExactResult(choice, 0.0, 0.0, zero, True, "empty")
    customers, _ = segment_starts(problem.pair_customer)
    cust_row = np.searchsorted(customers, problem.pair_customer)
    rows = _rows(problem, len(customers))
    h = _highs()
    _pass_model(h, problem, rows, _matrix(problem, rows, cust_row))
    h.run()
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    duals = np.abs(np.asarray(solution.row_dual))
    lp_value = float(h.getInfo().objective_function_value)
    prices = Prices(
        np.where(rows.all_row >= 0, duals[np.maximum(rows.all_row, 0)], 0.0),
        np.where(rows.std_row >= 0, duals[np.maximum(rows.std_row, 0)], 0.0),
        duals[rows.n_rows - len(problem.groups) :],
    )
    integral = bool(np.all(np.minimum(x, 1 - x) < _INTEGRAL_TOL))
    bound, status = lp_value, "lp-optimal"
    if not integral:
        x, bound, status = _solve_mip(h, problem.n_pairs, time_limit_s, lp_value)
    picked = np.flatnonzero(x > 0.5)
    choice[problem.pair_customer[picked]] = picked
    total = float(problem.ev[picked].sum())
    return ExactResult(choice, total, max(bound, total), prices, integral, status)
