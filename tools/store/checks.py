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

from tools import sql
from tools.fields import SAME_START_END, choices, customer_id_sql
from tools.store.schema import KEYS, RANGES, TABLES, Column

EXAMPLES = 3
Check = tuple[str, str, str, list[object]]  # column, SQL condition, problem, params


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
    typed: str | None = None,
) -> list[Problem]:
    """Every problem of one staged table (raw text or typed columns).

    The per-row checks run together in one pass over the table. ``typed`` names
    the staged rows already written in the schema's exact types with its ``NOT
    NULL`` constraints (:mod:`tools.store.typed`): the checks count on it and
    leave out those its types rule out (empty, type, whole, finite money); only
    a check that fails looks up its rows in ``stage_<table>``.
    """
    out: list[Problem] = []
    pending: list[Check] = []
    known = {c.name for c in TABLES[table]}
    for extra in sorted(present - known - {"__row", "__file"}):
        out.append(Problem(file, extra, (), "unknown column", 1))
    for col in TABLES[table]:
        if col.name not in present:
            if not col.nullable:
                out.append(Problem(file, col.name, (), "missing column", 1))
            continue
        pending += _column_checks(table, col, typed=typed is not None)
    ids: list[Check] = []
    if "customer_id" in present:  # the one id check, as tools.fields defines it
        ids = [
            ("customer_id", cond, problem, params)
            for cond, problem, params in customer_id_sql("customer_id", id_pattern)
        ]
    if table == "do_not_disturb" and {"starts", "ends"} <= present:
        pending.append(
            (
                "starts+ends",
                "TRY_CAST(starts AS TIME) = TRY_CAST(ends AS TIME)",
                SAME_START_END,
                [],
            )
        )
    counted = typed or f"stage_{table}"
    if table == "customers" and "time_zone" in present:
        pending += _zone_check(con, counted)
    if typed and table != "customers":  # a few rows per customer: each id once
        per_id = f"(SELECT customer_id, count(*) AS __n FROM {typed} GROUP BY ALL)"
        out += _one_pass(con, table, ids, per_id, "sum(__n)")
    else:
        pending += ids
    out += _one_pass(con, table, pending, counted)
    key = KEYS.get(table)
    if key and set(key) <= present:
        out += _duplicate_keys(con, table, key, counted)
    return out


def _column_checks(table: str, col: Column, typed: bool = False) -> list[Check]:
    """The row checks of one column: empty, type, finite, bounds, vocabulary.

    ``typed``: the values are already of the column's type and not empty where
    required (a typed table with the schema's constraints): the checks those
    rule out are left out (a DECIMAL is always finite, an INTEGER whole).
    """
    q = sql.identifier(col.name)
    cast = f"TRY_CAST({q} AS {col.type})"
    checks: list[Check] = []
    if not col.nullable and not typed:
        checks.append((col.name, f"{q} IS NULL", "empty value", []))
    if not typed:
        checks.append(
            (
                col.name,
                f"{q} IS NOT NULL AND {cast} IS NULL",
                f"not a valid {col.type.lower()}",
                [],
            )
        )
    if col.type == "DOUBLE" or (col.type.startswith("DECIMAL") and not typed):
        finite = f"NOT isfinite({cast}::DOUBLE)"
        checks.append((col.name, finite, "not a finite number", []))
    if col.type == "INTEGER" and not typed:  # DuckDB would round 2.5 to 3
        checks.append(
            (
                col.name,
                f"TRY_CAST({q} AS DOUBLE) <> {cast}",
                "not a whole number",
                [],
            )
        )
    if col.type == "TIME":  # DuckDB reads 24:00 as a time; no clock shows it
        checks.append(
            (col.name, f"{cast} >= TIME '24:00:00'", "not a time before 24:00", [])
        )
    low, high = RANGES.get((table, col.name), (None, None))
    if low is not None:
        checks.append((col.name, f"{cast} < ?", f"below {_shown(low)}", [low]))
    if high is not None:
        checks.append((col.name, f"{cast} > ?", f"above {_shown(high)}", [high]))
    allowed = choices(col.kind)
    if allowed:
        checks.append(
            (
                col.name,
                f"{q} IS NOT NULL AND {q}::VARCHAR NOT IN "
                f"({', '.join('?' * len(allowed))})",
                f"not one of {', '.join(allowed)}",
                list(allowed),
            )
        )
    return checks


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _zone_check(con: duckdb.DuckDBPyConnection, counted: str) -> list[Check]:
    zones = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT time_zone::VARCHAR FROM {counted} "
            "WHERE time_zone IS NOT NULL"
        ).fetchall()
    ]
    bad = [z for z in zones if not _zone_ok(z)]
    if not bad:
        return []
    return [
        (
            "time_zone",
            "time_zone::VARCHAR IN (SELECT unnest(?))",
            "unknown time zone",
            [bad],
        )
    ]


def _duplicate_keys(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], counted: str
) -> list[Problem]:
    """Rows whose key another row of the table has too (NULLs count as equal).

    Counted on ``counted`` (the staged rows, or their typed copy); looked up in
    ``stage_<table>`` only when some are found.
    """
    cols = ", ".join(sql.identifier(k) for k in key)
    found = f"SELECT {cols} FROM {counted} GROUP BY ALL HAVING count(*) > 1"
    row = con.execute(f"SELECT count(*) FROM ({found})").fetchone()
    if not row or not row[0]:
        return []
    dups = f"SELECT {cols} FROM stage_{table} GROUP BY ALL HAVING count(*) > 1"
    same = " AND ".join(
        f"s.{sql.identifier(k)} IS NOT DISTINCT FROM d.{sql.identifier(k)}" for k in key
    )
    source = (
        f"(SELECT s.__file, s.__row FROM stage_{table} s JOIN ({dups}) d ON {same})"
    )
    return _found(con, source, "+".join(key), "duplicate key")


def _one_pass(
    con: duckdb.DuckDBPyConnection,
    table: str,
    checks: list[Check],
    counted: str,
    rows: str = "count(*)",
) -> list[Problem]:
    """Count every row check of a table in one scan of ``counted``.

    ``rows`` is how many rows a row of ``counted`` stands for (``sum(__n)``: its
    distinct ids, with their rows' count). Per file (in ``stage_<table>``) only
    what failed.
    """
    if not checks:
        return []
    parts, params = [], []
    for _, cond, _, p in checks:
        parts.append(f"{rows} FILTER (WHERE {cond})")
        params += p
    row = con.execute(f"SELECT {', '.join(parts)} FROM {counted}", params)
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


def _none(con: duckdb.DuckDBPyConnection, rows: str) -> bool:
    row = con.execute(f"SELECT count(*) FROM ({rows})").fetchone()
    return not row or not row[0]


def check_orphans(
    con: duckdb.DuckDBPyConnection,
    table: str,
    known: str,
    counted: str | None = None,
) -> list[Problem]:
    """Rows whose customer is neither imported nor already in the store.

    Args:
        con: The import's connection.
        table: The staged table (``stage_<table>``) to check.
        known: A table with the known ids in its column ``id`` (VARCHAR).
        counted: The staged rows' typed copy, counted first (None: the stage).
    """
    anti = f"ANTI JOIN {known} k ON s.customer_id::VARCHAR = k.id"
    if counted and _none(con, f"SELECT 1 FROM {counted} s {anti}"):
        return []
    orphans = f"(SELECT s.__file, s.__row FROM stage_{table} s {anti})"
    return _found(con, orphans, "customer_id", "no such customer")


def check_charges(
    con: duckdb.DuckDBPyConnection, counted: str | None = None
) -> list[Problem]:
    """Imported bill charges whose bill is not in the new store (after writing).

    ``counted``: the imported charges' typed copy, counted first.
    """
    anti = (
        "ANTI JOIN bills b ON s.customer_id::VARCHAR = b.customer_id "
        "AND TRY_CAST(s.bill_date AS DATE) = b.bill_date"
    )
    if counted and _none(con, f"SELECT 1 FROM {counted} s {anti}"):
        return []
    orphans = f"(SELECT s.__file, s.__row FROM stage_bill_charges s {anti})"
    return _found(con, orphans, "customer_id+bill_date", "no such bill")
