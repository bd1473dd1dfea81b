"""Charts of answers across customers: the base summary and a list of customers.

Each is declared with its tool in :mod:`assistant.toolkit.registry`
(``tool(..., chart=)``)
and drawn by the UI under the answer (:mod:`assistant.ui.charts`). They read only the
tool's typed result, and look like the other charts (:func:`assistant.views.charts.
themed`: transparent, following the UI's light or dark theme).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.base_queries import BaseSummary, CustomerList, Group

if TYPE_CHECKING:
    import plotly.graph_objects as go

CUSTOMERS, VALUE = "#3b82f6", "#22c55e"  # the plan chart's blue, the capacity green
TREATMENT_COLOURS = (
    "#3b82f6",
    "#a855f7",
    "#f59e0b",
    "#22c55e",
    "#ef4444",
    "#06b6d4",
    "#ec4899",
    "#84cc16",
)
TOP_SIGNALS = 8


def _label(key: str) -> str:
    return key.replace("_", " ")


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def summary_chart(s: BaseSummary) -> go.Figure | None:
    """Customers and EV of their best actions by best action, segment and signal.

    One row of horizontal bars per grouping (customers left, EV right, largest
    group on top); signals are the most frequent few. None for an empty base.
    """
    if not s.customers:
        return None
    from plotly.subplots import make_subplots

    from assistant.views.charts import themed

    blocks: list[tuple[str, list[Group]]] = [
        ("best action", s.by_recommended),
        ("segment", s.by_segment),
        (f"signal (top {TOP_SIGNALS})", s.by_signal[:TOP_SIGNALS]),
    ]
    blocks = [(title, groups) for title, groups in blocks if groups]
    fig = make_subplots(
        rows=len(blocks),
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.03,
        vertical_spacing=0.1,
        row_heights=[len(g) for _, g in blocks],
        subplot_titles=[
            text
            for title, _ in blocks
            for text in (f"Customers by {title}", f"EV (£) by {title}")
        ],
    )
    for row, (_, groups) in enumerate(blocks, 1):
        _add_block(fig, row, groups)
    fig.update_xaxes(tickformat="~s")
    fig.update_layout(
        title=(
            f"The base: {s.customers:,} customers, best actions worth "
            f"{_money(s.expected_value)}"
        ),
        height=170 + 22 * sum(len(g) for _, g in blocks),
        margin={"l": 150, "r": 20, "t": 80, "b": 40},
        bargap=0.25,
    )
    return themed(fig)


def _add_block(fig: go.Figure, row: int, groups: list[Group]) -> None:
    """One grouping's row of the summary: customers left, EV right, largest on top."""
    import plotly.graph_objects as go

    shown = list(reversed(groups))
    names = [_label(g.key) for g in shown]
    customers = [g.customers for g in shown]
    value = [g.expected_value for g in shown]
    bars = (  # (column, values, name, colour, hover)
        (1, customers, "customers", CUSTOMERS, "%{x:,} customers"),
        (2, value, "expected value (£)", VALUE, "£%{x:,.0f}"),
    )
    for col, values, name, colour, hover in bars:
        fig.add_trace(
            go.Bar(
                y=names,
                x=values,
                orientation="h",
                name=name,
                marker_color=colour,
                showlegend=row == 1,
                hovertemplate=f"%{{y}}: {hover}<extra></extra>",
            ),
            row=row,
            col=col,
        )


def found_chart(found: CustomerList) -> go.Figure | None:
    """The customers listed: churn score against the EV of their best action.

    One marker per customer (labelled with its id, coloured by best action), so
    the ones most at risk and most worth acting on stand out. None for fewer than
    two customers (a table says it all).
    """
    if len(found.rows) < 2:
        return None
    import plotly.graph_objects as go

    from assistant.views.charts import themed

    fig = go.Figure()
    actions = list(dict.fromkeys(r.recommended for r in found.rows))
    for i, action in enumerate(actions):
        rows = [r for r in found.rows if r.recommended == action]
        fig.add_trace(
            go.Scatter(
                x=[r.churn_score for r in rows],
                y=[r.expected_value for r in rows],
                mode="markers+text",
                name=_label(action),
                text=[r.customer_id for r in rows],
                textposition="top center",
                marker={
                    "size": 12,
                    "color": TREATMENT_COLOURS[i % len(TREATMENT_COLOURS)],
                },
                hovertemplate=(
                    "%{text}: churn %{x:.2f}, EV £%{y:,.2f}<extra>"
                    + _label(action)
                    + "</extra>"
                ),
            )
        )
    fig.update_layout(
        title=f"The {len(found.rows)} customers listed: churn risk and value",
        xaxis_title="churn score",
        yaxis_title="EV of the best action (£)",
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 80},
    )
    return themed(fig)


def summary_charts(found: list[BaseSummary]) -> go.Figure | None:
    """The chart of the turn's last base summary."""
    return summary_chart(found[-1])


def found_charts(found: list[CustomerList]) -> go.Figure | None:
    """The chart of the turn's last list of customers."""
    return found_chart(found[-1])
