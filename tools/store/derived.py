"""What the store builds on top of its tables, given to it by the layer that defines it.

The derived tables (journey metrics, recommender propensities, one row of records
per customer) are the decision kernel's definitions (:mod:`tools.kernel.features`).
The store never imports the kernel: whoever opens, fills or imports a store passes a
:class:`Derivation` (``tools.customer_base.DERIVED`` is the kernel's), and the store
calls it after writing its tables and records its version in ``meta``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Tick = Callable[[str], None]


@dataclass(frozen=True)
class Derivation:
    """How to (re)build the derived tables of a store, and which version that is.

    Attributes:
        version: Written to ``meta.derived_version`` by ``build``; a store with
            another version is rebuilt when opened.
        build: ``build(con, tick)`` (re)creates the derived tables on a DuckDB
            connection to the store being written (``tick`` labels progress steps).
    """

    version: str
    build: Callable[[Any, Tick | None], None]
