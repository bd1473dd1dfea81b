"""P(accept) per customer x treatment, column-wise: one definition for the kernel.

P(accept) is made in this order (each step documented where it is defined):

1. the journey's: base + the boosts of the signals held, capped
   (:func:`boosted`);
2. combined with the recommender's best live offer, x the declined factor
   (:func:`tools.kernel.offers.combine`);
3. plus the largest gain of the stated needs the treatment meets
   (``decisions.needs``) and of the open problems it addresses
   (``decisions.suitability``), capped (:func:`_gains`);
4. once outcomes were recorded, the Beta posterior of the customer's cell with that
   P as its prior (:mod:`tools.kernel.learned`; ``extra["p_prior"]`` keeps the
   prior), capped and rounded.

The baseline treatment (no contact) has P 0.
"""

from __future__ import annotations

import numpy as np

from tools.config import CVMConfig
from tools.kernel.learned import cell, fit, learned, posterior
from tools.kernel.offers import OfferTerms, combine
from tools.kernel.treatments import Treatments

SMALL_BATCH = 256  # customers up to which boosted adds signal by signal


def boosted(sig: np.ndarray, base: np.ndarray, boosts: np.ndarray) -> np.ndarray:
    """P(accept) before offers, ``(n, T)``: base plus the boosts of the signals held.

    Per treatment, the sum for every combination of its boosting signals is made
    once (signal by signal in :data:`SIGNALS` order, then the base) and looked up
    per customer by the combination held. The same sum in the same order for a
    batch of one and a batch of millions, and no BLAS call (whose threads spin at a
    million customers: more CPU than the whole kernel). A small batch (a chat turn,
    a booking) adds the same boosts in the same order signal by signal instead:
    adding 0.0 for a signal not held changes no sum, so the results are identical.
    """
    n, n_t = len(sig), len(base)
    if n <= SMALL_BATCH:  # few customers: one pass per signal held, all treatments
        sums = np.zeros((n, n_t))
        for s in np.flatnonzero(sig.any(axis=0)):
            sums += np.where(sig[:, s, None], boosts[s], 0.0)
        return sums + base
    out = np.empty((n, n_t))
    for t in range(n_t):
        used = np.flatnonzero(boosts[:, t])
        if len(used) > 16:  # a table of 2**16 sums at most; else sum per customer
            total = np.zeros(n)
            for s in used:
                total += np.where(sig[:, s], boosts[s, t], 0.0)
            out[:, t] = total + base[t]
            continue
        code = np.zeros(n, dtype=np.int32)
        combos = np.arange(1 << len(used))
        table = np.zeros(len(combos))
        for j, s in enumerate(used):
            code |= sig[:, s].astype(np.int32) << j
            table += np.where((combos >> j) & 1, boosts[s, t], 0.0)
        out[:, t] = (table + base[t])[code]
    return out


def _gains(sig: np.ndarray, problems: np.ndarray, tt: Treatments) -> np.ndarray:
    """P added per customer x treatment: a need it meets, the open problem it fixes.

    Each counts once: the largest gain of the stated needs it meets (several asks
    met by one generic contact do not stack past a contact made for one of them),
    plus the largest gain of the open problems it addresses, and none for a
    problem whose fix is under way (``in_hand``, e.g. a visit booked).
    """
    n, n_t = len(sig), len(tt.keys)
    need = np.zeros((n, n_t))
    for k in range(len(tt.need_signal)):
        gain = tt.need_gain[tt.need_signal[k]] * tt.need_met[k]
        np.maximum(need, np.where(sig[:, tt.need_signal[k], None], gain, 0.0), out=need)
    fix = np.zeros((n, n_t))
    for k in range(len(tt.problems)):
        todo = problems[:, k] & ~sig[:, tt.problem_in_hand[k]].any(axis=1)
        np.maximum(fix, np.where(todo[:, None], tt.problem_gain[k], 0.0), out=fix)
    return need + fix


def propensity(
    sig: np.ndarray,
    terms: OfferTerms,
    problems: np.ndarray,
    levels: tuple[np.ndarray, np.ndarray],
    tt: Treatments,
    config: CVMConfig,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """P(accept) per customer x treatment, steps 1 to 4 of the module's docstring.

    The baseline (no contact) offers nothing: its P is 0.

    Args:
        sig: The journey signals, ``(n, S)``.
        terms: What the recommender's offers say.
        problems: The open problems, ``(n, K)``.
        levels: The churn and value levels per customer (the learned cells).
        tt: The configuration's treatments.
        config: Its value model (the cap) and the learned outcomes.

    Returns:
        The journey's P (capped), the final P (capped, rounded to 3 places; 0 for
        the baseline) and ``{"p_prior": ...}`` when learned outcomes moved it (else
        empty).
    """
    cap = config.value.propensity_cap
    p_journey = np.clip(boosted(sig, tt.base, tt.boosts), 0.0, cap)
    p = combine(p_journey, terms, tt) + _gains(sig, problems, tt)
    np.clip(p, 0.0, cap, out=p)
    learned_extra: dict[str, np.ndarray] = {}
    counts = learned(config)
    if counts.any:  # 4. the posterior of the customer's cell (tools.kernel.learned)
        learned_extra["p_prior"] = np.round(p, 3)
        churn_level, value_level = levels
        cells = cell(value_level, churn_level, fit(p_journey, tt.base))
        p = np.clip(posterior(p, cells, counts)[0], 0.0, cap)
    np.round(p, 3, out=p)
    if tt.baseline is not None:
        p[:, tt.baseline] = 0.0
    return p_journey, p, learned_extra
