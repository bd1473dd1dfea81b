"""Questions across customers: find customers by typed filters, summarise the base.

Both walk the customer source in chunks through the decision kernel
(:mod:`tools.kernel.batch`), so bands, signals, the recommended treatment and its
expected value are the same numbers the per-customer tools give; filters on stored
columns (segment, plan, consent, vulnerable) are pushed down into SQL first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, Field

from tools.config import ConsentChannel, Purpose, SignalName
from tools.context import ToolContext, default_context
from tools.errors import ToolInputError
from tools.kernel.batch import decide_where, iter_decisions
from tools.kernel.decide import (
    HIGH_CHURN,
    MEDIUM_CHURN,
    MEDIUM_VALUE_REVENUE,
    SIGNALS,
    Decisions,
)

Band = Literal["low", "medium", "high"]
OrderBy = Literal["churn", "expected_value", "value"]
GroupBy = Literal["segment", "signal", "recommended", "excluded_rule"]


class FindArgs(BaseModel):
    """Filters of ``find_customers`` (all optional; combined with AND)."""

    churn_band: Band | None = None
    value_band: Band | None = None
    segment: str | None = None
    plan: str | None = None
    signals: list[SignalName] = Field(default_factory=list)
    consent_channel: ConsentChannel | None = None
    consent_purpose: Purpose | None = None
    consent_granted: bool = True
    marketing_allowed: bool | None = None
    vulnerable: bool | None = None
    recommended: str | None = None
    order_by: OrderBy = "churn"
    limit: int = Field(10, ge=1, le=100)


class CustomerRow(BaseModel):
    """One customer in a list: the kernel's numbers, no personal details."""

    customer_id: str
    segment: str
    plan: str
    churn_score: float
    churn_band: str
    value_band: str
    monthly_revenue: float
    recommended: str
    expected_value: float
    signals: list[str]


class CustomerList(BaseModel):
    """Result of ``find_customers``."""

    matched: int = Field(description="How many customers match (all, not just shown).")
    total: int = Field(description="Customers in the base.")
    order_by: OrderBy
    rows: list[CustomerRow]


class SummariseArgs(BaseModel):
    """``summarise_base`` takes no arguments (the whole base)."""


class Group(BaseModel):
    """A group of customers: how many and the expected value of their best actions."""

    key: str
    customers: int
    expected_value: float


class BaseSummary(BaseModel):
    """Result of ``summarise_base``."""

    customers: int
    total: int
    expected_value: float = Field(description="Sum of every best lawful action's EV.")
    by_segment: list[Group]
    by_signal: list[Group]
    by_recommended: list[Group]
    excluded_by_rule: list[Group] = Field(
        description="Customers with at least one treatment excluded by each rule."
    )


_COLUMNS = ("segment", "plan_name", "churn_score", "monthly_revenue")


def _sql_filter(a: FindArgs) -> tuple[str, list[Any]]:
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
    return " AND ".join(conds), params


def _bands_sql(a: FindArgs, ctx: ToolContext) -> tuple[str, list[Any]]:
    """Band filters as SQL over the same thresholds the kernel's bands use."""
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
    return " AND ".join(conds), params


def _fast(a: FindArgs, ctx: ToolContext) -> CustomerList | None:
    """Answer from SQL alone when the filters and order allow it.

    Count and top rows come from the store; the kernel then runs on those rows
    only (the same numbers, far less work). None when a filter needs the kernel.
    """
    if a.signals or a.recommended or a.marketing_allowed is not None:
        return None
    if a.order_by == "expected_value":
        return None
    where, params = _sql_filter(a)
    bands, more = _bands_sql(a, ctx)
    cond = " AND ".join(c for c in (where, bands) if c) or "true"
    params = [*params, *more]
    row = ctx.customers.sql(
        f"SELECT count(*) FROM customer_features WHERE {cond}", params
    )[0]
    column = "churn_score" if a.order_by == "churn" else "monthly_revenue"
    top = ctx.customers.sql(
        f"SELECT row_no FROM customer_features WHERE {cond} "
        f"ORDER BY {column} DESC, customer_id LIMIT {int(a.limit)}",
        params,
    )
    rows: list[CustomerRow] = []
    if top:
        d = decide_where(
            ctx.customers,
            ctx.config,
            "row_no IN (SELECT unnest(?))",
            [[r[0] for r in top]],
            extra=_COLUMNS,
        )
        order = np.argsort(-_sort_key(d, a.order_by), kind="stable")
        rows = [_row(d, int(i)) for i in order]
    return CustomerList(
        matched=int(row[0]), total=ctx.customers.count(), order_by=a.order_by, rows=rows
    )


def _mask(d: Decisions, a: FindArgs, ctx: ToolContext) -> np.ndarray:
    keep = np.ones(len(d.best), dtype=bool)
    if a.churn_band:
        keep &= d.churn_band == a.churn_band
    if a.value_band:
        keep &= d.value_band == a.value_band
    for s in a.signals:
        keep &= d.signals[:, SIGNALS.index(s)]
    if a.recommended:
        ctx.config.treatment(a.recommended)
        keep &= d.best_key == a.recommended
    if a.marketing_allowed is not None:
        marketing = np.array(
            [
                ctx.config.treatments[k].purpose == "marketing"
                and ctx.config.treatments[k].channel != "none"
                for k in d.treatments
            ]
        )
        hard_ok = ~np.logical_or.reduce([m for m in d.failed.values()])
        reachable = (hard_ok & marketing[None, :]).any(axis=1)
        keep &= reachable == a.marketing_allowed
    return keep


def _walk(a: FindArgs, ctx: ToolContext) -> Iterator[tuple[Decisions, np.ndarray]]:
    where, params = _sql_filter(a)
    bands, more = _bands_sql(a, ctx)
    where = " AND ".join(c for c in (where, bands) if c)
    params = [*params, *more]
    for d in iter_decisions(
        ctx.customers, ctx.config, where=where, params=params, extra=_COLUMNS
    ):
        yield d, _mask(d, a, ctx)


def _sort_key(d: Decisions, order_by: OrderBy) -> np.ndarray:
    if order_by == "expected_value":
        return d.best_ev
    if order_by == "value":
        return np.asarray(d.extra["monthly_revenue"], dtype=np.float64)
    return np.asarray(d.extra["churn_score"], dtype=np.float64)


def _row(d: Decisions, i: int) -> CustomerRow:
    return CustomerRow(
        customer_id=str(d.customer_id[i]),
        segment=str(d.extra["segment"][i]),
        plan=str(d.extra["plan_name"][i]),
        churn_score=float(d.extra["churn_score"][i]),
        churn_band=str(d.churn_band[i]),
        value_band=str(d.value_band[i]),
        monthly_revenue=float(d.extra["monthly_revenue"][i]),
        recommended=str(d.best_key[i]),
        expected_value=float(d.best_ev[i]),
        signals=[s for s, on in zip(SIGNALS, d.signals[i], strict=True) if on],
    )


def find_customers(
    churn_band: Band | None = None,
    value_band: Band | None = None,
    segment: str | None = None,
    plan: str | None = None,
    signals: list[str] | None = None,
    consent_channel: str | None = None,
    consent_purpose: str | None = None,
    consent_granted: bool = True,
    marketing_allowed: bool | None = None,
    vulnerable: bool | None = None,
    recommended: str | None = None,
    order_by: OrderBy = "churn",
    limit: int = 10,
    ctx: ToolContext | None = None,
) -> CustomerList:
    """Find customers across the base; ranked rows and how many match.

    All filters optional (AND). Bands: churn high >= 0.6, medium >= 0.3; value high
    = high-value. signals: all present. consent_*: has (or not) that consent.
    marketing_allowed=false: no marketing treatment is lawful. recommended: best
    lawful treatment key. order_by: churn, expected_value (best action) or value
    (revenue).
    """
    ctx = ctx or default_context()
    a = FindArgs.model_validate(
        {k: v for k, v in locals().items() if k in FindArgs.model_fields}
        | {"signals": signals or []}
    )
    fast = _fast(a, ctx)
    if fast is not None:
        return fast
    matched = 0
    best: list[tuple[float, str, Decisions, int]] = []
    for d, keep in _walk(a, ctx):
        idx = np.flatnonzero(keep)
        matched += len(idx)
        if not len(idx):
            continue
        key = _sort_key(d, a.order_by)[idx]
        top = idx[np.argsort(-key, kind="stable")[: a.limit]]
        best += [
            (float(_sort_key(d, a.order_by)[i]), str(d.customer_id[i]), d, i)
            for i in top
        ]
        best = sorted(best, key=lambda b: (-b[0], b[1]))[: a.limit]
    return CustomerList(
        matched=matched,
        total=ctx.customers.count(),
        order_by=a.order_by,
        rows=[_row(d, i) for _, _, d, i in best],
    )


def _groups(keys: np.ndarray, ev: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    if len(keys):
        names, inverse = np.unique(keys.astype(str), return_inverse=True)
        counts = np.bincount(inverse)
        sums = np.bincount(inverse, weights=ev)
        for n, c, s in zip(names, counts, sums, strict=True):
            out[str(n)] = [float(c), float(s)]
    return out


def _merge(total: dict[str, list[float]], part: dict[str, list[float]]) -> None:
    for k, (c, s) in part.items():
        acc = total.setdefault(k, [0.0, 0.0])
        acc[0] += c
        acc[1] += s


def _as_groups(acc: dict[str, list[float]]) -> list[Group]:
    return sorted(
        (
            Group(key=k, customers=int(c), expected_value=round(s, 2))
            for k, (c, s) in acc.items()
        ),
        key=lambda g: (-g.customers, g.key),
    )


def summarise_base(
    filters: FindArgs | dict[str, Any] | None = None, ctx: ToolContext | None = None
) -> BaseSummary:
    """Summarise the whole customer base.

    Counts and expected value of best actions by segment, signal, recommended
    treatment, and customers each contact rule excludes something for.
    """
    ctx = ctx or default_context()
    a = FindArgs.model_validate(filters) if isinstance(filters, dict) else filters
    a = a or FindArgs()
    seg: dict[str, list[float]] = {}
    sig: dict[str, list[float]] = {}
    rec: dict[str, list[float]] = {}
    rules: dict[str, list[float]] = {}
    customers, ev_total = 0, 0.0
    for d, keep in _walk(a, ctx):
        idx = np.flatnonzero(keep)
        if not len(idx):
            continue
        ev = d.best_ev[idx]
        customers += len(idx)
        ev_total += float(ev.sum())
        _merge(seg, _groups(np.asarray(d.extra["segment"])[idx], ev))
        _merge(rec, _groups(d.best_key[idx], ev))
        for j, s in enumerate(SIGNALS):
            on = d.signals[idx, j]
            if on.any():
                _merge(sig, {s: [float(on.sum()), float(ev[on].sum())]})
        for rule, mask in [*d.failed.items(), ("APPLICABILITY", ~d.applicable)]:
            on = mask[idx].any(axis=1)
            if on.any():
                _merge(rules, {rule: [float(on.sum()), float(ev[on].sum())]})
    return BaseSummary(
        customers=customers,
        total=ctx.customers.count(),
        expected_value=round(ev_total, 2),
        by_segment=_as_groups(seg),
        by_signal=_as_groups(sig),
        by_recommended=_as_groups(rec),
        excluded_by_rule=_as_groups(rules),
    )


SIGNAL_NAMES: tuple[str, ...] = get_args(SignalName)
