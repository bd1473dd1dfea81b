"""The decision kernel: signals, contact rules and P x V - cost, column-wise.

One definition, used for the whole base and for one customer (a batch of one):

* ``signals(cols)`` (:mod:`tools.kernel.signals`): the journey signals as an
  ``(n, S)`` boolean matrix, ``S`` in :data:`SIGNALS` order, from the journey-metric
  columns of :mod:`tools.kernel.features`, and the churn / value bands.
* ``decide(cols, offers, config)``: per customer x treatment (``T`` in config order)
  the rule masks (DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY, HELD fail;
  APPLICABILITY holds), P(accept), value at risk, cost and expected value; the best
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
top by the caller: per customer by :func:`tools.eligibility.ledger_verdicts`; for a
whole base, capacity is the planner's constraint (:mod:`tools.kernel.batch` applies
today's exhausted capacity as a mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from tools.config import CVMConfig
from tools.kernel.features import CONSENT_CHANNELS
from tools.kernel.learned import cell, fit, learned, posterior
from tools.kernel.offers import combine, need_values, offer_terms
from tools.kernel.signals import (
    BANDS,
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    Columns,
    as_bool,
    as_float,
    band_level,
    one_of,
    signals,
)
from tools.kernel.treatments import Treatments, treatments

CUSTOMER_RULES = (
    "DISABLED",
    "CONSENT",
    "OBJECTION",
    "VULNERABLE",
    "SUITABILITY",
    "HELD",
)
SMALL_BATCH = 256  # customers up to which _boosted adds signal by signal


@dataclass(frozen=True)
class Decisions:
    """The kernel's answer for a batch: columns per customer and per treatment.

    Shapes: ``n`` customers, ``T`` treatments (``treatments`` order = config order).
    """

    customer_id: np.ndarray  # (n,) str; (0,) when the batch was loaded without ids
    row_no: np.ndarray  # (n,) int64, the store's row number
    treatments: tuple[str, ...]  # (T,)
    failed: dict[str, np.ndarray]  # rule id -> (n, T) bool, True = rule failed
    applicable: np.ndarray  # (n, T) bool (soft APPLICABILITY)
    lawful: np.ndarray  # (n, T) bool: every hard rule passed and applicable
    propensity: np.ndarray  # (n, T) float64, P(accept) after cap and rounding
    from_offer: np.ndarray  # (n, T) bool: a live recommender offer entered P
    value_at_risk: np.ndarray  # (n,) float64, pounds
    cost: np.ndarray  # (T,) float64, pounds per contact
    expected_value: np.ndarray  # (n, T) float64, P x V - cost (0 for the baseline)
    best: np.ndarray  # (n,) int, index into ``treatments`` of the best lawful one
    signals: np.ndarray  # (n, S) bool in SIGNALS order
    churn_level: np.ndarray  # (n,) int8 index into BANDS (0 low, 1 medium, 2 high)
    value_level: np.ndarray  # (n,) int8 index into BANDS
    high_value: np.ndarray  # (n,) bool
    order: tuple[int, ...]  # treatment indexes by tie-break (priority, cost, config)
    p_journey: np.ndarray  # (n, T) float64, the journey's P (base + boosts, capped)
    p_offer: np.ndarray  # (n, T) float64, the live offer's P that entered; NaN none
    need_value: np.ndarray  # (n, T) float64, pounds a stated need met adds to V
    offer_pos: np.ndarray  # (n, T) int32, that offer's index in the record; -1 none
    declined: np.ndarray  # (n, T) bool, an offer of it declined within the cool-off
    problems: np.ndarray  # (n, K) bool, open problems (decisions.suitability order)
    problem_keys: tuple[str, ...]  # (K,)
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # its feature columns

    @cached_property
    def churn_band(self) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` churn band per customer (str)."""
        return BANDS[self.churn_level]  # type: ignore[no-any-return]

    @cached_property
    def value_band(self) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` value band per customer (str)."""
        return BANDS[self.value_level]  # type: ignore[no-any-return]

    @property
    def best_key(self) -> np.ndarray:
        """The best lawful treatment's key per customer."""
        return np.asarray(self.treatments, dtype=object)[self.best]

    @property
    def best_ev(self) -> np.ndarray:
        """The best lawful treatment's expected value per customer."""
        return self.expected_value[np.arange(len(self.best)), self.best]

    def excluded_counts(self) -> dict[str, np.ndarray]:
        """Per customer, how many treatments each rule excludes.

        Hard rules and APPLICABILITY; a treatment may count under several rules.
        """
        out = {rule: mask.sum(axis=1) for rule, mask in self.failed.items()}
        out["APPLICABILITY"] = (~self.applicable).sum(axis=1)
        return out

    def take(self, rows: Sequence[int] | np.ndarray) -> Decisions:
        """The same decisions for some customers of the batch (``rows`` indexes).

        Every number is per customer (row-wise), so a customer's row of a batch is
        what a batch of one gives.
        """
        i = np.asarray(rows, dtype=np.intp)
        ids = self.customer_id[i] if len(self.customer_id) else self.customer_id
        return Decisions(
            customer_id=ids,
            row_no=self.row_no[i],
            treatments=self.treatments,
            failed={rule: mask[i] for rule, mask in self.failed.items()},
            applicable=self.applicable[i],
            lawful=self.lawful[i],
            propensity=self.propensity[i],
            from_offer=self.from_offer[i],
            value_at_risk=self.value_at_risk[i],
            cost=self.cost,
            expected_value=self.expected_value[i],
            best=self.best[i],
            signals=self.signals[i],
            churn_level=self.churn_level[i],
            value_level=self.value_level[i],
            high_value=self.high_value[i],
            order=self.order,
            p_journey=self.p_journey[i],
            p_offer=self.p_offer[i],
            need_value=self.need_value[i],
            offer_pos=self.offer_pos[i],
            declined=self.declined[i],
            problems=self.problems[i],
            problem_keys=self.problem_keys,
            extra={k: v[i] for k, v in self.extra.items()},
        )

    def ranking(self, i: int) -> list[int]:
        """Customer ``i``'s lawful treatments, best first (the kernel's order)."""
        lawful = [t for t in self.order if self.lawful[i, t]]
        return sorted(lawful, key=lambda t: -self.expected_value[i, t])


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


def _rules(
    cols: Columns, sig: np.ndarray, tt: Treatments, held: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The customer rules' failures, APPLICABILITY and the open problems.

    Returns ``failed`` (rule -> (n, T)), ``applicable`` (n, T) and ``problems``
    (n, K): which of ``decisions.suitability`` are open per customer.
    """
    n, n_t = len(cols["row_no"]), len(tt.keys)
    any_marketing = np.zeros(n, dtype=bool)
    for ch in CONSENT_CHANNELS:
        any_marketing |= as_bool(cols, f"consent_{ch}_marketing")
    objects = (as_float(cols, "consent_channels") > 0) & ~any_marketing
    failed = {rule: np.zeros((n, n_t), dtype=bool) for rule in CUSTOMER_RULES}
    failed["DISABLED"][:] = tt.disabled
    if len(tt.consent_t):
        given = np.empty((n, len(tt.consent_columns)), dtype=bool)
        for c, column in enumerate(tt.consent_columns):
            given[:, c] = as_bool(cols, column)
        failed["CONSENT"][:, tt.consent_t] = ~given[:, tt.consent_c]
    failed["OBJECTION"][:] = objects[:, None] & tt.marketing
    failed["VULNERABLE"][:] = as_bool(cols, "vulnerable")[:, None] & tt.marketing
    problems = np.zeros((n, len(tt.problems)), dtype=bool)
    for k in range(len(tt.problems)):
        problems[:, k] = sig[:, tt.problem_signals[k]].any(axis=1)
    open_any = np.asarray(problems.any(axis=1), dtype=bool)
    failed["SUITABILITY"][:] = open_any[:, None] & tt.marketing
    failed["HELD"][:] = held
    applicable = np.ones((n, n_t), dtype=bool)
    segment = np.asarray(cols.get("segment", np.full(n, "", dtype=object)), object)
    for when in tt.applicable:  # any of its signals held, or any metric test true
        on = np.asarray(sig[:, when.signals].any(axis=1), dtype=bool)
        if not len(when.signals) and not when.metrics:
            on = np.ones(n, dtype=bool)  # no condition but its segments
        with np.errstate(invalid="ignore"):  # a missing metric (NaN) passes no test
            for column, compare, value in when.metrics:
                on |= compare(as_float(cols, column), value)
        if when.segments:  # made for some kinds of customer only
            on &= one_of(segment, when.segments)
        applicable[:, when.t] = on
    return failed, applicable, problems


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
            (:data:`tools.kernel.offer_propensity.OFFER_COLUMNS`; rows outside the batch
            ignored).
        config: Treatments, policy and value model.
        blocked: Optional ``(n, T)`` mask of pairs excluded by the caller (e.g.
            today's exhausted capacity); they are not lawful.

    Returns:
        The batch's :class:`Decisions`.
    """
    tt = treatments(config)
    n, n_t = len(cols["row_no"]), len(tt.keys)
    cap = config.value.propensity_cap
    sig = signals(cols, tt.windows)
    terms = offer_terms(np.asarray(cols["row_no"]), offers, tt)
    failed, applicable, problems = _rules(cols, sig, tt, terms.held)
    lawful = ~np.logical_or.reduce([failed[r] for r in CUSTOMER_RULES]) & applicable
    if blocked is not None:
        lawful &= ~blocked
    p_journey = np.clip(_boosted(sig, tt.base, tt.boosts), 0.0, cap)
    p = combine(p_journey, terms, tt) + _gains(sig, problems, tt)
    np.clip(p, 0.0, cap, out=p)
    revenue = as_float(cols, "monthly_revenue")
    churn_level = band_level(as_float(cols, "churn_score"), HIGH_CHURN, MEDIUM_CHURN)
    value_level = band_level(
        revenue, config.policy.high_value_min_monthly_revenue, MEDIUM_VALUE_REVENUE
    )
    learned_extra: dict[str, np.ndarray] = {}
    counts = learned(config)
    if counts.any:  # 4. the posterior of the customer's cell (tools.kernel.learned)
        learned_extra["p_prior"] = np.round(p, 3)
        cells = cell(value_level, churn_level, fit(p_journey, tt.base))
        p = np.clip(posterior(p, cells, counts)[0], 0.0, cap)
    np.round(p, 3, out=p)
    from_offer = ~np.isnan(terms.p_offer)
    v = config.value
    value = np.round(
        as_float(cols, "churn_score")
        * as_float(cols, "monthly_revenue")
        * v.margin_rate
        * v.horizon_months,
        2,
    )
    if tt.baseline is not None:
        p[:, tt.baseline], from_offer[:, tt.baseline] = 0.0, False
    gain = _need_value(sig, need_values(np.asarray(cols["row_no"]), offers, tt), tt)
    ev = p * (value[:, None] + gain)
    ev -= tt.cost[None, :]
    np.round(ev, 2, out=ev)
    if tt.baseline is not None:
        ev[:, tt.baseline] = 0.0
    order = tt.order
    masked = np.where(lawful, ev, -np.inf)[:, order]
    best = np.asarray(order)[np.argmax(masked, axis=1)] if n_t else np.zeros(n, int)
    return Decisions(
        customer_id=np.asarray(cols.get("customer_id", np.array([], dtype=object))),
        row_no=np.asarray(cols["row_no"]),
        treatments=tt.keys,
        failed=failed,
        applicable=applicable,
        lawful=lawful,
        propensity=p,
        from_offer=from_offer,
        value_at_risk=value,
        cost=tt.cost,
        expected_value=ev,
        best=best,
        signals=sig,
        churn_level=churn_level,
        value_level=value_level,
        high_value=revenue >= config.policy.high_value_min_monthly_revenue,
        order=tuple(order),
        p_journey=p_journey,
        p_offer=terms.p_offer,
        need_value=gain,
        offer_pos=terms.pos,
        declined=terms.declined,
        problems=problems,
        problem_keys=tt.problems,
        extra={**{k: np.asarray(v) for k, v in cols.items()}, **learned_extra},
    )
