"""Staging an import: the files read where they lie, as ``stage_<table>`` in SQL.

Parquet and CSV files are never loaded into Python: each table's files become a view
(Parquet, with the file's own row numbers) or a table of text (CSV, every value kept
as written so a bad one can be named) that :mod:`tools.store.checks` checks in SQL and
:mod:`tools.store.merge` casts into the typed tables. The original system's JSON files
are small; their records go through the one record check every loader shares.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from tools import sql
from tools.errors import DataFileError
from tools.files import FileProblem, load_json
from tools.records import validate_customer_record
from tools.store.checks import Problem, check_table
from tools.store.records import Rows, to_rows
from tools.store.schema import TABLES, column_names, create_sql

Tick = Callable[[str], None]


def table_sources(folder: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Table files by table, and files that match no table."""
    found: dict[str, list[Path]] = {}
    unknown: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        stem = entry.name.split(".")[0]
        if entry.is_dir():
            parts = sorted(
                p for p in entry.iterdir() if p.suffix in (".parquet", ".csv")
            )
            (found.setdefault(stem, []) if stem in TABLES else unknown).extend(parts)
        elif entry.suffix in (".parquet", ".csv"):
            (found.setdefault(stem, []) if stem in TABLES else unknown).append(entry)
    return found, unknown


def _staging_sql(paths: list[Path]) -> str:
    """The rows of a table's files with ``__file`` and ``__row`` (1-based, per file).

    Parquet is read where it lies (a view), with its own row numbers; each CSV file
    is read as text (every value as written, so a bad one can be named).
    """
    if paths[0].suffix == ".csv":
        return " UNION ALL BY NAME ".join(
            f"SELECT *, {sql.literal(p)} AS __file, row_number() OVER () AS __row "
            f"FROM read_csv({sql.literal(p)}, header = true, all_varchar = true)"
            for p in paths
        )
    names = "[" + ", ".join(sql.literal(p) for p in paths) + "]"
    return (
        "SELECT * EXCLUDE (file_row_number, filename), filename AS __file, "
        "file_row_number + 1 AS __row FROM read_parquet("
        f"{names}, union_by_name = true, file_row_number = true, filename = true)"
    )


def stage_files(
    con: duckdb.DuckDBPyConnection,
    found: dict[str, list[Path]],
    id_pattern: str,
    tick: Tick,
) -> list[Problem]:
    """Stage and check every table's files; the problems found."""
    problems: list[Problem] = []
    for table in TABLES:
        paths = found.get(table)
        if not paths:
            con.execute(create_sql(table, f"stage_{table}"))
            con.execute(f"ALTER TABLE stage_{table} ADD COLUMN __file VARCHAR")
            con.execute(f"ALTER TABLE stage_{table} ADD COLUMN __row BIGINT")
            if table == "customers":
                problems.append(Problem(table, "", (), "no customers file", 1))
            continue
        label = str(paths[0] if len(paths) == 1 else paths[0].parent)
        tick(f"checking {label}")
        kind = "TABLE" if paths[0].suffix == ".csv" else "VIEW"
        try:
            con.execute(f"CREATE {kind} stage_{table} AS {_staging_sql(paths)}")
            present = {r[0] for r in con.execute(f"DESCRIBE stage_{table}").fetchall()}
            problems += check_table(con, table, label, present, id_pattern)
        except duckdb.Error as exc:
            problems.append(Problem(label, "", (), f"cannot read: {exc}", 1))
    return problems


def stage_json(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    id_pattern: str,
    tick: Tick,
) -> list[Problem]:
    """Stage the records of the original system's JSON files; the problems found."""
    problems: list[Problem] = []
    rows: Rows = {t: [] for t in TABLES}
    for path in files:
        tick(f"reading {path.name}")
        try:
            raw = load_json(path)  # UTF-8, bounded nesting, one-line problems
        except FileProblem as exc:
            problems.append(Problem(str(path), "", (), f"cannot read: {exc}", 1))
            continue
        records = raw.get("customers") if isinstance(raw, dict) else raw
        if not isinstance(records, list):
            problems.append(Problem(str(path), "", (), "no list of customers", 1))
            continue
        for index, record in enumerate(records):
            where = f"{path} record {index}"
            try:  # the one record check every loader shares
                customer = validate_customer_record(
                    record, where=where, id_pattern=id_pattern
                )
            except DataFileError as exc:
                problem = str(exc).removeprefix(where).lstrip(": ")
                problems.append(Problem(where, "", (), problem, 1))
                continue
            for table, items in to_rows(customer).items():
                rows[table].extend(items)
    for table in TABLES:
        con.execute(create_sql(table, f"stage_{table}"))
    for table, items in rows.items():
        if items:
            marks = ", ".join("?" for _ in column_names(table))
            con.executemany(f"INSERT INTO stage_{table} VALUES ({marks})", items)
    for table in TABLES:
        con.execute(
            f"CREATE TABLE stage_{table}_n AS SELECT *, 'JSON {table}' AS __file, "
            f"row_number() OVER () AS __row FROM stage_{table}"
        )
        con.execute(f"DROP TABLE stage_{table}")
        con.execute(f"ALTER TABLE stage_{table}_n RENAME TO stage_{table}")
        present = set(column_names(table)) | {"__file", "__row"}
        problems += check_table(con, table, f"JSON {table}", present, id_pattern)
    return problems
