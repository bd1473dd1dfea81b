"""Questions across customers: find customers by typed filters, summarise the base.

Both run the one decision kernel (:mod:`tools.kernel`), so bands, signals, the
recommended treatment and its expected value are the numbers the per-customer tools
give. Modules, one job each:

* :mod:`~tools.base_queries.models` — typed arguments and results;
* :mod:`~tools.base_queries.filters` — filters as SQL over stored columns, and as
  masks over what the kernel decides;
* :mod:`~tools.base_queries.scan` — one compact kernel pass over (part of) the base;
* :mod:`~tools.base_queries.find` — ``find_customers``;
* :mod:`~tools.base_queries.summary` — ``summarise_base``;
* :mod:`~tools.base_queries.figures` — ``base_figures``: averages, totals, splits;
* :mod:`~tools.base_queries.lists` — lists by handle ("of those");
* :mod:`~tools.base_queries.export` — ``export_list``: a whole list to a file.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from tools.base_queries.models import (
    Band,
    BaseSummary,
    CustomerList,
    CustomerRow,
    FindArgs,
    Group,
    OrderBy,
    SummariseArgs,
)

if TYPE_CHECKING:
    from tools.base_queries.export import ExportArgs, ListExport, export_list
    from tools.base_queries.figures import BaseFigures, FiguresArgs, base_figures
    from tools.base_queries.find import find_customers
    from tools.base_queries.summary import summarise_base

# The tools (and the models beside them) load when first named: reading a message
# needs the models alone, the scans and the export load when a question runs them.
_LAZY = {
    "ExportArgs": "export",
    "ListExport": "export",
    "export_list": "export",
    "BaseFigures": "figures",
    "FiguresArgs": "figures",
    "base_figures": "figures",
    "find_customers": "find",
    "summarise_base": "summary",
}

__all__ = [
    "Band",
    "BaseFigures",
    "BaseSummary",
    "CustomerList",
    "CustomerRow",
    "ExportArgs",
    "FiguresArgs",
    "FindArgs",
    "Group",
    "ListExport",
    "OrderBy",
    "SummariseArgs",
    "base_figures",
    "export_list",
    "find_customers",
    "summarise_base",
]


def __getattr__(name: str) -> Any:
    """A tool or its model from its own module, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
