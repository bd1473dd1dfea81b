"""The outcome report's chart: realised acceptance (95% interval) against expected.

One bar per treatment (per segment when the report is about one treatment): the
acceptance rate realised, its Wilson 95% interval as the error bar, and a marker at
the P(accept) the policy expected for the same bookings (calibration: a marker
inside the bar's interval is a policy that predicted well). Themed like the plan
card's chart (:func:`assistant.views.charts.themed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tools.outcomes_report import OutcomeReport


def report_chart(report: OutcomeReport) -> go.Figure | None:
    """Realised vs expected acceptance per treatment (None: nobody reached yet)."""
    import plotly.graph_objects as go

    from assistant.views.charts import DATA, USED, themed

    dim = "segment" if report.treatment_key else "treatment"
    rows = [r for r in report.by[dim] if r.rate is not None and r.ci95 is not None]
    if not rows:
        return None
    names = [r.label for r in rows]
    rates = [r.rate or 0.0 for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=names,
            y=rates,
            name="accepted (95% interval)",
            marker_color=DATA,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [r.ci95[1] - (r.rate or 0) for r in rows if r.ci95],
                "arrayminus": [(r.rate or 0) - r.ci95[0] for r in rows if r.ci95],
            },
            customdata=[[r.accepted, r.reached] for r in rows],
            hovertemplate="%{x}: %{y:.0%} (%{customdata[0]} of %{customdata[1]})"
            "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[r.expected_rate for r in rows],
            mode="markers",
            name="expected by the policy",
            marker={"symbol": "diamond", "size": 11, "color": USED},
            hovertemplate="%{x}: expected %{y:.0%}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Acceptance by {dim}: realised vs expected",
        yaxis={"tickformat": ".0%", "range": [0, 1]},
        height=380,
        margin={"l": 60, "r": 20, "t": 60, "b": 90},
    )
    return themed(fig)


def report_charts(found: list[OutcomeReport]) -> go.Figure | None:
    """The chart of the turn's last outcome report."""
    return report_chart(found[-1])
