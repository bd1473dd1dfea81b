"""One customer's reads from a row store beside the columnar one.

DuckDB is built for scans: a point query costs about 0.6 ms even when its ART index
is used (``EXPLAIN ANALYZE`` shows an Index Scan for ``customer_id = ?``), and a chat
turn made three of them. So single-customer reads (a chat turn, a booking, assessing a
few ids) come from a SQLite file next to the store, ``customers.points.sqlite``: one
row per customer, keyed by id, holding that customer's rows of the derived tables
``customer_records``, ``customer_features`` and ``offer_propensity`` as JSON arrays
that DuckDB makes from those very tables (so the values are theirs: one definition).

Every writer of the store writes it right after the derived tables
(:func:`write_points` on the writer's connection, then :func:`publish_points` once
the new store file is closed, before it is renamed into place). It records the
store file it belongs to (size and modification time: a rename keeps both), and the
derived tables' version, so a reader uses it only for the store file in place and
otherwise reads DuckDB (:class:`PointReads`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.sql import identifier
from tools.store.schema import TABLES, column_names

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

POINTS_SUFFIX = ".points.sqlite"
SLICE = 100_000  # customers per DuckDB query while writing (bounded memory)
PAGE_SIZE = 16_384  # the row store's SQLite page size (bytes)
RECORD_TABLES = tuple(TABLES)  # customer_records' columns after the id
# the struct fields customer_records holds per table (the customer id is the row's)
RECORD_FIELDS = {
    t: [c for c in column_names(t) if t == "customers" or c != "customer_id"]
    for t in TABLES
}
Identity = tuple[int, int]  # a store file's size and mtime (ns)


def points_path(store: Path) -> Path:
    """The row store of the store file ``store`` (``customers.points.sqlite``)."""
    return store.with_name(store.stem + POINTS_SUFFIX)


def file_identity(store: Path) -> Identity:
    """What a row store records of its store file: size and mtime (a rename keeps)."""
    st = os.stat(store)
    return st.st_size, st.st_mtime_ns


def _json_row(alias: str, names: Sequence[str]) -> str:
    return "json_array(" + ", ".join(f"{alias}.{identifier(n)}" for n in names) + ")"


def _row(alias: str, names: Sequence[str]) -> str:
    """An unnamed struct of the columns: ``to_json`` writes it as a JSON array."""
    return "row(" + ", ".join(f"{alias}.{identifier(n)}" for n in names) + ")"


def _record_sql() -> str:
    """``customer_records``' row ``r`` as one JSON array (a child table: rows).

    One ``to_json`` of nested unnamed structs (written as arrays): the same text
    as ``json_array`` of ``json_array`` parts, without parsing each part again
    (a third cheaper).
    """
    parts = [_row("r.customers", RECORD_FIELDS["customers"])]
    for table in RECORD_TABLES[1:]:
        each = _row("x", RECORD_FIELDS[table])
        parts.append(f"list_transform(r.{table}, lambda x: {each})")
    return "to_json(row(" + ", ".join(parts) + "))"


def _described(con: duckdb.DuckDBPyConnection, table: str) -> list[list[str]]:
    rows = con.execute(f"DESCRIBE {table}").fetchall()
    return [[str(r[0]), str(r[1])] for r in rows]


def write_points(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Write the row store of the store ``con`` is writing (its derived tables).

    ``target`` is a new file (removed first if there); :func:`publish_points`
    then records the finished store file it belongs to and moves it into place.
    """
    features = _described(con, "customer_features")
    offers = [c for c in _described(con, "offer_propensity") if c[0] != "customer_id"]
    version = con.execute(
        "SELECT value FROM meta WHERE key = 'derived_version'"
    ).fetchone()
    target.unlink(missing_ok=True)
    out = sqlite3.connect(target)
    try:
        # a new file, renamed into place when complete: no journal, no syncs
        out.execute("PRAGMA journal_mode = OFF")
        out.execute("PRAGMA synchronous = OFF")
        # a customer's row (~2 KB of JSON) seldom spills to overflow pages: writing
        # is ~2x cheaper than with 4 KB pages and the file ~15% smaller
        out.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        out.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        out.execute(
            "CREATE TABLE customer (row_no INTEGER PRIMARY KEY, customer_id TEXT "
            "NOT NULL, record TEXT, features TEXT NOT NULL, offers TEXT)"
        )
        meta = {
            "derived_version": version[0] if version else "",
            "features": json.dumps(features),
            "offers": json.dumps(offers),
        }
        out.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        _copy_rows(con, out, [n for n, _ in features], [n for n, _ in offers])
        out.execute("CREATE UNIQUE INDEX customer_id ON customer (customer_id)")
        out.commit()
    finally:
        out.close()


def _copy_rows(
    con: duckdb.DuckDBPyConnection,
    out: sqlite3.Connection,
    features: Sequence[str],
    offers: Sequence[str],
) -> None:
    """Every customer's three JSON rows, slice by slice of ``row_no``.

    DuckDB makes the next slice's JSON (on its own cursor, in a second thread)
    while SQLite writes this one's, so the two engines work side by side.
    """
    row = con.execute("SELECT max(row_no) FROM customer_features").fetchone()
    top = int(row[0]) + 1 if row and row[0] is not None else 0
    if not top:
        return
    reader = con.cursor()
    with ThreadPoolExecutor(max_workers=1) as pool:
        found = pool.submit(_slice_rows, reader, features, offers, 0)
        for lo in range(0, top, SLICE):
            rows = found.result()
            if lo + SLICE < top:
                found = pool.submit(_slice_rows, reader, features, offers, lo + SLICE)
            out.executemany("INSERT INTO customer VALUES (?, ?, ?, ?, ?)", rows)
    reader.close()


def _slice_rows(
    con: duckdb.DuckDBPyConnection,
    features: Sequence[str],
    offers: Sequence[str],
    lo: int,
) -> list[tuple[Any, ...]]:
    """The row store's rows of the customers with ``lo <= row_no < lo + SLICE``.

    Three scans, none joined or sorted in SQL: the feature rows and the records
    are each read in their stored order (both in id order, as ``row_no`` is; a
    slice reads only its own customers' records: its first and last id bound the
    scan), the offers grouped per customer; they are matched here (by position
    when the two scans list the same ids, as they do, else by id).
    """
    params: dict[str, object] = {"lo": lo, "hi": lo + SLICE}
    where = "WHERE row_no >= $lo AND row_no < $hi"
    found = con.execute(
        f"SELECT row_no, customer_id, {_json_row('f', features)} "
        f"FROM customer_features f {where}",
        params,
    ).fetchall()
    if any(a[0] >= b[0] for a, b in zip(found, found[1:], strict=False)):
        found.sort()
    if not found:
        return []
    records = con.execute(
        f"SELECT r.customer_id, {_record_sql()} FROM customer_records r "
        "WHERE customer_id >= $first AND customer_id <= $last",
        {"first": found[0][1], "last": found[-1][1]},
    ).fetchall()
    made = con.execute(
        f"SELECT row_no, to_json(list({_json_row('o', offers)} ORDER BY o.pos)) "
        f"FROM offer_propensity o {where} GROUP BY row_no",
        params,
    ).fetchall()
    by_row = dict(made)
    ids = [f[1] for f in found]
    if [r[0] for r in records] == ids:
        texts = [r[1] for r in records]
    else:  # not in the same order (or not the same customers): matched by id
        by_id = dict(records)
        texts = [by_id.get(cid) for cid in ids]
    return [
        (no, cid, text, feats, by_row.get(no))
        for (no, cid, feats), text in zip(found, texts, strict=True)
    ]


def publish_points(built: Path, store_file: Path, final: Path) -> None:
    """Record which store file ``built`` belongs to and move it to ``final``.

    ``store_file`` is the finished (closed) store file about to be renamed into
    place; the rename keeps its size and mtime, which readers compare.
    """
    size, mtime = file_identity(store_file)
    out = sqlite3.connect(built)
    try:
        out.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("store_size", str(size)), ("store_mtime_ns", str(mtime))],
        )
        out.commit()
    finally:
        out.close()
    os.replace(built, final)


def points_meta(path: Path) -> dict[str, str] | None:
    """The meta of the row store at ``path`` (None: missing or unreadable)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return {str(k): str(v) for k, v in con.execute("SELECT * FROM meta")}
    except sqlite3.Error:
        return None
    finally:
        con.close()


def points_current(path: Path, store: Path, version: str) -> bool:
    """Whether the row store at ``path`` belongs to ``store`` as it is now."""
    meta = points_meta(path)
    if meta is None or meta.get("derived_version") != version:
        return False
    try:
        size, mtime = file_identity(store)
    except FileNotFoundError:
        return False
    recorded = meta.get("store_size"), meta.get("store_mtime_ns")
    return recorded == (str(size), str(mtime))
