"""Column-wise checks of staged import data, in SQL: what is wrong, where, how often.

Every row check of a staged table (``stage_<table>``, with ``__file`` the file a row
came from and ``__row`` its 1-based row in that file) is a ``count(*) FILTER (WHERE
…)`` in one scan of the table, per file; only a check that found something runs again
for its first few row numbers (a top-N query), so a clean million-row file costs one
pass, and keys are checked by a hash aggregate. A table split into several files
(``customers/part-0.parquet`` …) gets one problem per file it occurs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from tools.store.schema import ENUMS, KEYS, RANGES, TABLES

EXAMPLES = 3


@dataclass(frozen=True)
class Problem:
    """One kind of problem in one column of one file."""

    file: str
    column: str
    rows: tuple[int, ...]  # first rows (1-based) where it occurs; () = whole file
    problem: str
    count: int

    def line(self) -> str:
        """``file: column: row(s) …: problem (N rows)``."""
        where = f"row {', '.join(map(str, self.rows))}" if self.rows else ""
        if self.rows and self.count > len(self.rows):
            where += ", …"
        parts = [self.file, self.column, where, self.problem]
        text = ": ".join(p for p in parts if p)
        return text + (f" ({self.count} rows)" if self.count > 1 else "")


def _found(
    con: duckdb.DuckDBPyConnection,
    source: str,
    column: str,
    problem: str,
    cond: str = "true",
    params: list[object] | None = None,
) -> list[Problem]:
    """One problem per file of ``source`` where ``cond`` holds on some rows."""
    params = params or []
    out = []
    counts = con.execute(
        f"SELECT __file, count(*) FROM {source} WHERE {cond} GROUP BY __file "
        "ORDER BY __file",
        params,
    ).fetchall()
    for file, count in counts:
        out.append(_problem(con, source, file, count, column, problem, cond, params))
    return out


def _problem(
    con: duckdb.DuckDBPyConnection,
    source: str,
    file: str,
    count: int,
    column: str,
    problem: str,
    cond: str,
    params: list[object],
) -> Problem:
    """The problem in ``file``, with its first few rows (``count`` in all)."""
    found = con.execute(
        f"SELECT __row FROM {source} WHERE __file = ? AND ({cond}) "
        f"ORDER BY __row LIMIT {EXAMPLES}",
        [file, *params],
    ).fetchall()
    rows = tuple(int(r[0]) for r in found)
    return Problem(file, column, rows, problem, int(count))


def check_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    present: set[str],
    id_pattern: str,
) -> list[Problem]:
    """Every problem of one staged table (raw text or typed columns).

    The per-row checks run together in one pass over the table.
    """
    out: list[Problem] = []
    pending: list[tuple[str, str, str, list[object]]] = []

    def add(column: str, cond: str, problem: str, params: list[object]) -> None:
        pending.append((column, cond, problem, params))

    known = {c.name for c in TABLES[table]}
    for extra in sorted(present - known - {"__row", "__file"}):
        out.append(Problem(file, extra, (), "unknown column", 1))
    for col in TABLES[table]:
        if col.name not in present:
            if not col.nullable:
                out.append(Problem(file, col.name, (), "missing column", 1))
            continue
        q = f'"{col.name}"'
        if not col.nullable:
            add(col.name, f"{q} IS NULL", "empty value", [])
        add(
            col.name,
            f"{q} IS NOT NULL AND TRY_CAST({q} AS {col.type}) IS NULL",
            f"not a valid {col.type.lower()}",
            [],
        )
        typed = f"TRY_CAST({q} AS {col.type})"
        if col.type in ("DOUBLE",) or col.type.startswith("DECIMAL"):
            add(col.name, f"NOT isfinite({typed}::DOUBLE)", "not a finite number", [])
        low, high = RANGES.get((table, col.name), (None, None))
        if low is not None:
            add(col.name, f"{typed} < ?", f"below {low:g}", [low])
        if high is not None:
            add(col.name, f"{typed} > ?", f"above {high:g}", [high])
        allowed = ENUMS.get((table, col.name))
        if allowed:
            add(
                col.name,
                f"{q} IS NOT NULL AND {q}::VARCHAR NOT IN "
                f"({', '.join('?' * len(allowed))})",
                f"not one of {', '.join(allowed)}",
                list(allowed),
            )
    if "customer_id" in present:
        add(
            "customer_id",
            "customer_id IS NOT NULL "
            "AND NOT regexp_full_match(customer_id::VARCHAR, ?)",
            f"does not match the id pattern {id_pattern}",
            [id_pattern],
        )
    if table == "customers" and "time_zone" in present:
        zones = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT time_zone::VARCHAR FROM stage_customers "
                "WHERE time_zone IS NOT NULL"
            ).fetchall()
        ]
        bad = [z for z in zones if not _zone_ok(z)]
        if bad:
            add(
                "time_zone",
                "time_zone::VARCHAR IN (SELECT unnest(?))",
                "unknown time zone",
                [bad],
            )
    out += _one_pass(con, table, pending)
    key = KEYS.get(table)
    if key and set(key) <= present:
        out += _duplicate_keys(con, table, key)
    return out


def _duplicate_keys(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]
) -> list[Problem]:
    """Rows whose key another row of the table has too (NULLs count as equal)."""
    cols = ", ".join(f'"{k}"' for k in key)
    dups = f"SELECT {cols} FROM stage_{table} GROUP BY ALL HAVING count(*) > 1"
    row = con.execute(f"SELECT count(*) FROM ({dups})").fetchone()
    if not row or not row[0]:
        return []
    same = " AND ".join(f's."{k}" IS NOT DISTINCT FROM d."{k}"' for k in key)
    source = (
        f"(SELECT s.__file, s.__row FROM stage_{table} s JOIN ({dups}) d ON {same})"
    )
    return _found(con, source, "+".join(key), "duplicate key")


def _one_pass(
    con: duckdb.DuckDBPyConnection,
    table: str,
    checks: list[tuple[str, str, str, list[object]]],
) -> list[Problem]:
    """Count every row check of a table in one scan; per file only what failed."""
    if not checks:
        return []
    parts, params = [], []
    for _, cond, _, p in checks:
        parts.append(f"count(*) FILTER (WHERE {cond})")
        params += p
    row = con.execute(f"SELECT {', '.join(parts)} FROM stage_{table}", params)
    counts = row.fetchone() or ()
    out = []
    for count, (column, cond, problem, p) in zip(counts, checks, strict=True):
        if count:
            out += _found(con, f"stage_{table}", column, problem, cond, p)
    return out


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_orphans(
    con: duckdb.DuckDBPyConnection,
    table: str,
    known: str,
) -> list[Problem]:
    """Rows whose customer is neither imported nor already in the store.

    Args:
        con: The import's connection.
        table: The staged table (``stage_<table>``) to check.
        known: A table with the known ids in its column ``id`` (VARCHAR).
    """
    orphans = (
        f"(SELECT s.__file, s.__row FROM stage_{table} s ANTI JOIN {known} k "
        "ON s.customer_id::VARCHAR = k.id)"
    )
    return _found(con, orphans, "customer_id", "no such customer")
