"""The numbers derived from a customer's journey, as the explanations show them.

:func:`journey_metrics` reads them from the decision kernel's feature row and
decisions for one customer (see :mod:`tools.assess`), so the reasons an analyst
reads quote the same numbers the kernel decided on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from tools.kernel.decisions import Decisions

Band = Literal["low", "medium", "high"]


class JourneyMetrics(BaseModel):
    """Numbers derived from the journey."""

    usage_latest_gb: float | None = None
    usage_trend_pct: float | None = None
    usage_ratio: float | None = Field(None, description="Latest usage / allowance.")
    overage_gb: float = 0.0
    bill_latest: float | None = None
    bill_change_pct: float | None = None
    bill_shock_dates: list[date] = Field(default_factory=list)
    roaming_charges: float = 0.0
    payment_issues: bool = False
    interaction_count: int = 0
    negative_interactions: int = 0
    sentiment_trend: Literal["improving", "stable", "worsening", "unknown"] = "unknown"
    network_quality: str | None = None
    churn_score: float
    churn_band: Band
    tenure_months: int
    monthly_revenue: float
    value_band: Band
    lines: int = 1


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def journey_metrics(row: Mapping[str, Any], d: Decisions) -> JourneyMetrics:
    """The journey metrics of one customer from the kernel's feature row."""
    return JourneyMetrics(
        usage_latest_gb=_num(row["usage_latest_gb"]),
        usage_trend_pct=_num(row["usage_trend_pct"]),
        usage_ratio=_num(row["usage_ratio"]),
        overage_gb=float(row["overage_gb"]),
        bill_latest=_num(row["bill_latest"]),
        bill_change_pct=_num(row["bill_change_pct"]),
        bill_shock_dates=[
            date.fromisoformat(str(v)[:10]) for v in row["bill_shock_dates"]
        ],
        roaming_charges=float(row["roaming_charges"]),
        payment_issues=bool(row["payment_issues"]),
        interaction_count=int(row["interaction_count"]),
        negative_interactions=int(row["negative_interactions"]),
        sentiment_trend=str(row["sentiment_trend"]),
        network_quality=None
        if row["network_quality"] is None
        else str(row["network_quality"]),
        churn_score=float(row["churn_score"]),
        churn_band=str(d.churn_band[0]),
        tenure_months=int(row["tenure_months"]),
        monthly_revenue=float(row["monthly_revenue"]),
        value_band=str(d.value_band[0]),
        lines=int(row["lines"]),
    )
