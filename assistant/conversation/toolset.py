"""Which tool definitions a model call offers.

Every tool is offered on every call unless its spec says otherwise
(``ToolSpec.offered``), in registry order, so the tool list stays a stable prompt
prefix that a provider's prompt cache serves from the second call on. A call to a
tool that was not offered still goes through the same dispatch and guard.
"""

from __future__ import annotations

from typing import Any

from assistant.core.session import Session
from assistant.toolkit.registry import TOOLS, tool_schemas


def offered_tools(session: Session) -> list[dict[str, Any]]:
    """The tool definitions for a model call in this conversation."""
    schemas = tool_schemas()
    if all(spec.offered is None for spec in TOOLS.values()):
        return schemas
    return [
        schema
        for schema, spec in zip(schemas, TOOLS.values(), strict=True)
        if spec.offered is None or spec.offered(session)
    ]
