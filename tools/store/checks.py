"""Column-wise checks of staged import data, in SQL: what is wrong, where, how often.

Every check is one query over a staged table (``stage_<table>``, with ``__row`` the
1-based row in its file) returning the count of bad rows and the first few row
numbers, so a million-row file is checked in one pass per check, not per record.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _rows_where(
    con: duckdb.DuckDBPyConnection, table: str, cond: str, params: list[object]
) -> tuple[int, tuple[int, ...]]:
    row = con.execute(
        f"SELECT count(*), list(__row ORDER BY __row)[1:{EXAMPLES}] "
        f"FROM stage_{table} WHERE {cond}",
        params,
    ).fetchone()
    assert row is not None
    return int(row[0]), tuple(row[1] or ())


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
        cols = ", ".join(f'"{k}"' for k in key)
        row = con.execute(
            f"SELECT count(*), list(r ORDER BY r)[1:{EXAMPLES}] FROM ("
            f"SELECT __row AS r, count(*) OVER (PARTITION BY {cols}) AS n "
            f"FROM stage_{table}) WHERE n > 1"
        ).fetchone()
        if row and row[0]:
            out.append(
                Problem(file, "+".join(key), tuple(row[1]), "duplicate key", row[0])
            )
    return out


def _one_pass(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    checks: list[tuple[str, str, str, list[object]]],
) -> list[Problem]:
    """Evaluate every row check of a table in one scan."""
    if not checks:
        return []
    parts, params = [], []
    for _, cond, _, p in checks:
        parts.append(
            f"count(*) FILTER (WHERE {cond}), "
            f"(list(__row ORDER BY __row) FILTER (WHERE {cond}))[1:{EXAMPLES}]"
        )
        params += p + p
    row = con.execute(
        f"SELECT {', '.join(parts)} FROM stage_{table}", params
    ).fetchone()
    assert row is not None
    out = []
    for i, (column, _, problem, _) in enumerate(checks):
        count, rows = row[2 * i], row[2 * i + 1]
        if count:
            out.append(Problem(file, column, tuple(rows or ()), problem, int(count)))
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
    known_ids: str,
) -> list[Problem]:
    """Rows whose customer is neither imported nor already in the store."""
    count, rows = _rows_where(
        con,
        table,
        f"customer_id::VARCHAR NOT IN ({known_ids})",
        [],
    )
    return (
        [Problem(file, "customer_id", rows, "no such customer", count)] if count else []
    )


Check = Callable[..., list[Problem]]
