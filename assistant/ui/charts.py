"""The charts a turn's tools declare, drawn under the answer.

A tool declares its chart on its spec (``ToolSpec(..., chart=...)`` in
:mod:`assistant.toolkit.registry`); after a turn the UI draws, per tool, the chart
of that tool's results in this turn (capacity of every treatment asked about, the
journey shown, the list of customers found). The plan card (:mod:`assistant.ui.plan`)
keeps its own message.
"""

from __future__ import annotations

from typing import Any

import chainlit as cl

from assistant.core.session import Turn
from assistant.toolkit.registry import TOOLS


async def send_tool_charts(turn: Turn) -> None:
    """One message with a chart per tool of the turn that declares one."""
    results: dict[str, list[Any]] = {}
    for c in turn.tool_calls:
        if c.ok and not c.held and c.value is not None:
            results.setdefault(c.name, []).append(c.value)
    for name, values in results.items():
        chart = TOOLS[name].chart if name in TOOLS else None
        figure = chart(values) if chart else None
        if figure is None:
            continue
        await cl.Message(
            content="",
            elements=[cl.Plotly(name=f"{name}-chart", figure=figure, display="inline")],
        ).send()
