"""Confidence intervals and calibration for the simulator and off-policy evaluation.

Intervals are the normal approximation of a sum of independent per-customer totals
(customers are independent in the simulation; one customer's days are summed first,
so a customer's days may depend on each other), statsmodels' z interval of their mean
(:class:`statsmodels.stats.weightstats.DescrStatsW`) times their count.

statsmodels (with pandas and scipy, ~1.2 s) is imported inside :func:`sum_ci`, as in
:mod:`tools.outcomes_stats`: importing the simulator (``cvm simulate``, the test
collection of every xdist worker) does not pay for it until an interval is asked for.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

Z95 = NormalDist().inv_cdf(0.975)
BINS = 10


def sum_ci(per_unit: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """A sum of independent units and its two-sided confidence interval.

    Args:
        per_unit: One total per independent unit (e.g. per customer).
        level: The interval's coverage.

    Returns:
        ``(sum, low, high)``.
    """
    from statsmodels.stats.weightstats import DescrStatsW

    x = np.asarray(per_unit, dtype=np.float64)
    total = float(x.sum())
    if len(x) < 2:
        return total, total, total
    low, high = DescrStatsW(x).zconfint_mean(alpha=1.0 - level)
    return total, float(low) * len(x), float(high) * len(x)


def cluster_sums(values: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """``values`` summed per cluster (clusters are small non-negative integers)."""
    c = np.asarray(cluster, dtype=np.int64)
    sums = np.bincount(c, weights=np.asarray(values, np.float64))
    return sums[np.bincount(c) > 0]  # type: ignore[no-any-return]


def expected_calibration_error(
    predicted: np.ndarray, outcome: np.ndarray, bins: int = BINS
) -> float:
    """Expected calibration error over equal-width bins of predicted P.

    ``sum_b (n_b / n) |mean predicted_b - mean outcome_b|``: each bin weighs by
    its share of the outcomes. ``outcome`` may be 0/1 (observed) or a probability
    (the truth, where a simulation knows it). NaN when there is no outcome.
    """
    p = np.asarray(predicted, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    b = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(b, minlength=bins)
    gap = np.bincount(b, weights=p - y, minlength=bins)
    return float(np.abs(gap).sum() / count.sum())
