"""Charts of base answers: declared with their tools, drawn from the typed results."""

from __future__ import annotations

from assistant.toolkit.registry import TOOLS
from assistant.views.base_charts import (
    found_chart,
    found_charts,
    summary_chart,
    summary_charts,
)
from tools.base_queries import find_customers, summarise_base


def test_the_base_tools_declare_their_charts():
    assert TOOLS["summarise_base"].chart is summary_charts
    assert TOOLS["find_customers"].chart is found_charts
    assert TOOLS["recommend_treatment"].chart is None


def test_the_summary_chart_has_counts_and_ev_per_group(ctx):
    s = summarise_base(ctx=ctx)
    fig = summary_chart(s)
    assert fig is not None
    by_row = [fig.data[i : i + 2] for i in range(0, len(fig.data), 2)]
    assert len(by_row) == 3  # best action, segment, signals
    for (counts, values), groups in zip(
        by_row, [s.by_recommended, s.by_segment, s.by_signal[:8]], strict=True
    ):
        top_down = list(reversed(groups))  # plotly draws the first bar at the bottom
        assert list(counts.y) == [g.key.replace("_", " ") for g in top_down]
        assert list(counts.x) == [g.customers for g in top_down]
        assert list(values.y) == list(counts.y)
        assert list(values.x) == [g.expected_value for g in top_down]
    assert sum(fig.data[0].x) == s.customers == 12
    assert f"{s.customers:,} customers" in fig.layout.title.text
    assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert fig.layout.template.layout.to_plotly_json() == {}  # the product's look
    assert summary_chart(summarise_base({"segment": "nobody"}, ctx=ctx)) is None


def test_the_found_chart_places_each_listed_customer(ctx):
    found = find_customers(order_by="expected_value", limit=6, ctx=ctx)
    fig = found_chart(found)
    assert fig is not None
    points = {
        text: (x, y, trace.name)
        for trace in fig.data
        for text, x, y in zip(trace.text, trace.x, trace.y, strict=True)
    }
    assert points == {
        r.customer_id: (
            r.churn_score,
            r.expected_value,
            r.recommended.replace("_", " "),
        )
        for r in found.rows
    }
    assert len(points) == 6
    one = find_customers(vulnerable=True, ctx=ctx)
    assert len(one.rows) == 1 and found_chart(one) is None
