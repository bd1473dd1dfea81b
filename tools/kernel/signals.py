"""Journey signals and churn / value bands, column-wise over a batch of customers.

The first half of the decision kernel (:mod:`tools.kernel.decide` is the second):
thresholds and signals defined once, read from the journey-metric columns of
:mod:`tools.kernel.features`, for a batch of one or of millions. A dated signal
counts only while its latest evidence is within its recency window of the decision
date (``decisions.recency_days``; :data:`EVIDENCE_DAYS` names the column that holds
the evidence's age in days).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np

from tools.config import CVMConfig, SignalName
from tools.config_decisions import INTERACTION_SIGNALS
from tools.kernel.features_sql import CONSENT_CHANNELS

SIGNALS: tuple[str, ...] = get_args(SignalName)
NEAR_ALLOWANCE_RATIO = 0.85
USAGE_RISING_PCT = 10.0
POOR_LATENCY_MS, POOR_PACKET_LOSS_PCT = 70.0, 2.5
NEW_CUSTOMER_MONTHS, LONG_TENURE_MONTHS = 3, 48
HIGH_CHURN, MEDIUM_CHURN = 0.6, 0.3
MEDIUM_VALUE_REVENUE = 60.0
BANDS = np.array(["low", "medium", "high"])

# The feature columns the kernel reads (fetch only these for big batches).
KERNEL_COLUMNS: tuple[str, ...] = (
    "row_no",
    "customer_id",
    "segment",
    "vulnerable",
    "monthly_revenue",
    "churn_score",
    "tenure_months",
    "churn_days",
    "lines",
    "usage_ratio",
    "usage_trend_pct",
    "usage_days",
    "bill_change_pct",
    "bill_shock_days",
    "roaming_days",
    "overage_days",
    "payment_issue_days",
    "network_quality_rank",
    "network_latency_ms",
    "network_packet_loss_pct",
    "network_days",
    "recent_count",
    "recent_negative",
    "sentiment_worsening",
    "interaction_days",
    "consent_channels",
    *(f"said_{s}_days" for s in INTERACTION_SIGNALS),
    *(
        f"consent_{ch}_{p}"
        for ch in CONSENT_CHANNELS
        for p in ("marketing", "service", "billing")
    ),
)
Columns = dict[str, np.ndarray]
# signal -> the feature columns holding its latest evidence's age in days (the
# smallest counts); signals not named here are undated (tenure).
EVIDENCE_DAYS: dict[str, tuple[str, ...]] = {
    "data_over_allowance": ("usage_days",),
    "data_near_allowance": ("usage_days",),
    "usage_rising": ("usage_days",),
    "roaming_charges": ("roaming_days",),
    "overage_charges": ("overage_days",),
    "bill_shock": ("bill_shock_days",),
    "payment_issues": ("payment_issue_days",),
    "poor_network": ("network_days",),
    "negative_sentiment": ("interaction_days",),
    "high_churn_risk": ("churn_days",),
}
for _signal in INTERACTION_SIGNALS:  # the latest interaction that counts for it
    EVIDENCE_DAYS[_signal] = (*EVIDENCE_DAYS.get(_signal, ()), f"said_{_signal}_days")


def as_float(cols: Columns, name: str) -> np.ndarray:
    """Column ``name`` as float64 (NULL as NaN)."""
    return np.asarray(cols[name], dtype=np.float64)


def as_bool(cols: Columns, name: str) -> np.ndarray:
    """Column ``name`` as booleans."""
    return np.asarray(cols[name], dtype=bool)


def one_of(values: np.ndarray, wanted: Sequence[object]) -> np.ndarray:
    """Which ``values`` equal one of a few ``wanted`` (a text column's vocabulary).

    What ``np.isin`` computes for a short ``wanted`` list (one comparison per
    value), without its set-up, which costs more than the comparisons when a chat
    turn decides one customer.
    """
    out = np.zeros(len(values), dtype=bool)
    for w in wanted:
        out |= values == w
    return out


def evidence_days(cols: Columns, signal: str) -> np.ndarray:
    """Per customer, days from ``signal``'s latest evidence to the decision date.

    NaN when there is none (or the signal is undated).
    """
    names = EVIDENCE_DAYS.get(signal, ())
    if not names:
        return np.full(len(cols["row_no"]), np.nan)
    days = as_float(cols, names[0])
    for name in names[1:]:
        days = np.fmin(days, as_float(cols, name))
    return days


def signals(cols: Columns, windows: np.ndarray | None = None) -> np.ndarray:
    """The journey signals of every customer of a batch, ``(n, len(SIGNALS))``.

    Args:
        cols: The feature columns.
        windows: ``(S,)`` recency window in days per signal (``inf``: undated);
            None counts every piece of evidence up to the decision date.
    """
    n = len(cols["row_no"])
    out = np.zeros((n, len(SIGNALS)), dtype=bool)
    col = {s: i for i, s in enumerate(SIGNALS)}
    ratio = as_float(cols, "usage_ratio")
    dated = {s: evidence_days(cols, s) for s in EVIDENCE_DAYS}
    out[:, col["data_over_allowance"]] = ratio > 1
    out[:, col["data_near_allowance"]] = (ratio <= 1) & (ratio >= NEAR_ALLOWANCE_RATIO)
    out[:, col["usage_rising"]] = as_float(cols, "usage_trend_pct") >= USAGE_RISING_PCT
    for signal in (
        "roaming_charges",
        "overage_charges",
        "bill_shock",
        "payment_issues",
    ):
        out[:, col[signal]] = dated[signal] >= 0  # evidence up to the decision date
    rank = as_float(cols, "network_quality_rank")
    out[:, col["poor_network"]] = (rank >= 0) & (
        (rank == 0)
        | (as_float(cols, "network_latency_ms") > POOR_LATENCY_MS)
        | (as_float(cols, "network_packet_loss_pct") > POOR_PACKET_LOSS_PCT)
    )
    for signal in INTERACTION_SIGNALS:
        out[:, col[signal]] = dated[signal] >= 0
    negative = as_float(cols, "recent_negative")
    out[:, col["negative_sentiment"]] = (negative > 0) & (
        (negative * 2 >= as_float(cols, "recent_count"))
        | as_bool(cols, "sentiment_worsening")
    )
    churn = as_float(cols, "churn_score")
    out[:, col["high_churn_risk"]] = churn >= HIGH_CHURN
    tenure = as_float(cols, "tenure_months")
    out[:, col["new_customer"]] = tenure <= NEW_CUSTOMER_MONTHS
    out[:, col["long_tenure"]] = tenure >= LONG_TENURE_MONTHS
    if windows is not None:
        for signal, days in dated.items():
            s = col[signal]
            out[:, s] &= ~(days > windows[s])  # missing evidence: no window to pass
    return out


def band_level(values: np.ndarray, high: float, medium: float) -> np.ndarray:
    """0 (low), 1 (medium) or 2 (high) per value: an index into :data:`BANDS`."""
    values = np.asarray(values, dtype=np.float64)
    return (values >= medium).astype(np.int8) + (values >= high)


def band(values: np.ndarray, high: float, medium: float) -> np.ndarray:
    """``low`` / ``medium`` / ``high`` per value (``high`` from ``high`` up)."""
    return BANDS[band_level(values, high, medium)]


def churn_band(churn: np.ndarray) -> np.ndarray:
    """Churn band per customer (high from 0.6, medium from 0.3)."""
    return band(churn, HIGH_CHURN, MEDIUM_CHURN)


def value_band(revenue: np.ndarray, config: CVMConfig) -> np.ndarray:
    """Value band per customer (high from the policy's high-value revenue)."""
    return band(
        revenue, config.policy.high_value_min_monthly_revenue, MEDIUM_VALUE_REVENUE
    )
