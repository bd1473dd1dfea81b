"""Pictures for the UI: the customer journey and today's capacity (plotly).

Charts carry no background of their own (transparent paper and plot) and colours
that read on light and dark: the UI's theme shows through, and ``public/cvm.css``
sets text and grid colours for each theme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tools.allocation import Availability, ConstraintsReport
    from tools.journey import Journey

SENTIMENT_COLOURS = {"positive": "#22c55e", "neutral": "#94a3b8", "negative": "#ef4444"}
DATA, ALLOWANCE, BILL = "#3b82f6", "#f59e0b", "#a855f7"
USED, REMAINING = "#ef4444", "#22c55e"
MUTED = "#6b7280"  # text before the theme's CSS applies (legible on both)
GRID = "rgba(128, 128, 128, 0.22)"


def themed(fig: go.Figure) -> go.Figure:
    """The product's chart look: transparent, neutral text, faint grid."""
    fig.update_layout(
        template="none",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": "Inter, system-ui, sans-serif", "size": 12, "color": MUTED},
        title={"font": {"size": 15}, "x": 0.01, "xanchor": "left"},
        legend={"orientation": "h", "y": -0.12, "x": 0},
        hoverlabel={"font": {"family": "Inter, system-ui, sans-serif"}},
    )
    axes = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID}
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    return fig


def journey_chart(j: Journey) -> go.Figure:
    """Data use against the allowance, bill amounts, and contacts by sentiment."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=2,
        cols=1,
        vertical_spacing=0.12,
        subplot_titles=("Data use (GB)", "Bills (£) and contacts"),
    )
    _usage_panel(fig, j)
    _bills_panel(fig, j)
    fig.update_layout(
        title=f"Journey of {j.customer_id}",
        height=480,
        margin={"l": 40, "r": 20, "t": 60, "b": 30},
    )
    return themed(fig)


def _usage_panel(fig: go.Figure, j: Journey) -> None:
    """Row 1: data used per reading, and the allowance as a dashed line."""
    import plotly.graph_objects as go

    usage = [e for e in j.events if e.source == "usage" and e.value is not None]
    dates = [f"{u.date:%d %b %Y}" for u in usage]
    fig.add_trace(
        go.Bar(
            x=dates, y=[u.value for u in usage], name="data used", marker_color=DATA
        ),
        row=1,
        col=1,
    )
    allowance = j.state.data_allowance_gb
    if allowance:
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[allowance] * len(dates),
                mode="lines",
                name="allowance",
                line={"dash": "dash", "color": ALLOWANCE},
            ),
            row=1,
            col=1,
        )


def _bills_panel(fig: go.Figure, j: Journey) -> None:
    """Row 2: bill amounts, and the contacts by sentiment along the bottom."""
    import plotly.graph_objects as go

    bills = [e for e in j.events if e.source == "bill" and e.value is not None]
    fig.add_trace(
        go.Scatter(
            x=[b.date for b in bills],
            y=[b.value for b in bills],
            mode="lines+markers",
            name="bill",
            line={"color": BILL},
        ),
        row=2,
        col=1,
    )
    floor = min((b.value or 0 for b in bills), default=0) * 0.9
    for sentiment, colour in SENTIMENT_COLOURS.items():
        items = [e for e in j.events if e.source == "interaction"]
        items = [e for e in items if e.sentiment == sentiment]
        if items:
            fig.add_trace(
                go.Scatter(
                    x=[i.date for i in items],
                    y=[floor] * len(items),
                    mode="markers",
                    name=f"{sentiment} contact",
                    marker={"color": colour, "size": 11},
                    text=[i.title for i in items],
                    hovertemplate="%{x}: %{text}<extra></extra>",
                ),
                row=2,
                col=1,
            )


def journey_charts(found: list[Journey]) -> go.Figure:
    """The journey chart of the turn's last journey."""
    return journey_chart(found[-1])


def capacity_chart(report: ConstraintsReport) -> go.Figure:
    """Used and remaining slots today per capacity-limited treatment (share)."""
    import plotly.graph_objects as go

    rows = [t for t in report.treatments if t.max_per_day]
    names = [t.display_name for t in rows]
    used = [100 * t.used / t.max_per_day for t in rows if t.max_per_day]
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=used,
                orientation="h",
                name="used",
                marker_color=USED,
                text=[f"{t.used}/{t.max_per_day}" for t in rows],
                textfont={"color": "#ffffff"},
            ),
            go.Bar(
                y=names,
                x=[100 - u for u in used],
                orientation="h",
                name="remaining",
                marker_color=REMAINING,
                text=[str(t.remaining) for t in rows],
                textfont={"color": "#ffffff"},
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=f"Capacity on {report.day} (% of daily)",
        height=420,
        margin={"l": 140, "r": 20, "t": 60, "b": 30},
    )
    return themed(fig)


def capacity_charts(reports: list[ConstraintsReport]) -> go.Figure:
    """The capacity chart of the last capacity report of a turn."""
    return capacity_chart(reports[-1])


def availability_chart(found: list[Availability]) -> go.Figure:
    """Capacity of the treatments asked about this turn (each once, in order)."""
    from tools.allocation import ConstraintsReport

    seen: dict[str, Availability] = {a.treatment_key: a for a in found}
    day = found[-1].day
    return capacity_chart(ConstraintsReport(day=day, treatments=list(seen.values())))
