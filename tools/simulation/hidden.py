"""The simulator's HIDDEN true response model: who really accepts what.

Only the simulation's runner (:mod:`tools.simulation.run`) imports this module; the
policies (:mod:`tools.simulation.policies`), the kernel and the planner never do (an
import-linter contract in ``pyproject.toml``), and they are handed the population's
observable columns only. A policy learns about this model solely through the
outcomes the runner draws from it.

**The model.** The true P(accept) of customer ``i`` and treatment ``t`` is the prior
the configuration states (the kernel's P before learning: base, journey boosts,
recommender offers, needs) moved on the log-odds scale by what the prior gets wrong::

    logit p_true = logit p_prior
                   + segment[t, s]        # per treatment x CVM segment (3 x 3 bands)
                   + signal[t] * fit      # the journey boost over- or under-stated
                   + offer[t] * stated    # the recommender's stated P, biased
                   + customer[i]          # per customer, never observable

with ``segment ~ N(0, 0.6)``, ``signal ~ N(-0.4, 0.5)`` (boosts are overstated on
average), ``offer ~ N(-0.3, 0.4)`` (the recommender is over-confident) and
``customer ~ N(0, 0.3)``, all drawn from the model's own seed; ``fit`` is whether a
journey signal raised the treatment's P, ``stated`` whether a live recommender offer
entered it. ``p_true`` is capped at 0.95; the no-action baseline is never accepted.
Each customer-day draws one uniform number shared by every policy (common random
numbers): a contact is accepted when it is below the pair's ``p_true``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.kernel.learned import LEVELS
from tools.simulation.population import Population

SEGMENT_SD = 0.6
SIGNAL_MEAN, SIGNAL_SD = -0.4, 0.5
OFFER_MEAN, OFFER_SD = -0.3, 0.4
CUSTOMER_SD = 0.3
CAP = 0.95


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HiddenModel:
    """The true P(accept) of every customer x treatment, ``(n, T)``."""

    p_true: np.ndarray
    seed: int

    @classmethod
    def draw(cls, population: Population, seed: int) -> HiddenModel:
        """The hidden model of a population, from its own seed."""
        d = population.prior
        n_t = len(d.treatments)
        rng = np.random.default_rng([seed, 0x5EED])
        segment = rng.normal(0.0, SEGMENT_SD, (n_t, LEVELS * LEVELS))
        signal = rng.normal(SIGNAL_MEAN, SIGNAL_SD, n_t)
        offer = rng.normal(OFFER_MEAN, OFFER_SD, n_t)
        customer = rng.normal(0.0, CUSTOMER_SD, population.n)
        seg = d.value_level.astype(np.int64) * LEVELS + d.churn_level
        base = np.asarray(
            [population.config.treatments[k].base_propensity for k in d.treatments]
        )
        fit = d.p_journey > base[None, :]
        z = _logit(d.propensity)
        z += segment.T[seg]
        z += fit * signal[None, :]
        z += d.from_offer * offer[None, :]
        z += customer[:, None]
        p = np.minimum(1.0 / (1.0 + np.exp(-z)), CAP)
        p[d.propensity <= 0] = 0.0  # the baseline (and a P of 0) is never accepted
        p.setflags(write=False)
        return cls(p, seed)

    def accepted(self, rows: np.ndarray, act: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Whether each contact (customer ``rows``, treatment ``act``) is accepted.

        Args:
            rows: Customer indexes.
            act: Treatment indexes.
            u: The customer-day's uniform numbers (one per row).
        """
        return u < self.p_true[rows, act]  # type: ignore[no-any-return]
