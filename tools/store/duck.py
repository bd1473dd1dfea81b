"""The DuckDB customer store: one database file in the state dir.

Readers (the chat server, ``cvm ask``, ``cvm decide``) open the file read-only, so any
number of processes read at once. Writers never modify the file in place: ``cvm
import`` builds a complete new file next to it and renames it over the old one
(``os.replace``), so a bad import changes nothing and readers switch to the new file
on their next query (they notice the file changed; the old one stays readable until
they do). The packaged sample is written the same way on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tools.errors import DataFileError, UnknownCustomerError
from tools.store import feature_reads
from tools.store.build import (
    STORE_FILE,
    build_from_records,
    create_tables,
    ensure_store,
    fill_from_records,
    insert_rows,
    upgrade_store,
)
from tools.store.derived import Derivation
from tools.store.feature_reads import Columns
from tools.store.lock import store_lock, sweep_if_idle, sweep_leftovers
from tools.store.point_reads import PointReads
from tools.store.points import file_identity, points_meta, points_path
from tools.store.records import record_from_row

if TYPE_CHECKING:  # DuckDB loads when a query needs it (one customer reads SQLite)
    import duckdb

    from tools.customer import CustomerData

__all__ = [  # the writing side (tools.store.build, .lock); importers use it from here
    "STORE_FILE",
    "Columns",
    "DuckStore",
    "build_from_records",
    "create_tables",
    "ensure_store",
    "fill_from_records",
    "insert_rows",
    "store_lock",
    "sweep_leftovers",
    "upgrade_store",
]
RECENT = 64  # records kept after a lookup (a turn reads its customer more than once)


class DuckStore:
    """A :class:`tools.store.source.CustomerSource` over a DuckDB database.

    Args:
        path: The database file, or ``None`` for an in-memory database that
            ``records`` fill (used for ``settings.data_dir`` JSON folders).
        derived: Builds the derived tables (a new or outdated store, the
            in-memory one).
        records: Records for the in-memory database.
        data_as_of: The in-memory records' own as-of date (their files' field).
    """

    def __init__(
        self,
        path: Path | None,
        derived: Derivation,
        records: Sequence[CustomerData] | None = None,
        data_as_of: date | None = None,
    ) -> None:
        self.path = path
        self.derived = derived
        self._checked: tuple[int, int, int] | None = None  # file whose version fits
        self._local = threading.local()
        self._lock = threading.Lock()
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._recent: dict[tuple[object, str], CustomerData] = {}
        self._points: tuple[tuple[int, ...], PointReads | None] | None = None
        if path is None:
            import duckdb

            self._memory = duckdb.connect(":memory:")
            fill_from_records(self._memory, records or [], derived, data_as_of)
        elif self._point_reads() is not None:  # its row store is this file's
            sweep_if_idle(path)
        else:
            ensure_store(path, derived)
            self._checked = self._identity()

    def _identity(self) -> tuple[int, int, int]:
        assert self.path is not None
        st = os.stat(self.path)
        return st.st_ino, st.st_mtime_ns, st.st_size

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection, reopened when an import replaced the file."""
        if self._memory is not None:
            cur = getattr(self._local, "cur", None)
            if cur is None:
                with self._lock:
                    cur = self._local.cur = self._memory.cursor()
            return cur  # type: ignore[no-any-return]
        try:
            identity = self._identity()
        except FileNotFoundError:
            ensure_store(self.path, self.derived)  # type: ignore[arg-type]
            identity = self._identity()
        cur = getattr(self._local, "cur", None)
        if cur is None or self._local.identity != identity:
            if cur is not None:
                cur.close()
            if identity != self._checked:  # a new file: its derived tables ours?
                # an import builds them for the data's own date: rebuilt here for a
                # configured one (nothing to do when they are this derivation's)
                ensure_store(self.path, self.derived)  # type: ignore[arg-type]
                identity = self._checked = self._identity()
            import duckdb

            try:
                cur = duckdb.connect(str(self.path), read_only=True)
            except duckdb.Error as exc:
                raise DataFileError(
                    f"{self.path}: cannot open the customer store: {exc}"
                ) from None
            self._local.cur, self._local.identity = cur, identity
        return cur  # type: ignore[no-any-return]

    def version(self) -> object:
        """Changes whenever an import replaced the store (for caches)."""
        return None if self.path is None else self._identity()

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        cur = getattr(self._local, "cur", None)
        if cur is not None:
            cur.close()
            self._local.cur = None
        if self._points is not None and self._points[1] is not None:
            self._points[1].close()

    def _point_reads(self) -> PointReads | None:
        """The row store of the store file in place, if it is that file's.

        None: no such file, another file's (an import between the two renames),
        or an in-memory store; one customer is then read from DuckDB.
        """
        if self.path is None:
            return None
        path = points_path(self.path)
        try:
            identity = (*file_identity(self.path), os.stat(path).st_mtime_ns)
        except FileNotFoundError:
            return None
        held = self._points
        if held is not None and held[0] == identity:
            return held[1]
        with self._lock:
            meta = points_meta(path) or {}
            current = (
                meta.get("derived_version") == self.derived.version
                and meta.get("store_size") == str(identity[0])
                and meta.get("store_mtime_ns") == str(identity[1])
            )
            reads = PointReads(path, meta) if current else None
            self._points = (identity, reads)
        return reads

    # -- the CustomerSource interface -------------------------------------------
    def get(self, customer_id: str) -> CustomerData:
        """One customer's full record by id.

        Raises:
            UnknownCustomerError: No such customer (with the nearest ids).
        """
        found = self.get_many([customer_id]).get(customer_id)
        if found is None:
            raise UnknownCustomerError(customer_id, self.nearest(customer_id))
        return found

    def get_many(self, ids: Sequence[str]) -> dict[str, CustomerData]:
        """The records of the customers of ``ids`` that exist, in one query."""
        version = self.version()
        out: dict[str, CustomerData] = {}
        missing = []
        for cid in ids:
            hit = self._recent.get((version, cid))
            if hit is None:
                missing.append(cid)
            else:
                out[cid] = hit
        if not missing:
            return out
        reads = self._point_reads()
        if reads is not None:
            rows = reads.records(missing)
        else:
            sql = (
                "SELECT * FROM customer_records "
                f"WHERE customer_id IN ({feature_reads.marks(missing)})"
            )
            rows = self.cursor().execute(sql, missing).fetchall()
        for row in rows:
            record = out[row[0]] = record_from_row(row, fresh=reads is not None)
            with self._lock:
                if len(self._recent) >= RECENT:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[(version, row[0])] = record
        return out

    def nearest(self, customer_id: str, n: int = 3) -> list[str]:
        """The ids most like ``customer_id`` (for "did you mean")."""
        found = (
            self.cursor()
            .execute(
                "SELECT customer_id FROM customers "
                "WHERE jaro_winkler_similarity(customer_id, $id) >= 0.6 "
                "ORDER BY jaro_winkler_similarity(customer_id, $id) DESC, "
                "abs(TRY_CAST(customer_id[2:] AS BIGINT) "
                "- TRY_CAST($id[2:] AS BIGINT)), customer_id LIMIT $n",
                {"id": customer_id, "n": n},
            )
            .fetchall()
        )
        return [r[0] for r in found]

    def count(self) -> int:
        """How many customers the store holds."""
        row = self.cursor().execute("SELECT count(*) FROM customers").fetchone()
        return int(row[0]) if row else 0

    def ids(self, limit: int | None = None) -> list[str]:
        """Customer ids in order (all, or the first ``limit``)."""
        sql = "SELECT customer_id FROM customers ORDER BY customer_id"
        params: list[int] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [r[0] for r in self.cursor().execute(sql, params).fetchall()]

    def feature_columns(
        self,
        columns: Sequence[str] | None = None,
        where: str = "",
        params: Sequence[Any] = (),
    ) -> Columns:
        """As :func:`tools.store.feature_reads.feature_columns`, on this store."""
        return feature_reads.feature_columns(self.cursor(), columns, where, params)

    def feature_codes(
        self, column: str, where: str = "", params: Sequence[Any] = ()
    ) -> tuple[list[str], np.ndarray]:
        """As :func:`tools.store.feature_reads.feature_codes`, on this store."""
        return feature_reads.feature_codes(self.cursor(), column, where, params)

    def offer_propensity(
        self, row_lo: int, row_hi: int, treatments: Sequence[str] | None = None
    ) -> Columns:
        """As :func:`tools.store.feature_reads.offer_propensity`, on this store."""
        return feature_reads.offer_propensity(self.cursor(), row_lo, row_hi, treatments)

    def feature_row(self, customer_id: str) -> Columns:
        """Every feature column of one customer, as arrays of length 1 (or 0)."""
        return self._feature_rows([customer_id])

    def feature_rows(self, ids: Sequence[str]) -> tuple[Columns, Columns]:
        """Every feature column of some customers, and their recommender offers.

        The kernel's two inputs (as :func:`tools.kernel.batch.load` gives them for a
        filtered batch) for the customers of ``ids`` (unknown ids are absent), in
        ``row_no`` order, Python values kept as they are (dates, lists, ``None``).
        """
        if not ids:
            return {}, {}
        reads = self._point_reads()
        if reads is not None:
            found, offers = reads.features_and_offers(ids)
            return feature_reads.columns(reads.feature_names, found), offers
        offers = feature_reads.offer_rows(self.cursor(), ids)
        return self._feature_rows(ids), offers

    def _feature_rows(self, ids: Sequence[str]) -> Columns:
        if not ids:
            return {}
        reads = self._point_reads()
        if reads is None:
            return feature_reads.feature_rows(self.cursor(), ids)
        return feature_reads.columns(reads.feature_names, reads.feature_rows(ids))

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query and return its rows."""
        return self.cursor().execute(query, list(params)).fetchall()
