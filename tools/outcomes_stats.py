"""The intervals of the outcome reports, from statsmodels (no home-made statistics).

* a rate: the 95% Wilson score interval (``proportion_confint``);
* a difference of two rates: Newcombe's 95% hybrid score interval
  (``confint_proportions_2indep``);
* a difference of two means: Welch's 95% t interval (``CompareMeans``, unequal
  variances).

statsmodels (with pandas and scipy, ~1.5 s) is imported inside each function: the
tools that use these are registered on every chat turn and ``cvm`` start-up, which
must not pay for it until a report is asked for.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ALPHA = 0.05


def wilson(accepted: int, trials: int) -> tuple[float, float]:
    """The 95% Wilson score interval of ``accepted / trials`` (``(0, 1)``: none)."""
    from statsmodels.stats.proportion import proportion_confint

    if trials <= 0:
        return 0.0, 1.0
    low, high = proportion_confint(accepted, trials, alpha=ALPHA, method="wilson")
    return float(low), float(high)


def rate_diff(a1: int, n1: int, a2: int, n2: int) -> tuple[float, float, float]:
    """``a1/n1 - a2/n2`` and its 95% Newcombe interval (both groups non-empty)."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(
        a1, n1, a2, n2, method="newcomb", compare="diff", alpha=ALPHA
    )
    return a1 / n1 - a2 / n2, float(low), float(high)


def mean_diff(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> tuple[float, float, float] | None:
    """``mean(x) - mean(y)`` and its 95% Welch interval.

    None: fewer than 2 values in a group, or no spread in either.
    """
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    if len(x) < 2 or len(y) < 2 or (x.std() == 0 and y.std() == 0):
        return None
    low, high = CompareMeans(DescrStatsW(x), DescrStatsW(y)).tconfint_diff(
        alpha=ALPHA, usevar="unequal"
    )
    return float(x.mean() - y.mean()), float(low), float(high)
