"""The tools about the whole customer base, declared whole (see the registry).

Finding customers by conditions, summarising and figuring the base, exporting a
list: all READ, run on the columnar store.
"""

from __future__ import annotations

from typing import Any

from assistant.toolkit import effects
from assistant.toolkit.spec import ToolSpec, dump
from assistant.views import base_charts
from tools import base_queries

SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(
        base_queries.find_customers,
        base_queries.FindArgs,
        "READ",
        dump,
        effect=effects.remember_found,
        chart=base_charts.found_charts,
    ),
    ToolSpec(
        base_queries.summarise_base,
        base_queries.SummariseArgs,
        "READ",
        dump,
        chart=base_charts.summary_charts,
    ),
    ToolSpec(base_queries.base_figures, base_queries.FiguresArgs, "READ", dump),
    ToolSpec(base_queries.export_list, base_queries.ExportArgs, "READ", dump),
]
