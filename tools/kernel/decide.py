"""The decision kernel: signals, contact rules and P x V - cost, column-wise.

One definition, used for the whole base and for one customer (a batch of one):

* ``signals(cols)`` (:mod:`tools.kernel.signals`): the journey signals as an
  ``(n, S)`` boolean matrix, ``S`` in :data:`SIGNALS` order, from the journey-metric
  columns of :mod:`tools.kernel.features`, and the churn / value bands.
* ``decide(cols, offers, config)``: per customer x treatment (``T`` in config order)
  the rule masks (DISABLED, CONSENT, OBJECTION, VULNERABLE fail; APPLICABILITY holds),
  P(accept), value at risk, cost and expected value; the best lawful treatment per
  customer (ties: constraint priority, then cost, then config order) and the
  per-customer value band / high-value flag and excluded-by-rule counts.

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
from tools.kernel.signals import (
    BANDS,
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    Columns,
    as_bool,
    as_float,
    band_level,
    signals,
)
from tools.kernel.treatments import treatments

CUSTOMER_RULES = ("DISABLED", "CONSENT", "OBJECTION", "VULNERABLE")
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
    from_offer: np.ndarray  # (n, T) bool: P came from a recommender offer
    value_at_risk: np.ndarray  # (n,) float64, pounds
    cost: np.ndarray  # (T,) float64, pounds per contact
    expected_value: np.ndarray  # (n, T) float64, P x V - cost (0 for the baseline)
    best: np.ndarray  # (n,) int, index into ``treatments`` of the best lawful one
    signals: np.ndarray  # (n, S) bool in SIGNALS order
    churn_level: np.ndarray  # (n,) int8 index into BANDS (0 low, 1 medium, 2 high)
    value_level: np.ndarray  # (n,) int8 index into BANDS
    high_value: np.ndarray  # (n,) bool
    order: tuple[int, ...]  # treatment indexes by tie-break (priority, cost, config)
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


def _treatment_index(offers: Columns, keys: tuple[str, ...]) -> np.ndarray:
    """Each offer's treatment as an index into ``keys`` (-1: not a treatment).

    Offers come with ``treatment`` names, or (cheaper for big batches, see
    :func:`tools.kernel.batch.load`) with ``treatment_index`` into the names
    ``treatment_keys`` (-1 for none of them), re-mapped here onto ``keys``.
    """
    index = {k: t for t, k in enumerate(keys)}
    if "treatment_index" not in offers:
        names = [str(k) for k in offers["treatment"]]
        return np.array([index.get(k, -1) for k in names], dtype=np.int64)
    remap = [index.get(str(k), -1) for k in offers["treatment_keys"]] + [-1]
    return np.asarray(remap, dtype=np.int64)[np.asarray(offers["treatment_index"])]


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
        offers: ``row_no``, ``treatment``, ``propensity`` of the recommender's best
            open offer per customer and treatment (rows outside the batch ignored).
        config: Treatments, policy and value model.
        blocked: Optional ``(n, T)`` mask of pairs excluded by the caller (e.g.
            today's exhausted capacity); they are not lawful.

    Returns:
        The batch's :class:`Decisions`.
    """
    tt = treatments(config)
    keys, base, boosts, cost = tt.keys, tt.base, tt.boosts, tt.cost
    n, n_t = len(cols["row_no"]), len(keys)
    sig = signals(cols)
    vulnerable = as_bool(cols, "vulnerable")
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
    failed["VULNERABLE"][:] = vulnerable[:, None] & tt.marketing
    applicable = np.ones((n, n_t), dtype=bool)
    for when in tt.applicable:  # any of its signals held, or any metric test true
        held = sig[:, when.signals].any(axis=1)
        with np.errstate(invalid="ignore"):  # a missing metric (NaN) passes no test
            for column, compare, value in when.metrics:
                held |= compare(as_float(cols, column), value)
        applicable[:, when.t] = held
    hard_ok = ~(failed["DISABLED"] | failed["CONSENT"])
    hard_ok &= ~(failed["OBJECTION"] | failed["VULNERABLE"])
    lawful = hard_ok & applicable
    if blocked is not None:
        lawful &= ~blocked
    # P(accept): the recommender's offer where one maps, else base + signal boosts.
    p = _boosted(sig, base, boosts)
    from_offer = np.zeros((n, n_t), dtype=bool)
    if len(offers.get("row_no", ())):
        rows, orow = np.asarray(cols["row_no"]), np.asarray(offers["row_no"])
        if n and rows[-1] - rows[0] == n - 1:  # consecutive rows: no search needed
            pos = np.clip(orow - rows[0], 0, n - 1)
        else:
            pos = np.minimum(np.searchsorted(rows, orow), max(n - 1, 0))
        t_idx = _treatment_index(offers, keys)
        offer_p = np.asarray(offers["propensity"], dtype=np.float64)
        ok = (rows[pos] == orow) & (t_idx >= 0)
        ok &= ~np.isnan(offer_p)
        p[pos[ok], t_idx[ok]] = offer_p[ok]
        from_offer[pos[ok], t_idx[ok]] = True
    np.clip(p, 0.0, config.value.propensity_cap, out=p)
    np.round(p, 3, out=p)
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
    ev = p * value[:, None]
    ev -= cost[None, :]
    np.round(ev, 2, out=ev)
    if tt.baseline is not None:
        ev[:, tt.baseline] = 0.0
    order = tt.order
    masked = np.where(lawful, ev, -np.inf)[:, order]
    best = np.asarray(order)[np.argmax(masked, axis=1)] if n_t else np.zeros(n, int)
    revenue = as_float(cols, "monthly_revenue")
    return Decisions(
        customer_id=np.asarray(cols.get("customer_id", np.array([], dtype=object))),
        row_no=np.asarray(cols["row_no"]),
        treatments=keys,
        failed=failed,
        applicable=applicable,
        lawful=lawful,
        propensity=p,
        from_offer=from_offer,
        value_at_risk=value,
        cost=cost,
        expected_value=ev,
        best=best,
        signals=sig,
        churn_level=band_level(as_float(cols, "churn_score"), HIGH_CHURN, MEDIUM_CHURN),
        value_level=band_level(
            revenue, config.policy.high_value_min_monthly_revenue, MEDIUM_VALUE_REVENUE
        ),
        high_value=revenue >= config.policy.high_value_min_monthly_revenue,
        order=tuple(order),
        extra={k: np.asarray(v) for k, v in cols.items()},
    )
