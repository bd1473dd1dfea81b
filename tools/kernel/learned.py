"""Learned P(accept): a Beta posterior per treatment x cell, from recorded outcomes.

**The cell.** Outcomes are pooled per treatment x *segment* x *signal*: the segment
is the CVM grid of the kernel's bands (value band x churn band, 3 x 3), the signal
whether a journey signal that raises the treatment's P is held (the kernel's
journey P above the treatment's base P). 18 cells per treatment, each a pair of
counts (trials, acceptances) kept by the ledger as outcomes are recorded
(:mod:`tools.ledger.outcomes`; an unreachable customer is no trial).

**The posterior.** The prior is the P the policy in force gives the customer (base,
signals, offers, needs: everything before learning), worth ``learning.prior_strength``
pseudo-trials: ``Beta(k x P0, k x (1 - P0))``. After ``a`` acceptances of ``n``
trials in the customer's cell, its mean is ``(k x P0 + a) / (k + n)``: the prior
while ``n`` is small, the cell's own rate as ``n`` grows. A cell without trials
leaves P exactly as it was.

The counts reach the kernel on the configuration (``CVMConfig.learned_counts``, set
by :func:`tools.learning.with_outcomes` from the ledger's counts table); the arrays
are made once per configuration object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.config import CVMConfig
from tools.config_memo import per_config

LEVELS = 3  # low, medium, high (tools.kernel.signals.BANDS)
CELLS = LEVELS * LEVELS * 2  # value band x churn band x signal held


@dataclass(frozen=True)
class Learned:
    """Trials and acceptances per treatment x cell, ``(T, CELLS)`` each."""

    trials: np.ndarray  # int64
    accepted: np.ndarray  # int64
    strength: float  # the prior's pseudo-trials

    @property
    def any(self) -> bool:
        """Whether any outcome was counted."""
        return bool(self.trials.any())


def cell(
    value_level: np.ndarray, churn_level: np.ndarray, fit: np.ndarray
) -> np.ndarray:
    """The cell index per customer x treatment, ``(n, T)`` (``fit`` is ``(n, T)``)."""
    seg = np.asarray(value_level, np.int64) * LEVELS + np.asarray(churn_level, np.int64)
    return seg[:, None] * 2 + np.asarray(fit, np.int64)


def fit(p_journey: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Whether the journey raised each treatment's P above its base, ``(n, T)``."""
    return np.asarray(p_journey > base[None, :])


@per_config
def learned(config: CVMConfig) -> Learned:
    """The counts of ``config`` as arrays in its treatment order (made once)."""
    keys = {k: t for t, k in enumerate(config.treatments)}
    trials = np.zeros((len(keys), CELLS), dtype=np.int64)
    accepted = np.zeros((len(keys), CELLS), dtype=np.int64)
    for key, value_level, churn_level, fits, n, a in config.learned_counts:
        t = keys.get(key)
        if t is None or not (0 <= value_level < LEVELS and 0 <= churn_level < LEVELS):
            continue  # a treatment no longer in the catalogue
        c = (value_level * LEVELS + churn_level) * 2 + int(bool(fits))
        trials[t, c] += n
        accepted[t, c] += a
    for array in (trials, accepted):
        array.setflags(write=False)
    return Learned(trials, accepted, float(config.learning.prior_strength))


def posterior(
    p0: np.ndarray, cells: np.ndarray, counts: Learned
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The posterior mean P per customer x treatment, and the counts it used.

    Args:
        p0: The prior P, ``(n, T)``.
        cells: Each pair's cell, ``(n, T)`` (see :func:`cell`).
        counts: The learned counts.

    Returns:
        ``(p, trials, accepted)``, each ``(n, T)``; ``p`` is ``p0`` where the cell
        has no trials.
    """
    t = np.arange(p0.shape[1])[None, :]
    n = counts.trials[t, cells]
    a = counts.accepted[t, cells]
    k = counts.strength
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, (k * p0 + a) / (k + n), p0)
    return p, n, a
