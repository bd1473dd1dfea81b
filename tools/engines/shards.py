"""The customer base as Parquet shards, and one shard as a kernel source.

A shard is a range of customer ids (``[lo, hi)`` in id order): its rows of the
store's two derived tables, ``customer_features`` and ``offer_propensity``, each a
Parquet file in ``<dir>/shard-NNNN/``. Shards in id order are the plan's
first-come order cut in pieces, so a customer's place in the whole base is its
shard's offset plus its place in the shard. On a cluster ``<dir>`` is on storage
every node mounts (the driver writes, the tasks read).

:class:`ShardSource` answers the kernel's two batch questions
(:func:`tools.kernel.batch.load`) from one shard, with the DuckDB store's own
queries: the same kernel runs on a shard as on the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tools.errors import ToolInputError
from tools.store import feature_reads

if TYPE_CHECKING:
    import duckdb

FEATURES = "customer_features"
OFFERS = "offer_propensity"
SHARD_ROWS = 250_000  # customers per shard by default (the kernel's chunk)


@dataclass(frozen=True)
class Shard:
    """One shard's files and its customers' place in the base (id order)."""

    index: int
    features: str
    offers: str
    customers: int


def shard_count(customers: int, rows: int = SHARD_ROWS) -> int:
    """Shards for a base: one per ``rows`` customers, at least two (one task each)."""
    return max(2, math.ceil(customers / max(rows, 1)))


def export_shards(store: Path, out: Path, shards: int) -> list[Shard]:
    """Write the store's derived tables as ``shards`` id ranges of Parquet files.

    Args:
        store: The DuckDB store file (opened read-only).
        out: A folder every worker can read (created).
        shards: How many pieces (at least 1; fewer when the base is smaller).

    Returns:
        The shards in id order.

    Raises:
        ToolInputError: The folder cannot be written.
    """
    import duckdb

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolInputError(f"{out}: cannot write shards: {exc.strerror}") from None
    con = duckdb.connect(str(store), read_only=True)
    try:
        return _export(con, out, max(1, shards))
    finally:
        con.close()


def _export(con: duckdb.DuckDBPyConnection, out: Path, shards: int) -> list[Shard]:
    total = _count(con, "", [])
    size = max(1, math.ceil(total / shards))
    bounds = [  # the first id of each shard, in id order
        str(r[0])
        for r in con.execute(
            "SELECT customer_id FROM (SELECT customer_id, row_number() OVER "
            f"(ORDER BY customer_id) - 1 AS k FROM {FEATURES}) WHERE k % ? = 0 "
            "ORDER BY customer_id",
            [size],
        ).fetchall()
    ]
    made: list[Shard] = []
    for k, lo in enumerate(bounds):
        hi = bounds[k + 1] if k + 1 < len(bounds) else None
        cond = "customer_id >= ?" + (" AND customer_id < ?" if hi else "")
        args: list[Any] = [lo, hi] if hi else [lo]
        folder = out / f"shard-{k:04d}"
        folder.mkdir(exist_ok=True)
        paths = []
        for table, order in ((FEATURES, "row_no"), (OFFERS, "row_no, pos")):
            path = folder / f"{table}.parquet"
            con.execute(
                f"COPY (SELECT * FROM {table} WHERE {cond} ORDER BY {order}) "
                "TO ? (FORMAT parquet)",
                [*args, str(path)],
            )
            paths.append(str(path))
        made.append(Shard(k, paths[0], paths[1], _count(con, cond, args)))
    return made


def _count(con: duckdb.DuckDBPyConnection, cond: str, args: list[Any]) -> int:
    where = f" WHERE {cond}" if cond else ""
    row = con.execute(f"SELECT count(*) FROM {FEATURES}{where}", args).fetchone()
    return int(row[0]) if row else 0


class ShardSource:
    """One shard as the kernel reads a customer source (its batch questions only)."""

    def __init__(self, shard: Shard) -> None:
        import duckdb

        self.shard = shard
        self._con = duckdb.connect(":memory:")
        for table, path in ((FEATURES, shard.features), (OFFERS, shard.offers)):
            self._con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_parquet(?)", [path]
            )

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """The shard's in-memory database (its two tables)."""
        return self._con

    def count(self) -> int:
        """Customers in the shard."""
        return self.shard.customers

    def feature_columns(
        self,
        columns: Sequence[str] | None = None,
        where: str = "",
        params: Sequence[Any] = (),
    ) -> dict[str, np.ndarray]:
        """As :func:`tools.store.feature_reads.feature_columns` (the same query)."""
        return feature_reads.feature_columns(self._con, columns, where, params)

    def offer_propensity(
        self, row_lo: int, row_hi: int, treatments: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """As :func:`tools.store.feature_reads.offer_propensity` (the same query)."""
        return feature_reads.offer_propensity(self._con, row_lo, row_hi, treatments)

    def close(self) -> None:
        """Free the shard's memory."""
        self._con.close()
