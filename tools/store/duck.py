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
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tools.errors import DataFileError, UnknownCustomerError
from tools.store.build import (
    STORE_FILE,
    build_from_records,
    create_tables,
    ensure_store,
    fill_from_records,
    insert_rows,
    store_lock,
    sweep_if_idle,
    sweep_leftovers,
    upgrade_store,
)
from tools.store.derived import Derivation
from tools.store.point_reads import PointReads
from tools.store.points import file_identity, points_meta, points_path
from tools.store.records import from_dicts
from tools.store.schema import TABLES

if TYPE_CHECKING:  # DuckDB loads when a query needs it (one customer reads SQLite)
    import duckdb

    from tools.customer import CustomerData

__all__ = [  # the writing side lives in tools.store.build; importers use it from here
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
Columns = dict[str, np.ndarray]
RECENT = 64  # records kept after a lookup (a turn reads its customer more than once)
RECORD_TABLES = tuple(TABLES)  # customer_records' columns after the id


def _marks(values: Sequence[object]) -> str:
    """``?, ?, …``: one placeholder per value (an IN list the scan can filter on)."""
    return ", ".join("?" * len(values))


def _column(values: list[Any]) -> np.ndarray:
    """A feature column from Python values: objects (text, lists, NULL) kept as such."""
    for v in values:
        if v is None or isinstance(v, (str, list)):
            out = np.empty(len(values), dtype=object)
            for i, x in enumerate(values):
                out[i] = x
            return out
    return np.array(values)


def _columns(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Columns:
    """Feature columns by name from rows of values (see :func:`_column`)."""
    return {name: _column([row[j] for row in rows]) for j, name in enumerate(names)}


_MONEY = {  # per table, the columns DuckDB gives as Decimal
    t: tuple(c.name for c in cols if c.type.startswith("DECIMAL"))
    for t, cols in TABLES.items()
}


def _record(found: Sequence[Any]) -> CustomerData:
    """A customer's record from its ``customer_records`` row (struct dicts by column).

    The row store's rows (JSON: floats already) and DuckDB's (money as ``Decimal``)
    alike; the dicts are copied, never changed in place.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, value in zip(RECORD_TABLES, found[1:], strict=True):
        money = _MONEY[table]
        each = [value] if table == "customers" else value or []
        rows[table] = [
            {**r, **{m: float(r[m]) for m in money if isinstance(r[m], Decimal)}}
            if money
            else dict(r)
            for r in each
        ]
    return from_dicts(rows)


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
                f"WHERE customer_id IN ({_marks(missing)})"
            )
            rows = self.cursor().execute(sql, missing).fetchall()
        for row in rows:
            record = out[row[0]] = _record(row)
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
        """Columns of ``customer_features`` (all, or those named) for a batch.

        Rows come in ``row_no`` order: the table is stored in that order and DuckDB
        preserves insertion order, which is checked (and restored if ever not so)
        here rather than sorted in SQL (a sort of every column costs more than the
        read at a million customers).

        Args:
            columns: Column names; ``None`` = every column.
            where: An SQL condition over the feature columns ("" = every customer).
            params: Its parameters.
        """
        names = list(columns) if columns else None
        if names is not None and "row_no" not in names:
            names.append("row_no")
        sql = f"SELECT {', '.join(names) if names else '*'} FROM customer_features"
        if where:
            sql += f" WHERE {where}"
        out: Columns = dict(self.cursor().execute(sql, list(params)).fetchnumpy())
        rows = np.asarray(out["row_no"])
        if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):
            order = np.argsort(rows, kind="stable")
            out = {k: np.asarray(v)[order] for k, v in out.items()}
        if columns and "row_no" not in columns:
            out.pop("row_no")
        return out

    def feature_codes(
        self, column: str, where: str = "", params: Sequence[Any] = ()
    ) -> tuple[list[str], np.ndarray]:
        """A text feature column as codes (a million cost less than a million str).

        Returns its sorted distinct values and, per customer ``where`` selects (in
        row_no order), the index of its value (-1 for none).
        """
        cond = f" WHERE {where}" if where else ""
        cur = self.cursor()
        values = [
            str(r[0])
            for r in cur.execute(
                f"SELECT DISTINCT {column} FROM customer_features{cond} "
                f"ORDER BY {column}",
                list(params),
            ).fetchall()
            if r[0] is not None
        ]
        got = cur.execute(
            f"SELECT row_no, coalesce(list_position(?::VARCHAR[], {column}), 0)"
            f"::INTEGER - 1 AS code FROM customer_features{cond}",
            [values, *params],
        ).fetchnumpy()
        rows, codes = np.asarray(got["row_no"]), np.asarray(got["code"])
        if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):
            codes = codes[np.argsort(rows, kind="stable")]
        return values, codes

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
            return _columns(reads.feature_names, found), offers
        sql = (
            "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
            f"WHERE customer_id IN ({_marks(ids)}) ORDER BY row_no, pos"
        )
        offers = dict(self.cursor().execute(sql, list(ids)).fetchnumpy())
        return self._feature_rows(ids), offers

    def _feature_rows(self, ids: Sequence[str]) -> Columns:
        if not ids:
            return {}
        reads = self._point_reads()
        if reads is not None:
            return _columns(reads.feature_names, reads.feature_rows(ids))
        cur = self.cursor().execute(
            f"SELECT * FROM customer_features WHERE customer_id IN ({_marks(ids)}) "
            "ORDER BY row_no",
            list(ids),
        )
        return _columns([d[0] for d in cur.description or []], cur.fetchall())

    def offer_propensity(
        self, row_lo: int, row_hi: int, treatments: Sequence[str] | None = None
    ) -> Columns:
        """The recommender's offers that matter on the decision date, one row each.

        For customers whose ``row_no`` is in ``[row_lo, row_hi]``: every column of
        the table but the customer id (the kernel's
        :data:`tools.kernel.offer_propensity.OFFER_COLUMNS`). With ``treatments``, each
        row's treatment comes as ``treatment_index`` into that list (-1: none of
        them) and the list as ``treatment_keys``, not as names.
        """
        if treatments is None:
            return dict(
                self.cursor()
                .execute(
                    "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
                    "WHERE row_no BETWEEN ? AND ?",
                    [row_lo, row_hi],
                )
                .fetchnumpy()
            )
        out: Columns = dict(
            self.cursor()
            .execute(
                "SELECT row_no, coalesce(list_position($keys::VARCHAR[], treatment), 0)"
                "::INTEGER - 1 AS treatment_index, "
                "* EXCLUDE (customer_id, row_no, treatment) FROM offer_propensity "
                "WHERE row_no BETWEEN $lo AND $hi",
                {"keys": list(treatments), "lo": row_lo, "hi": row_hi},
            )
            .fetchnumpy()
        )
        out["treatment_keys"] = np.array(list(treatments), dtype=object)
        return out

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query and return its rows."""
        return self.cursor().execute(query, list(params)).fetchall()
