"""The decision kernel: signals, contact rules and P x V - cost, column-wise.

One definition, used for the whole base and for one customer (a batch of one):

* ``signals(cols)`` (:mod:`tools.kernel.signals`): the journey signals as an
  ``(n, S)`` boolean matrix, ``S`` in :data:`SIGNALS` order, from the journey-metric
  columns of :mod:`tools.kernel.features`, and the churn / value bands.
* ``decide(cols, offers, config)``: per customer x treatment (``T`` in config order)
  the rule masks (:mod:`tools.kernel.rules`: DISABLED, CONSENT, OBJECTION,
  VULNERABLE, SUITABILITY, HELD fail; APPLICABILITY holds), P(accept), value at
  risk, cost and expected value (:class:`tools.kernel.decisions.Decisions`); the best
  lawful treatment per customer (ties: constraint priority, then cost, then config
  order) and the per-customer value band / high-value flag and excluded-by-rule
  counts.

P(accept) is made in this order (each step documented where it is defined):

1. the journey's: base + the boosts of the signals held, capped
   (:func:`_boosted`);
2. combined with the recommender's best live offer, x the declined factor
   (:func:`tools.kernel.offers.combine`);
3. plus the largest gain of the stated needs the treatment meets
   (``decisions.needs``) and of the open problems it addresses
   (``decisions.suitability``), capped;
4. once outcomes were recorded, the Beta posterior of the customer's cell with that
   P as its prior (:mod:`tools.kernel.learned`; ``extra["p_prior"]`` keeps the
   prior), capped and rounded.

SUITABILITY (service before selling): a customer with an open problem (any signal of
a ``decisions.suitability`` entry held) gets no marketing treatment; HELD: a
treatment whose every live offer is a product the customer already holds.

The rules that read the ledger (DUPLICATE, CAPACITY, BUDGET, FREQUENCY) are applied on
top by the caller: per customer by :func:`tools.ledger_rules.ledger_verdicts`; for a
whole base, capacity is the planner's constraint (:mod:`tools.kernel.batch` applies
today's exhausted capacity as a mask).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tools.config import CVMConfig
from tools.kernel.decisions import Decisions
from tools.kernel.learned import cell, fit, learned, posterior
from tools.kernel.offers import OfferTerms, combine, need_values, offer_terms
from tools.kernel.rules import CUSTOMER_RULES
from tools.kernel.rules import customer_rules as _rules  # (a test swaps it here)
from tools.kernel.signals import (
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    Columns,
    as_float,
    band_level,
    signals,
)
from tools.kernel.treatments import Treatments, treatments

SMALL_BATCH = 256  # customers up to which _boosted adds signal by signal


def _boosted(sig: np.ndarray, base: np.ndarray, boosts: np.ndarray) -> np.ndarray:
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


def _need_value(sig: np.ndarray, offered: np.ndarray, tt: Treatments) -> np.ndarray:
    """Pounds added to V per customer x treatment: stated needs met by live offers.

    A need the customer stated (its signal held) for which a live offer of a
    matching kind exists adds that offer's margin (``offered``, ``(n, N)``) to the
    value of every marketing treatment that meets the need (a free service action
    sells nothing); the largest counts (one offer may meet several needs: its
    margin counts once).
    """
    n, n_t = len(sig), len(tt.keys)
    out = np.zeros((n, n_t))
    for k in range(len(tt.need_signal)):
        said = np.where(sig[:, tt.need_signal[k]], offered[:, k], 0.0)
        sells = tt.need_met[k] & tt.marketing
        np.maximum(out, said[:, None] * sells[None, :], out=out)
    return out


def _propensity(
    sig: np.ndarray,
    terms: OfferTerms,
    problems: np.ndarray,
    levels: tuple[np.ndarray, np.ndarray],
    tt: Treatments,
    config: CVMConfig,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """P(accept) per customer x treatment, steps 1 to 4 of the module's docstring.

    Args:
        sig: The journey signals, ``(n, S)``.
        terms: What the recommender's offers say.
        problems: The open problems, ``(n, K)``.
        levels: The churn and value levels per customer (the learned cells).
        tt: The configuration's treatments.
        config: Its value model (the cap) and the learned outcomes.

    Returns:
        The journey's P (capped), the final P (capped, rounded to 3 places) and
        ``{"p_prior": ...}`` when learned outcomes moved it (else empty).
    """
    cap = config.value.propensity_cap
    p_journey = np.clip(_boosted(sig, tt.base, tt.boosts), 0.0, cap)
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
    return p_journey, p, learned_extra


def _value_at_risk(cols: Columns, config: CVMConfig) -> np.ndarray:
    """V per customer, pounds: churn score x revenue x margin x horizon, to pence."""
    v = config.value
    return np.round(
        as_float(cols, "churn_score")
        * as_float(cols, "monthly_revenue")
        * v.margin_rate
        * v.horizon_months,
        2,
    )


def _expected_value(
    p: np.ndarray, value: np.ndarray, gain: np.ndarray, tt: Treatments
) -> np.ndarray:
    """P x (V + a stated need's margin) - cost, to pence; 0 for the baseline."""
    ev = p * (value[:, None] + gain)
    ev -= tt.cost[None, :]
    np.round(ev, 2, out=ev)
    if tt.baseline is not None:
        ev[:, tt.baseline] = 0.0
    return ev


def _best(lawful: np.ndarray, ev: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """The best lawful treatment per customer (ties: ``order``, the tie-break)."""
    if not lawful.shape[1]:
        return np.zeros(len(lawful), int)
    masked = np.where(lawful, ev, -np.inf)[:, order]
    return np.asarray(order)[np.argmax(masked, axis=1)]


def decide(
    cols: Columns,
    offers: Columns,
    config: CVMConfig,
    blocked: np.ndarray | None = None,
) -> Decisions:
    """Rules and P x V - cost for every customer x treatment of a batch.

    Args:
        cols: Feature columns (at least :data:`KERNEL_COLUMNS`; ``customer_id`` may
            be left out, e.g. by a scan of the whole base), ordered by row_no.
        offers: The recommender's offers that matter on the decision date
            (:data:`tools.kernel.offer_propensity.OFFER_COLUMNS`; rows outside the
            batch ignored).
        config: Treatments, policy and value model.
        blocked: Optional ``(n, T)`` mask of pairs excluded by the caller (e.g.
            today's exhausted capacity); they are not lawful.

    Returns:
        The batch's :class:`Decisions`.
    """
    tt = treatments(config)
    row_no = np.asarray(cols["row_no"])
    sig = signals(cols, tt.windows)
    terms = offer_terms(row_no, offers, tt)
    failed, applicable, problems = _rules(cols, sig, tt, terms.held)
    lawful = ~np.logical_or.reduce([failed[r] for r in CUSTOMER_RULES]) & applicable
    if blocked is not None:
        lawful &= ~blocked
    revenue = as_float(cols, "monthly_revenue")
    churn_level = band_level(as_float(cols, "churn_score"), HIGH_CHURN, MEDIUM_CHURN)
    value_level = band_level(
        revenue, config.policy.high_value_min_monthly_revenue, MEDIUM_VALUE_REVENUE
    )
    p_journey, p, learned_extra = _propensity(
        sig, terms, problems, (churn_level, value_level), tt, config
    )
    from_offer = ~np.isnan(terms.p_offer)
    value = _value_at_risk(cols, config)
    if tt.baseline is not None:
        p[:, tt.baseline], from_offer[:, tt.baseline] = 0.0, False
    gain = _need_value(sig, need_values(row_no, offers, tt), tt)
    ev = _expected_value(p, value, gain, tt)
    return Decisions(
        customer_id=np.asarray(cols.get("customer_id", np.array([], dtype=object))),
        row_no=row_no,
        treatments=tt.keys,
        failed=failed,
        applicable=applicable,
        lawful=lawful,
        propensity=p,
        from_offer=from_offer,
        value_at_risk=value,
        cost=tt.cost,
        expected_value=ev,
        best=_best(lawful, ev, tt.order),
        signals=sig,
        churn_level=churn_level,
        value_level=value_level,
        high_value=revenue >= config.policy.high_value_min_monthly_revenue,
        order=tuple(tt.order),
        p_journey=p_journey,
        p_offer=terms.p_offer,
        need_value=gain,
        offer_pos=terms.pos,
        declined=terms.declined,
        problems=problems,
        problem_keys=tt.problems,
        extra={**{k: np.asarray(v) for k, v in cols.items()}, **learned_extra},
    )
