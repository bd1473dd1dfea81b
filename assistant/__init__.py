"""CVM Assistant: the conversation around the CVM tools.

``from assistant import Assistant``; see :mod:`assistant.api`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.core.session import Turn

__all__ = ["Assistant", "Turn"]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from assistant.api import Assistant

        return Assistant
    if name == "Turn":
        from assistant.core.session import Turn

        return Turn
    raise AttributeError(name)
