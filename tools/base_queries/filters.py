"""Filters of the questions across customers: pushed into SQL where they can be.

Filters on stored columns (segment, plan, region, vulnerable, a consent, an
objection to marketing, numeric thresholds, and the churn and value bands, whose
thresholds are the kernel's) become one SQL condition over ``customer_features``
with bound parameters (column names come from fixed tables here, never from the
request), so the kernel only sees the customers they keep. Filters on what the
kernel decides (signals, the recommended treatment, whether marketing or a channel
is lawful, the expected value) are masks over a
:class:`tools.base_queries.scan.Scan`. A request that narrows an earlier list
(``among``) holds that list's filters too (:func:`tools.base_queries.lists.chain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.base_queries.models import Condition, FindArgs, Threshold
from tools.base_queries.scan import Reach, Scan
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.kernel.features_sql import CONSENT_CHANNELS
from tools.kernel.signals import (
    BANDS,
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    SIGNALS,
)

# metric -> stored column (None: the kernel's number), and whether it may be NaN
COLUMNS: dict[str, tuple[str | None, bool]] = {
    "churn": ("churn_score", False),
    "revenue": ("monthly_revenue", False),
    "tenure": ("tenure_months", False),
    "bill": ("bill_latest", True),
    "data_gb": ("usage_latest_gb", True),
    "expected_value": (None, False),
}
_SQL_OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<="}
_NP_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def needs_kernel(a: Condition) -> bool:
    """Whether a filter or the order reads the kernel's decisions.

    ``any_of`` does not: its conditions are resolved to row numbers in SQL.
    """
    return bool(
        a.signals
        or a.without_signals
        or a.recommended
        or a.marketing_allowed is not None
        or a.reachable_channel
        or getattr(a, "order_by", None) == "expected_value"
        or any(COLUMNS[t.metric][0] is None for t in a.thresholds)
    )


def reach(parts: Sequence[FindArgs]) -> tuple[Reach, ...]:
    """The (channel, purpose) reachability the filters ask the scan for."""
    wanted = {(p.reachable_channel, p.reachable_purpose) for p in parts}
    return tuple(
        sorted(((c, p) for c, p in wanted if c is not None), key=lambda r: str(r))
    )


def _threshold(t: Threshold) -> tuple[str, list[Any]]:
    """One threshold as SQL: a missing number (NaN) passes no comparison."""
    column, nan = COLUMNS[t.metric]
    cond = f"{column} {_SQL_OPS[t.op]} ?"
    return (f"NOT isnan({column}) AND {cond}" if nan else cond), [t.value]


def _bands(a: Condition, ctx: ToolContext) -> tuple[list[str], list[Any]]:
    conds: list[str] = []
    params: list[Any] = []
    for band, column, high, medium in (
        (a.churn_band, "churn_score", HIGH_CHURN, MEDIUM_CHURN),
        (
            a.value_band,
            "monthly_revenue",
            ctx.config.policy.high_value_min_monthly_revenue,
            MEDIUM_VALUE_REVENUE,
        ),
    ):
        if band == "high":
            conds.append(f"{column} >= ?")
            params.append(high)
        elif band == "medium":
            conds.append(f"{column} >= ? AND {column} < ?")
            params += [medium, high]
        elif band == "low":
            conds.append(f"{column} < ?")
            params.append(medium)
    return conds, params


def _stored(a: Condition) -> tuple[list[str], list[Any]]:
    """Conditions on stored text and flag columns.

    Raises:
        ToolInputError: Only one of consent_channel / consent_purpose given.
    """
    conds: list[str] = []
    params: list[Any] = []
    for value, column in ((a.segment, "segment"), (a.region, "region")):
        if value:
            conds.append(f"lower({column}) = lower(?)")
            params.append(value)
    if a.plan:  # a tariff's name or part of it ("the Family plans")
        conds.append("contains(lower(plan_name), lower(?))")
        params.append(a.plan.strip())
    if a.vulnerable is not None:
        conds.append("vulnerable = ?")
        params.append(a.vulnerable)
    if a.complained is not None:
        conds.append(
            "negative_interactions > 0" if a.complained else "negative_interactions = 0"
        )
    if a.consent_channel or a.consent_purpose:
        if not (a.consent_channel and a.consent_purpose):
            raise ToolInputError("give both consent_channel and consent_purpose")
        col = f"consent_{a.consent_channel}_{a.consent_purpose}"
        conds.append(col if a.consent_granted else f"NOT {col}")
    if a.objects_to_marketing is not None:
        any_marketing = " OR ".join(f"consent_{c}_marketing" for c in CONSENT_CHANNELS)
        objects = f"consent_channels > 0 AND NOT ({any_marketing})"
        conds.append(objects if a.objects_to_marketing else f"NOT ({objects})")
    return conds, params


def sql_where(a: FindArgs, ctx: ToolContext) -> tuple[str, list[Any]]:
    """The stored-column filters as one SQL condition ("" = none) and its params.

    Raises:
        ToolInputError: Only one of consent_channel / consent_purpose given.
    """
    conds, params = _stored(a)
    bands, more = _bands(a, ctx)
    conds += bands
    params += more
    for t in a.thresholds:
        if COLUMNS[t.metric][0] is not None:
            cond, more = _threshold(t)
            conds.append(cond)
            params += more
    return " AND ".join(f"({c})" for c in conds), params


def sql_where_all(parts: Sequence[FindArgs], ctx: ToolContext) -> tuple[str, list]:
    """Every part's stored-column filters, all holding (AND)."""
    conds: list[str] = []
    params: list[Any] = []
    for part in parts:
        cond, more = sql_where(part, ctx)
        if cond:
            conds.append(f"({cond})")
            params += more
    return " AND ".join(conds), params


def kernel_mask(s: Scan, a: Condition, ctx: ToolContext) -> np.ndarray:
    """Which scanned customers every filter keeps (bands re-checked on the kernel's).

    Raises:
        ToolInputError: ``recommended`` is not a treatment key.
    """
    keep = np.ones(len(s.row_no), dtype=bool)
    if a.churn_band:
        keep &= s.churn_level == list(BANDS).index(a.churn_band)
    if a.value_band:
        keep &= s.value_level == list(BANDS).index(a.value_band)
    if a.signals:
        assert s.signals is not None, "scan without signals"
        for name in a.signals:
            keep &= s.signals[:, SIGNALS.index(name)]
    if a.without_signals:
        assert s.signals is not None, "scan without signals"
        for name in a.without_signals:
            keep &= ~s.signals[:, SIGNALS.index(name)]
    if a.recommended:
        ctx.config.treatment(a.recommended)  # an unknown key is the model's to fix
        keep &= s.best == s.treatments.index(a.recommended)
    if a.marketing_allowed is not None:
        assert s.marketing_reachable is not None, "scan without rules"
        keep &= s.marketing_reachable == a.marketing_allowed
    if a.reachable_channel:
        reachable = s.reachable[(a.reachable_channel, a.reachable_purpose)]
        keep &= reachable == a.reachable
    for t in a.thresholds:
        if t.metric == "expected_value":
            keep &= _NP_OPS[t.op](s.best_ev, t.value)
    return keep


def kernel_mask_all(s: Scan, parts: Sequence[FindArgs], ctx: ToolContext) -> np.ndarray:
    """Which scanned customers every part keeps."""
    keep = np.ones(len(s.row_no), dtype=bool)
    for part in parts:
        keep &= kernel_mask(s, part, ctx)
    return keep
