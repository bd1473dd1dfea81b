"""Whether two imported stores hold the same content, table by table.

``python -m benchmarks.same_store A/customers.duckdb B/customers.duckdb`` compares
two store files (say a base imported on main and the same base imported on a
branch) and their row stores (``customers.points.sqlite`` beside each):

* every table of the DuckDB stores: its columns and types, its rows as a multiset
  (``EXCEPT ALL`` both ways: NaN equals NaN in DuckDB), and the order the rows
  are stored in (every row as text in ``rowid`` order, hashed);
* ``meta`` (every key);
* the row store's ``customer`` rows, text for text, and its ``meta`` except the
  store file it belongs to (size and modification time differ by nature).

It prints one line per table and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

import duckdb

from tools.sql import identifier, literal
from tools.store.points import points_path

OWN_FILE = ("store_size", "store_mtime_ns")  # a row store's record of its file


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY table_name",
        [db],
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[tuple]:
    return con.execute(f"DESCRIBE {db}.{identifier(table)}").fetchall()


def _differ(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """Rows of ``a`` missing from ``b`` and of ``b`` missing from ``a``."""
    t = identifier(table)
    out = []
    for x, y in (("a", "b"), ("b", "a")):
        row = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {x}.{t} EXCEPT ALL "
            f"SELECT * FROM {y}.{t})"
        ).fetchone()
        out.append(int(row[0]) if row else -1)
    return out[0], out[1]


def _order(con: duckdb.DuckDBPyConnection, db: str, table: str) -> str:
    """A hash of the table's rows (as text) in stored (``rowid``) order."""
    row = con.execute(
        f"SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t.rowid)) "
        f"FROM {db}.{identifier(table)} t"
    ).fetchone()
    return str(row[0]) if row else ""


def compare_duck(a: Path, b: Path) -> list[str]:
    """The differences between two DuckDB store files (empty: none)."""
    problems = []
    con = duckdb.connect()
    con.execute(f"ATTACH {literal(a)} AS a (READ_ONLY)")
    con.execute(f"ATTACH {literal(b)} AS b (READ_ONLY)")
    ta, tb = _tables(con, "a"), _tables(con, "b")
    if ta != tb:
        problems.append(f"tables differ: {ta} vs {tb}")
    for table in sorted(set(ta) & set(tb)):
        ca, cb = _columns(con, "a", table), _columns(con, "b", table)
        if ca != cb:
            problems.append(f"{table}: columns differ")
            continue
        missing, extra = _differ(con, table)
        n = con.execute(f"SELECT count(*) FROM a.{identifier(table)}").fetchone()
        same_order = _order(con, "a", table) == _order(con, "b", table)
        line = (
            f"{table:<20} {n[0] if n else 0:>10,} rows: {missing} only in A, "
            f"{extra} only in B, stored order {'same' if same_order else 'DIFFERS'}"
        )
        print(line)
        if missing or extra or not same_order:
            problems.append(line)
    con.close()
    return problems


def compare_points(a: Path, b: Path) -> list[str]:
    """The differences between two row stores (empty: none)."""
    problems = []
    con = sqlite3.connect(":memory:")
    con.execute("ATTACH ? AS a", [f"{a.resolve().as_uri()}?mode=ro"])
    con.execute("ATTACH ? AS b", [f"{b.resolve().as_uri()}?mode=ro"])
    for x, y in (("a", "b"), ("b", "a")):
        (only,) = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {x}.customer EXCEPT "
            f"SELECT * FROM {y}.customer)"
        ).fetchone()
        if only:
            problems.append(f"row store: {only} customer rows only in {x.upper()}")
    (n,) = con.execute("SELECT count(*) FROM a.customer").fetchone()
    metas = [
        {k: v for k, v in con.execute(f"SELECT * FROM {x}.meta") if k not in OWN_FILE}
        for x in ("a", "b")
    ]
    if metas[0] != metas[1]:
        problems.append("row store: meta differs")
    for x in ("a", "b"):
        sql = con.execute(
            f"SELECT group_concat(sql, ';') FROM {x}.sqlite_schema"
        ).fetchone()
        metas.append({"schema": sql[0] if sql else ""})
    if metas[2] != metas[3]:
        problems.append("row store: schema differs")
    print(
        f"{'row store':<20} {n:>10,} rows: " + ("same" if not problems else "DIFFERS")
    )
    con.close()
    return problems


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", type=Path, help="a store file (customers.duckdb)")
    p.add_argument("b", type=Path, help="another store file")
    args = p.parse_args()
    problems = compare_duck(args.a, args.b)
    problems += compare_points(points_path(args.a), points_path(args.b))
    print("same content" if not problems else f"{len(problems)} difference(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
