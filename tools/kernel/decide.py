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

P(accept) is made by :func:`tools.kernel.propensity.propensity` (its module
docstring lists the steps).

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
from tools.kernel.offers import OfferTerms, need_values, offer_terms
from tools.kernel.propensity import propensity
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


def _lawful(
    failed: dict[str, np.ndarray], applicable: np.ndarray, blocked: np.ndarray | None
) -> np.ndarray:
    """Lawful pairs, ``(n, T)``: no customer rule failed, applicable, not blocked."""
    lawful = ~np.logical_or.reduce([failed[r] for r in CUSTOMER_RULES]) & applicable
    if blocked is not None:
        lawful &= ~blocked
    return lawful


def _bands(
    cols: Columns, config: CVMConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer: churn level, value level (0/1/2) and the high-value flag."""
    revenue = as_float(cols, "monthly_revenue")
    high = config.policy.high_value_min_monthly_revenue
    churn_level = band_level(as_float(cols, "churn_score"), HIGH_CHURN, MEDIUM_CHURN)
    return churn_level, band_level(revenue, high, MEDIUM_VALUE_REVENUE), revenue >= high


def _from_offer(terms: OfferTerms, tt: Treatments) -> np.ndarray:
    """Pairs whose P used a live offer of the recommender (never the baseline's)."""
    from_offer = ~np.isnan(terms.p_offer)
    if tt.baseline is not None:
        from_offer[:, tt.baseline] = False
    return from_offer


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
    cols: Columns, offers: Columns, config: CVMConfig, blocked: np.ndarray | None = None
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
    lawful = _lawful(failed, applicable, blocked)
    churn_level, value_level, high_value = _bands(cols, config)
    p_journey, p, learned_extra = propensity(
        sig, terms, problems, (churn_level, value_level), tt, config
    )
    value = _value_at_risk(cols, config)
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
        from_offer=_from_offer(terms, tt),
        value_at_risk=value,
        cost=tt.cost,
        expected_value=ev,
        best=_best(lawful, ev, tt.order),
        signals=sig,
        churn_level=churn_level,
        value_level=value_level,
        high_value=high_value,
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
