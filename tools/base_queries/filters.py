"""Filters of the questions across customers: pushed into SQL where they can be.

Filters on stored columns (segment, plan, vulnerable, a consent, and the churn and
value bands, whose thresholds are the kernel's) become one SQL condition over
``customer_features``, so the kernel only sees the customers they keep. Filters on
what the kernel decides (signals, the recommended treatment, whether marketing is
lawful at all) are masks over a :class:`tools.base_queries.scan.Scan`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.base_queries.models import FindArgs
from tools.base_queries.scan import Scan
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.kernel.signals import (
    BANDS,
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    SIGNALS,
)


def needs_kernel(a: FindArgs) -> bool:
    """Whether a filter or the order reads the kernel's decisions."""
    return bool(
        a.signals
        or a.recommended
        or a.marketing_allowed is not None
        or a.order_by == "expected_value"
    )


def sql_where(a: FindArgs, ctx: ToolContext) -> tuple[str, list[Any]]:
    """The stored-column filters as one SQL condition ("" = none) and its params.

    Raises:
        ToolInputError: Only one of consent_channel / consent_purpose given.
    """
    conds: list[str] = []
    params: list[Any] = []
    if a.segment:
        conds.append("lower(segment) = lower(?)")
        params.append(a.segment)
    if a.plan:
        conds.append("lower(plan_name) = lower(?)")
        params.append(a.plan)
    if a.vulnerable is not None:
        conds.append("vulnerable = ?")
        params.append(a.vulnerable)
    if a.consent_channel or a.consent_purpose:
        if not (a.consent_channel and a.consent_purpose):
            raise ToolInputError("give both consent_channel and consent_purpose")
        col = f"consent_{a.consent_channel}_{a.consent_purpose}"
        conds.append(col if a.consent_granted else f"NOT {col}")
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
    return " AND ".join(f"({c})" for c in conds), params


def kernel_mask(s: Scan, a: FindArgs, ctx: ToolContext) -> np.ndarray:
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
    if a.recommended:
        ctx.config.treatment(a.recommended)  # an unknown key is the model's to fix
        keep &= s.best == s.treatments.index(a.recommended)
    if a.marketing_allowed is not None:
        assert s.marketing_reachable is not None, "scan without rules"
        keep &= s.marketing_reachable == a.marketing_allowed
    return keep
