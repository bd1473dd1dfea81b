"""The treatment catalogue as a table widget under the answer.

When a turn listed the catalogue (``list_treatments``), the UI sends it as a
Chainlit custom element (``public/elements/CatalogueTable.jsx``: Chainlit's own
table component, sortable by a click on a column heading). Chainlit's
``cl.Dataframe`` would need pandas or polars for one small table; the custom
element needs neither. The chat's answer keeps its text table (the CLI and the
transcript read that one).
"""

from __future__ import annotations

from typing import Any

import chainlit as cl

from assistant.core.session import Turn
from tools.catalogue import Catalogue

ELEMENT = "CatalogueTable"
COLUMNS: list[dict[str, Any]] = [
    {"key": "display_name", "label": "Treatment"},
    {"key": "treatment_key", "label": "Key"},
    {"key": "channel", "label": "Channel"},
    {"key": "purpose", "label": "Purpose"},
    {"key": "cost", "label": "Cost a contact", "numeric": True, "money": True},
    {"key": "max_per_day", "label": "A day", "numeric": True},
    {"key": "daily_budget", "label": "Budget a day", "numeric": True, "money": True},
]


def catalogue_props(catalogue: Catalogue) -> dict[str, Any]:
    """What the table element shows: the version, its columns and one row each."""
    return {
        "version": catalogue.version,
        "columns": COLUMNS,
        "rows": [t.model_dump(mode="json") for t in catalogue.treatments],
    }


def listed_catalogue(turn: Turn) -> Catalogue | None:
    """The catalogue this turn listed last (None if it listed none)."""
    found = None
    for c in turn.tool_calls:
        if c.name == "list_treatments" and c.ok and isinstance(c.value, Catalogue):
            found = c.value
    return found


async def send_catalogue_table(turn: Turn) -> None:
    """The catalogue as a table, when the turn listed it."""
    catalogue = listed_catalogue(turn)
    if catalogue is None:
        return
    table = cl.CustomElement(
        name=ELEMENT, props=catalogue_props(catalogue), display="inline"
    )
    await cl.Message(content="", elements=[table]).send()
