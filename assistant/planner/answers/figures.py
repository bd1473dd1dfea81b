"""Writing ``base_figures`` results: the figure(s), over how many, as of when.

"Average latest bill **£177.14** over 12 customers (all 12 in the base); data as
of 2024-03-06." A split is a two-row table (the customers the condition selects,
and the rest); a grouping one row per group. A list of customers is never the
answer to an arithmetic question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.answers.base import describe
from assistant.planner.intent import Ask, Results

if TYPE_CHECKING:
    from tools.base_queries.figures import BaseFigures, FigureRow
    from tools.base_queries.models import FindArgs

STAT_WORD = {
    "mean": "average",
    "sum": "total",
    "median": "median",
    "min": "lowest",
    "max": "highest",
}
MEASURE_WORD = {
    "bill": "latest monthly bill",
    "revenue": "monthly revenue",
    "churn": "churn score",
    "tenure": "tenure",
    "data_gb": "latest data use",
}
CAN = (
    "I can work out the average, total, median, lowest or highest of: the latest "
    "monthly bill, monthly revenue, churn score, tenure and latest data use, over "
    'the whole base, a condition ("with churn above 0.5"), the last list ("their '
    'average bill"), split by a condition ("with a complaint vs without") or by '
    'segment, plan, region or network quality ("average bill by plan").'
)


def shown(value: float | None, unit: str, stat: str) -> str:
    """A figure in its unit ("£177.14", "0.41", "24.5 months")."""
    if value is None:
        return "n/a"
    if unit == "£":
        return f"£{value:,.2f}"
    if unit == "":
        return f"{value:,.2f}" if stat != "sum" else f"{value:,.1f}"
    return f"{value:,.1f} {unit}"


def _values(f: BaseFigures, row: FigureRow) -> str:
    return ", ".join(
        f"{STAT_WORD[s]} **{shown(row.values.get(s), f.unit, s)}**" for s in f.stats
    )


def _over(f: BaseFigures, row: FigureRow) -> str:
    known = (
        f" ({row.with_value:,} with a {MEASURE_WORD[f.measure]})"
        if row.with_value != row.customers
        else ""
    )
    return f"{row.customers:,} customers{known}"


def _scope(args: dict[str, object]) -> str:
    """The customers the figures are over, in words."""
    raw = args.get("filters")
    if not raw:
        return "the whole base"
    from tools.base_queries.models import FindArgs

    f = FindArgs.model_validate(raw)
    among = " on the last list" if f.among else ""
    return describe(f) + among


def _table(f: BaseFigures, labels: list[str]) -> str:
    head = " | ".join(f"{STAT_WORD[s]} {MEASURE_WORD[f.measure]}" for s in f.stats)
    lines = [f"| customers | how many | {head} |", "|---|---|" + "---|" * len(f.stats)]
    for label, row in zip(labels, f.rows, strict=True):
        cells = " | ".join(shown(row.values.get(s), f.unit, s) for s in f.stats)
        lines.append(f"| {label} | {row.customers:,} | {cells} |")
    return "\n".join(lines)


def figures_answer(ask: Ask, results: Results) -> str:
    """The figures asked for, with the count each is over and the data's date."""
    f: BaseFigures | None = results.one("base_figures")
    if f is None:
        failure = results.failure("base_figures")
        return f"I could not work that out: {failure}" if failure else CAN
    record = next(r for r in results.records if r.name == "base_figures" and r.ok)
    args = record.arguments if isinstance(record.arguments, dict) else {}
    as_of = f"data as of {f.as_of:%Y-%m-%d}" if f.as_of else "data date unknown"
    base = f"of {f.total:,} in the base; {as_of}"
    if not f.rows:
        return f"No customers match ({base}), so there is no figure to give."
    if f.split:
        from tools.base_queries.models import FindArgs

        split = FindArgs.model_validate(args.get("split") or {})
        matching = (
            "on the last list"
            if split.among and not _has_more(split)
            else describe(split)
        )
        labels = [matching if r.label == "matching" else "the rest" for r in f.rows]
        return (
            f"**{MEASURE_WORD[f.measure].capitalize()}**, {_scope(args)}: "
            f"{f.customers:,} customers ({base}).\n\n" + _table(f, labels)
        )
    if f.group_by:
        return (
            f"**{MEASURE_WORD[f.measure].capitalize()} by "
            f"{f.group_by.replace('_', ' ')}**, {_scope(args)}: {f.customers:,} "
            f"customers ({base}).\n\n" + _table(f, [r.label for r in f.rows])
        )
    row = f.rows[0]
    return (
        f"{MEASURE_WORD[f.measure].capitalize()} over {_scope(args)}: "
        f"{_values(f, row)}, over {_over(f, row)} ({base})."
    )


def _has_more(f: FindArgs) -> bool:
    """Whether a split names conditions besides the list it narrows."""
    return bool(
        f.model_dump(exclude={"among", "order_by", "limit"}, exclude_defaults=True)
    )
