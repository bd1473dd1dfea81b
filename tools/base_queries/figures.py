"""``base_figures``: averages, totals and splits over the base, computed in DuckDB.

"Average monthly bill across the base", "total monthly revenue", "average churn for
customers with a complaint vs without", "avg bill by plan", "split churn by tenure
under 12 months vs the rest". The figure is one SQL aggregate over a whitelisted
stored column of ``customer_features`` (:data:`MEASURES`), grouped by a whitelisted
column (:data:`GROUPS`) or split by a typed condition (:class:`FindArgs`); column
names come from the tables here, values are bound parameters, nothing is built
from the request's text. Conditions the kernel decides (signals, the best action)
select their customers by one kernel pass (:func:`tools.base_queries.find.ranked`)
and enter the SQL as a bound list of row numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from tools.base_queries.filters import needs_kernel
from tools.base_queries.find import ranked, where_all
from tools.base_queries.lists import chain
from tools.base_queries.models import FindArgs
from tools.context import ToolContext
from tools.lazy_model import LazyModel

Measure = Literal["bill", "revenue", "churn", "tenure", "data_gb"]
Stat = Literal["mean", "sum", "median", "min", "max"]
GroupBy = Literal["segment", "plan", "region", "vulnerable", "network_quality"]

# measure -> (stored column, may be NaN, unit shown)
MEASURES: dict[str, tuple[str, bool, str]] = {
    "bill": ("bill_latest", True, "£"),
    "revenue": ("monthly_revenue", False, "£"),
    "churn": ("churn_score", False, ""),
    "tenure": ("tenure_months", False, "months"),
    "data_gb": ("usage_latest_gb", True, "GB"),
}
GROUPS: dict[str, str] = {
    "segment": "segment",
    "plan": "plan_name",
    "region": "region",
    "vulnerable": "vulnerable",
    "network_quality": "network_quality",
}
_SQL_STATS: dict[str, str] = {
    "mean": "avg",
    "sum": "sum",
    "median": "median",
    "min": "min",
    "max": "max",
}


def _mean() -> list[Stat]:
    return ["mean"]


class FiguresArgs(LazyModel):
    """Arguments of ``base_figures``.

    ``filters``: the customers it is over (none: the whole base; ``among`` an
    earlier list). ``split``: compare the customers matching it with the rest of
    them. ``group_by``: one row per value of a stored column.
    """

    measure: Measure
    stats: list[Stat] = Field(default_factory=_mean, min_length=1)
    filters: FindArgs | None = None
    split: FindArgs | None = None
    group_by: GroupBy | None = None


class FigureRow(LazyModel):
    """One group's figures."""

    label: str = Field(description="'all', the group's value, or 'matching'/'rest'.")
    customers: int
    with_value: int = Field(description="Customers the measure is known for.")
    values: dict[str, float | None]


class BaseFigures(LazyModel):
    """Result of ``base_figures``: the figures, over how many, and as of when."""

    measure: Measure
    column: str
    unit: str
    stats: list[Stat]
    rows: list[FigureRow]
    customers: int = Field(description="Customers the figures are over.")
    total: int = Field(description="Customers in the base.")
    as_of: date | None = Field(description="The data's as-of (decision) date.")
    split: bool = False
    group_by: GroupBy | None = None


def _selects(a: FindArgs, ctx: ToolContext) -> tuple[str, list[Any]]:
    """An SQL condition selecting the customers of ``a`` ("true": everyone).

    Stored-column filters stay SQL; with kernel conditions, the matching customers'
    row numbers (one kernel pass) are bound as a list.
    """
    parts = chain(a, ctx)
    for part in parts:
        if part.recommended:
            ctx.config.treatment(part.recommended)  # an unknown key: the model's to fix
    if any(needs_kernel(p) for p in parts):
        _, rows = ranked(a, ctx, None)
        return "row_no IN (SELECT unnest(?::BIGINT[]))", [[int(r) for r in rows]]
    where, params = where_all(parts, ctx)
    return (where or "true"), params


def _aggregates(column: str, nan: bool, stats: list[str]) -> tuple[str, str]:
    known = f"NOT isnan({column})" if nan else "true"
    cols = ", ".join(
        f"{_SQL_STATS[s]}({column}) FILTER (WHERE {known})::DOUBLE" for s in stats
    )
    return f"count(*) FILTER (WHERE {known}), {cols}", known


def _group_label(args: FiguresArgs, ctx: ToolContext) -> tuple[str, list[Any]]:
    """The SQL label of each customer's row and its parameters.

    'matching' / 'rest' for a split, the group's stored value (or 'unknown') for a
    group_by, else 'all'.
    """
    if args.split is not None:
        cond, params = _selects(args.split, ctx)
        return f"CASE WHEN ({cond}) THEN 'matching' ELSE 'rest' END", params
    if args.group_by is not None:
        return f"coalesce({GROUPS[args.group_by]}::VARCHAR, 'unknown')", []
    return "'all'", []


def _figure_rows(found: list[tuple[Any, ...]], args: FiguresArgs) -> list[FigureRow]:
    """One row per label found (rounded to 4 places), in the order shown.

    A split: matching first, then the rest; groups: the largest first (then by
    label); else as found.
    """
    rows = [
        FigureRow(
            label=str(r[0]),
            customers=int(r[1]),
            with_value=int(r[2]),
            values={
                s: (None if v is None else round(float(v), 4))
                for s, v in zip(args.stats, r[3:], strict=True)
            },
        )
        for r in found
    ]
    if args.split is not None:  # matching first, then the rest
        rows.sort(key=lambda row: row.label != "matching")
    elif args.group_by is not None:
        rows.sort(key=lambda row: (-row.customers, row.label))
    return rows


def base_figures(
    measure: Measure,
    stats: list[Stat] | None = None,
    filters: FindArgs | dict[str, Any] | None = None,
    split: FindArgs | dict[str, Any] | None = None,
    group_by: GroupBy | None = None,
    *,
    ctx: ToolContext,
) -> BaseFigures:
    """Averages, totals, medians, min or max of one measure across customers.

    measure: bill (latest bill, £), revenue (monthly, £), churn (score 0..1),
    tenure (months), data_gb (latest use). filters: the customers (default the
    whole base; among: an earlier list_id). split: the same figures for the
    customers matching it and for the rest. group_by: per segment, plan, region,
    vulnerable or network quality. Counts say how many each figure is over.

    Raises:
        ToolInputError: An unknown list or treatment key in the filters.
    """
    args = FiguresArgs.model_validate(
        {
            "measure": measure,
            "stats": stats or ["mean"],
            "filters": filters,
            "split": split,
            "group_by": group_by,
        }
    )
    column, nan, unit = MEASURES[args.measure]
    where, params = _selects(args.filters or FindArgs(), ctx)
    label, label_params = _group_label(args, ctx)
    aggs, _ = _aggregates(column, nan, list(args.stats))
    found = ctx.customers.sql(
        f"SELECT {label} AS g, count(*), {aggs} FROM customer_features "
        f"WHERE {where} GROUP BY g ORDER BY g",
        [*label_params, *params],
    )
    rows = _figure_rows(found, args)
    as_of = ctx.customers.sql("SELECT max(as_of) FROM customer_features")[0][0]
    return BaseFigures(
        measure=args.measure,
        column=column,
        unit=unit,
        stats=list(args.stats),
        rows=rows,
        customers=sum(r.customers for r in rows),
        total=ctx.customers.count(),
        as_of=as_of,
        split=args.split is not None,
        group_by=args.group_by,
    )
