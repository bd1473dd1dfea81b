"""Where customers come from: the ``CustomerSource`` interface and its default.

A source answers three kinds of question: one customer by key (the chat path), column
batches of the derived journey metrics (the decision kernel, for one customer or for
millions) and read-only SQL over the schema (finding and summarising customers).
:class:`tools.store.duck.DuckStore` is the default; a warehouse over SQL or a feature
store would implement the same methods and be passed to ``ToolContext``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # numpy and the record models load only where a source is used
    import numpy as np

    from tools.config import CVMConfig
    from tools.customer import CustomerData
    from tools.store.derived import Derivation


class CustomerSource(Protocol):
    """The customer base as the tools read it (read-only)."""

    def get(self, customer_id: str) -> CustomerData:
        """One customer's full record (raises ``UnknownCustomerError``)."""
        ...

    def get_many(self, ids: Sequence[str]) -> dict[str, CustomerData]:
        """The records of those of ``ids`` that exist (unknown ids are absent)."""
        ...

    def nearest(self, customer_id: str, n: int = 3) -> list[str]:
        """The ids most like ``customer_id`` (for "did you mean")."""
        ...

    def count(self) -> int:
        """How many customers there are."""
        ...

    def ids(self, limit: int | None = None) -> list[str]:
        """Customer ids in order."""
        ...

    def feature_columns(
        self,
        columns: Sequence[str] | None = None,
        where: str = "",
        params: Sequence[Any] = (),
    ) -> dict[str, np.ndarray]:
        """Journey-metric columns (``customer_features``) of a batch, by row_no."""
        ...

    def feature_codes(
        self, column: str, where: str = "", params: Sequence[Any] = ()
    ) -> tuple[list[str], np.ndarray]:
        """A text feature column as codes.

        Its sorted distinct values and, per customer ``where`` selects (in row_no
        order), the index of its value (-1: none).
        """
        ...

    def feature_row(self, customer_id: str) -> dict[str, np.ndarray]:
        """Every journey-metric column of one customer (arrays of length 1)."""
        ...

    def feature_rows(
        self, ids: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Journey-metric columns and recommender offers of the customers of ``ids``."""
        ...

    def offer_propensity(
        self, row_lo: int, row_hi: int, treatments: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Best open recommender P(accept) per (row_no, treatment) in a row range.

        With ``treatments``, the treatment comes as ``treatment_index`` into that
        list (-1: none of them), not as names (cheaper for big batches).
        """
        ...

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read-only query over the schema."""
        ...


_sources: dict[str, CustomerSource] = {}
_lock = threading.Lock()


def store_path(config: CVMConfig) -> Path:
    """The store file of a configuration: ``<state_dir>/customers.duckdb``."""
    from tools.store.build import STORE_FILE

    return config.state_path / STORE_FILE


def open_source(config: CVMConfig, derived: Derivation) -> CustomerSource:
    """The configured source, shared per store file or JSON folder.

    ``settings.data_dir`` set: its ``*.json`` files, held in an in-memory store.
    Otherwise the DuckDB store in the state dir (the sample on first use).
    ``derived`` builds the derived tables where needed (the tools use
    :func:`tools.customer_base.customer_source`, which passes the kernel's).
    """
    from tools.store.duck import DuckStore
    from tools.store.memory import MemoryStore

    if config.settings.data_dir:
        key = "json:" + str(Path(config.settings.data_dir).resolve())
    else:
        key = str(store_path(config).resolve())
    key += f"@{derived.version}"  # e.g. built for another configured decision date
    source = _sources.get(key)
    if source is not None:
        return source
    with _lock:
        source = _sources.get(key)
        if source is None:
            if config.settings.data_dir:
                from tools.store.json_files import (
                    read_json_folder,
                    read_json_folder_as_of,
                )

                folder = Path(config.settings.data_dir)
                records = read_json_folder(folder, config)
                source = MemoryStore(records, derived, read_json_folder_as_of(folder))
            else:
                source = DuckStore(store_path(config), derived)
            _sources[key] = source
        return source


def forget_sources() -> None:
    """Drop every shared source (the next use opens or reads them again)."""
    with _lock:
        for source in _sources.values():
            close = getattr(source, "close", None)
            if close:
                close()
        _sources.clear()
