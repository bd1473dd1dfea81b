"""``find_customers``: ranked customers by typed filters, and how many match.

Stored-column filters are SQL (:mod:`tools.base_queries.filters`). When nothing
else is asked and the order is a stored column, count and top rows come from SQL
alone; otherwise one compact kernel pass (:mod:`tools.base_queries.scan`) decides
who matches and ranks them. Either way the rows shown are the kernel's decisions
for exactly those customers, so their numbers are the per-customer tools'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.base_queries.filters import (
    kernel_mask_all,
    needs_kernel,
    reach,
    sql_where_all,
)
from tools.base_queries.lists import chain, recall, remember
from tools.base_queries.models import (
    Band,
    Condition,
    ContactChannel,
    CustomerList,
    CustomerRow,
    FindArgs,
    OrderBy,
    Threshold,
)
from tools.base_queries.scan import scan_chunks
from tools.config import Purpose
from tools.context import ToolContext
from tools.kernel.batch import decide_where
from tools.kernel.decisions import Decisions
from tools.kernel.signals import SIGNALS

ROW_COLUMNS = ("segment", "plan_name")
Ranked = tuple[int, list[int]]  # how many match, the row numbers of the first ones


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


def rows_for(ctx: ToolContext, row_nos: Sequence[int]) -> list[CustomerRow]:
    """The kernel's rows for these customers (by row number), in the given order."""
    if not len(row_nos):
        return []
    wanted = [int(r) for r in row_nos]
    d = decide_where(
        ctx.customers,
        ctx.config,
        "row_no IN (SELECT unnest(?))",
        [wanted],
        extra=ROW_COLUMNS,
    )
    at = {int(r): i for i, r in enumerate(d.row_no)}
    return [_row(d, at[r]) for r in wanted if r in at]


def top(key: np.ndarray, row_no: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` largest keys, ties by row number (= customer id).

    NaN keys rank last.
    """
    key = np.where(np.isnan(key), -np.inf, key)
    if len(key) > limit:
        kth = np.partition(-key, limit - 1)[limit - 1]
        candidates = np.flatnonzero(-key <= kth)
    else:
        candidates = np.arange(len(key))
    order = np.lexsort((row_no[candidates], -key[candidates]))
    return candidates[order[:limit]]  # type: ignore[no-any-return]


def _listed(
    a: FindArgs, ctx: ToolContext, matched: int, row_nos: Sequence[int]
) -> CustomerList:
    rows = rows_for(ctx, row_nos)
    return CustomerList(
        list_id=remember(a, ctx),
        matched=matched,
        shown=len(rows),
        total=ctx.customers.count(),
        order_by=a.order_by,
        rows=rows,
    )


def _from_sql(
    a: FindArgs, ctx: ToolContext, where: str, params: list, limit: int | None
) -> Ranked:
    """Count and order from the store; the kernel runs on the rows shown only."""
    cond = where or "true"
    count = ctx.customers.sql(
        f"SELECT count(*) FROM customer_features WHERE {cond}", params
    )[0][0]
    column = "churn_score" if a.order_by == "churn" else "monthly_revenue"
    first = ctx.customers.sql(
        f"SELECT row_no FROM customer_features WHERE {cond} "
        f"ORDER BY {column} DESC, row_no"
        + (f" LIMIT {int(limit)}" if limit is not None else ""),
        params,
    )
    return int(count), [r[0] for r in first]


def _from_scan(
    a: FindArgs,
    parts: list[FindArgs],
    ctx: ToolContext,
    where: str,
    params: list,
    limit: int | None,
) -> Ranked:
    """One compact kernel pass decides who matches; each chunk's best few are kept."""
    matched = 0
    keys: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    for s in scan_chunks(
        ctx,
        where,
        params,
        signals=any(p.signals or p.without_signals for p in parts),
        rules=any(p.marketing_allowed is not None for p in parts),
        reach=reach(parts),
    ):
        keep = np.flatnonzero(kernel_mask_all(s, parts, ctx))
        matched += len(keep)
        key = {
            "expected_value": s.best_ev,
            "churn": s.churn_score,
            "value": s.monthly_revenue,
        }[a.order_by][keep]
        n = len(keep) if limit is None else limit
        best = top(key, s.row_no[keep], n)  # the global top is among these
        keys.append(key[best])
        rows.append(s.row_no[keep][best])
    key_all = np.concatenate(keys) if keys else np.zeros(0)
    row_all = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    chosen = top(key_all, row_all, len(key_all) if limit is None else limit)
    return matched, row_all[chosen].tolist()


def where_all(parts: Sequence[FindArgs], ctx: ToolContext) -> tuple[str, list[Any]]:
    """Every part's stored-column filters (AND), and each part's ``any_of``.

    "vulnerable or with a dispute": the customers any of the conditions selects
    (each found as a list of its own) enter as a bound list of row numbers.
    """
    where, params = sql_where_all(parts, ctx)
    conds = [where] if where else []
    for part in parts:
        if part.any_of:
            rows: set[int] = set()
            for c in part.any_of:
                one = FindArgs.model_validate(c.model_dump())
                rows.update(int(r) for r in ranked(one, ctx, None)[1])
            conds.append("(row_no IN (SELECT unnest(?::BIGINT[])))")
            params = [*params, sorted(rows)]
    return " AND ".join(conds), params


def ranked(a: FindArgs, ctx: ToolContext, limit: int | None) -> Ranked:
    """How many customers the list ``a`` holds, and the first ``limit`` row numbers.

    In the list's order (highest first, ties by customer id); ``limit`` None: all.

    Raises:
        ToolInputError: A list it narrows is unknown, or a treatment key is.
    """
    parts = chain(a, ctx)
    for part in parts:
        if part.recommended:
            ctx.config.treatment(part.recommended)  # an unknown key: the model's to fix
    where, params = where_all(parts, ctx)
    if any(needs_kernel(p) for p in parts):
        return _from_scan(a, parts, ctx, where, params, limit)
    return _from_sql(a, ctx, where, params, limit)


def list_rows(list_id: str, ctx: ToolContext) -> list[int]:
    """Every customer on the list ``list_id`` now (row numbers, in the list's order).

    The list is its definition, re-read on the base and the rules in force now:
    what ``export_list`` writes and what a plan among the list takes.

    Raises:
        ToolInputError: No such list (or a list it narrows is unknown).
    """
    return ranked(recall(list_id, ctx), ctx, None)[1]


def list_customers(list_id: str, ctx: ToolContext) -> list[str]:
    """The ids of every customer on the list ``list_id`` now, in id order.

    Raises:
        ToolInputError: No such list (or a list it narrows is unknown).
    """
    rows = list_rows(list_id, ctx)
    if not rows:
        return []
    found = ctx.customers.sql(
        "SELECT customer_id FROM customer_features "
        "WHERE row_no IN (SELECT unnest(?::BIGINT[])) ORDER BY customer_id",
        [sorted(int(r) for r in rows)],
    )
    return [str(r[0]) for r in found]


def find_customers(
    churn_band: Band | None = None,
    value_band: Band | None = None,
    segment: str | None = None,
    plan: str | None = None,
    region: str | None = None,
    signals: list[str] | None = None,
    thresholds: list[Threshold] | None = None,
    consent_channel: str | None = None,
    consent_purpose: str | None = None,
    consent_granted: bool = True,
    objects_to_marketing: bool | None = None,
    marketing_allowed: bool | None = None,
    reachable_channel: ContactChannel | None = None,
    reachable_purpose: Purpose | None = None,
    reachable: bool = True,
    vulnerable: bool | None = None,
    complained: bool | None = None,
    without_signals: list[str] | None = None,
    recommended: str | None = None,
    any_of: list[Condition] | None = None,
    among: str | None = None,
    order_by: OrderBy = "churn",
    limit: int = 10,
    *,
    ctx: ToolContext,
) -> CustomerList:
    """Find customers across the base: how many match, the first ``limit``.

    Filters optional, ANDed. churn_band high >= 0.6, medium >= 0.3. thresholds:
    metric op value (churn 0..1, revenue £/month, tenure months, bill £, data_gb,
    expected_value £). objects_to_marketing: refuses all marketing.
    marketing_allowed=false: no marketing is lawful. reachable_channel (purpose):
    a treatment on it is lawful (reachable=false: none is). complained: a
    negative contact on record. without_signals: none of these. any_of: at
    least one of these conditions holds as well. recommended: best
    treatment key. among: an earlier list_id (narrows it, ids stay server-side).
    The result's list_id names the whole list.
    """
    a = FindArgs.model_validate(
        {k: v for k, v in locals().items() if k in FindArgs.model_fields}
        | {
            "signals": signals or [],
            "without_signals": without_signals or [],
            "thresholds": thresholds or [],
            "any_of": any_of or [],
        }
    )
    matched, row_nos = ranked(a, ctx, a.limit)
    return _listed(a, ctx, matched, row_nos)
