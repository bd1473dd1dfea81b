"""Column-wise checks of staged import data, in SQL: what is wrong, where, how often.

Every row check of a staged table (``stage_<table>``, with ``__row`` the 1-based row
in its file) is a ``count(*) FILTER (WHERE …)`` in one scan of the table; only a check
that found something runs again for its first few row numbers (a top-N query), so a
clean million-row file costs one pass, and keys are checked by a hash aggregate.
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


def _first_rows(
    con: duckdb.DuckDBPyConnection, source: str, cond: str, params: list[object]
) -> tuple[int, ...]:
    """The first few row numbers of ``source`` where ``cond`` holds."""
    found = con.execute(
        f"SELECT __row FROM {source} WHERE {cond} ORDER BY __row LIMIT {EXAMPLES}",
        params,
    ).fetchall()
    return tuple(int(r[0]) for r in found)


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
    for extra in sorted(present - known - {"__row"}):
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
    out += _one_pass(con, table, file, pending)
    key = KEYS.get(table)
    if key and set(key) <= present:
        out += _duplicate_keys(con, table, file, key)
    return out


def _duplicate_keys(
    con: duckdb.DuckDBPyConnection, table: str, file: str, key: tuple[str, ...]
) -> list[Problem]:
    """Rows whose key another row of the file has too (NULLs count as equal)."""
    cols = ", ".join(f'"{k}"' for k in key)
    dups = f"SELECT {cols} FROM stage_{table} GROUP BY ALL HAVING count(*) > 1"
    row = con.execute(
        f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n "
        f"FROM stage_{table} GROUP BY {cols} HAVING count(*) > 1)"
    ).fetchone()
    count = int(row[0]) if row else 0
    if not count:
        return []
    same = " AND ".join(f's."{k}" IS NOT DISTINCT FROM d."{k}"' for k in key)
    rows = _first_rows(
        con,
        f"(SELECT s.__row FROM stage_{table} s JOIN ({dups}) d ON {same})",
        "true",
        [],
    )
    return [Problem(file, "+".join(key), rows, "duplicate key", count)]


def _one_pass(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    checks: list[tuple[str, str, str, list[object]]],
) -> list[Problem]:
    """Count every row check of a table in one scan; first rows only where needed."""
    if not checks:
        return []
    parts, params = [], []
    for _, cond, _, p in checks:
        parts.append(f"count(*) FILTER (WHERE {cond})")
        params += p
    row = con.execute(
        f"SELECT {', '.join(parts)} FROM stage_{table}", params
    ).fetchone()
    assert row is not None
    out = []
    for count, (column, cond, problem, p) in zip(row, checks, strict=True):
        if count:
            rows = _first_rows(con, f"stage_{table}", cond, p)
            out.append(Problem(file, column, rows, problem, int(count)))
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
    file: str,
    known: str,
) -> list[Problem]:
    """Rows whose customer is neither imported nor already in the store.

    Args:
        con: The import's connection.
        table: The staged table (``stage_<table>``) to check.
        file: Where its rows came from (for the problem).
        known: A table with the known ids in its column ``id`` (VARCHAR).
    """
    orphans = (
        f"(SELECT s.__row FROM stage_{table} s ANTI JOIN {known} k "
        "ON s.customer_id::VARCHAR = k.id)"
    )
    row = con.execute(f"SELECT count(*) FROM {orphans}").fetchone()
    count = int(row[0]) if row else 0
    if not count:
        return []
    rows = _first_rows(con, orphans, "true", [])
    return [Problem(file, "customer_id", rows, "no such customer", count)]
