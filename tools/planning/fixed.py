"""Sums that do not depend on how the summands are grouped (exact, fixed point).

A plan's totals (the dual value, a budget's spend, the plan's value) are summed
over blocks of customers: one block in the local engine, one per shard on Ray.
Float sums depend on the grouping; these are integers in units of 2**-30 pounds
(one rounding per value, below a billionth of a pound), so any grouping gives the
same total, bit for bit.
"""

from __future__ import annotations

import numpy as np

from tools.planning.problem import FloatArray

SCALE = 2.0**30


def fixed(values: FloatArray) -> int:
    """``values`` summed exactly in units of 2**-30."""
    if len(values) == 0:
        return 0
    return int(np.rint(np.asarray(values, np.float64) * SCALE).astype(np.int64).sum())


def unfixed(total: int) -> float:
    """A :func:`fixed` sum back in pounds."""
    return total / SCALE


def top_with_ties(values: FloatArray, k: int) -> FloatArray:
    """The ``k`` largest values, descending, and every value tied with the k-th."""
    if k <= 0 or len(values) == 0:
        return np.zeros(0)
    ordered = np.sort(values)[::-1]
    if len(ordered) <= k:
        return ordered
    return ordered[ordered >= ordered[k - 1]]
