"""Tool calls as Chainlit steps: one step line per tool per turn.

Three calls of ``check_availability`` in one turn show as one line,
"check_availability - 3 calls" (a name Chainlit can also find an avatar for), whose
input and output list each call; a failed call is shown with its rule id and marks
the line as an error.
"""

from __future__ import annotations

from typing import Any

import chainlit as cl
from chainlit.utils import utc_now

from assistant.core.session import ToolCallRecord


def _outcome(record: ToolCallRecord) -> dict[str, Any] | str:
    if record.ok:
        return record.result or {}
    return f"{record.rule or 'ERROR'}: {record.error}"


class ToolSteps:
    """The tool steps of one turn, grouped by tool name."""

    def __init__(self) -> None:
        self._steps: dict[str, tuple[cl.Step, list[ToolCallRecord]]] = {}

    async def show(self, record: ToolCallRecord) -> None:
        """Add a finished tool call: a new line, or the line of its tool updated."""
        if record.name not in self._steps:
            step = cl.Step(name=record.name, type="tool")
            self._steps[record.name] = (step, [record])
            async with step:  # sent under the current run, like every Chainlit step
                self._fill(step, [record])
            return
        step, calls = self._steps[record.name]
        calls.append(record)
        self._fill(step, calls)
        step.end = utc_now()
        await step.update()

    @staticmethod
    def _fill(step: cl.Step, calls: list[ToolCallRecord]) -> None:
        last = calls[-1]
        if len(calls) > 1:
            step.name = f"{last.name} - {len(calls)} calls"
            step.input = {f"call {i}": c.arguments for i, c in enumerate(calls, 1)}
            step.output = {f"call {i}": _outcome(c) for i, c in enumerate(calls, 1)}
        else:
            step.input, step.output = last.arguments, _outcome(last)
        step.is_error = not all(c.ok for c in calls)
