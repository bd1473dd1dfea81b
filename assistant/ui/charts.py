"""The charts a turn's tools declare, drawn under the answer.

A tool declares its chart in :mod:`assistant.toolkit.registry`
(``tool(..., chart=...)``);
after a turn the UI draws the chart of each tool's last successful result, titled
inside the figure. The plan card (:mod:`assistant.ui.plan`) and
the capacity and journey pictures keep their own messages.
"""

from __future__ import annotations

import chainlit as cl

from assistant.conversation.session import Turn
from assistant.toolkit.registry import TOOLS


async def send_tool_charts(turn: Turn) -> None:
    """One message with a chart per tool of the turn that declares one."""
    last = {c.name: c for c in turn.tool_calls if c.ok and c.value is not None}
    for name, call in last.items():
        spec = TOOLS.get(name)
        figure = spec.chart(call.value) if spec and spec.chart else None
        if figure is None:
            continue
        await cl.Message(
            content="",
            elements=[cl.Plotly(name=f"{name}-chart", figure=figure, display="inline")],
        ).send()
