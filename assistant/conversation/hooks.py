"""Streaming hooks for a UI: answer tokens and tool calls as they happen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.core.session import ToolCallRecord


@dataclass
class Hooks:
    """Streaming hooks for a UI: answer tokens and tool calls as they happen."""

    on_token: Callable[[str], None] | None = None
    on_tool_start: Callable[[str, str], None] | None = None
    on_tool_end: Callable[[ToolCallRecord], None] | None = None
