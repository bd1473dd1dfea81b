"""Staging an import: the files read where they lie, as ``stage_<table>`` in SQL.

Parquet and CSV files are never loaded into Python: each table's files become a view
(Parquet, with the file's own row numbers) or a table of text (CSV, every value kept
as written so a bad one can be named) that :mod:`tools.store.checks` checks in SQL and
:mod:`tools.store.merge` casts into the typed tables. The original system's JSON files
are small; their records go through the one record check every loader shares.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tools import sql
from tools.customer import CustomerData
from tools.errors import DataFileError
from tools.files import FileProblem, load_json
from tools.records import validate_customer_record
from tools.store.checks import Problem, check_table
from tools.store.records import Rows, to_rows
from tools.store.schema import TABLES, column_names, create_sql
from tools.store.typed import write_typed

Tick = Callable[[str], None]
TABLE_SUFFIXES = (".parquet", ".csv")
FILE_BATCH = 512  # files per read_csv / read_parquet statement
PARQUET_VIEW_FILES = 64  # up to this many Parquet files are read where they lie
JSON_BATCH = 20_000  # JSON records held before their rows go into DuckDB
MAX_KEPT = 100  # invalid JSON records reported one by one; the rest are counted
MORE = "more invalid records"


@dataclass
class Sources:
    """What an import folder holds: JSON files, table files, and what is refused."""

    json: list[Path] = field(default_factory=list)
    tables: dict[str, list[Path]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _kind(path: Path) -> str:
    """``file``, ``folder``, or why the entry cannot be read (a FIFO never ends)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "not a regular file (a FIFO, socket or device is never read)"


def list_sources(path: Path) -> Sources:
    """The files of an import, checked before anything opens them.

    ``path`` is a JSON file or a folder of ``*.json`` files or of table files
    (``<table>.parquet|csv`` or a folder ``<table>/`` of parts). Hidden entries are
    skipped; special files (FIFOs, sockets, devices) and unknown table names are
    problems, never read.
    """
    out = Sources()
    kind = _kind(path)
    if kind == "file" and path.suffix == ".json":
        out.json.append(path)
    elif kind != "folder":
        problem = "not a .json file or a folder" if kind == "file" else kind
        out.problems.append(Problem(str(path), "", (), problem, 1))
    else:
        for entry in sorted(path.iterdir()):
            if not entry.name.startswith("."):
                _add(out, entry)
    return out


def _add(out: Sources, entry: Path) -> None:
    kind = _kind(entry)
    stem = entry.name.split(".")[0]
    if kind == "folder":
        parts = [p for p in sorted(entry.iterdir()) if p.suffix in TABLE_SUFFIXES]
    elif entry.suffix in (*TABLE_SUFFIXES, ".json"):
        parts = [entry]
    else:
        return  # not data: notes, manifests …
    for part in parts:
        part_kind = _kind(part)
        if part_kind != "file":
            out.problems.append(Problem(str(part), "", (), part_kind, 1))
        elif part.suffix == ".json" and part.parent == entry.parent:
            out.json.append(part)
        elif stem in TABLES and part.suffix in TABLE_SUFFIXES:
            out.tables.setdefault(stem, []).append(part)
        else:
            out.problems.append(
                Problem(str(part), "", (), "not a table of the schema", 1)
            )


def _csv_header(path: Path) -> bytes:
    """A CSV file's first line (files with the same one are read together)."""
    with open(path, "rb") as handle:
        return handle.readline(1 << 20)


_CSV_ROWS = (
    "SELECT * EXCLUDE (__g), __g - min(__g) OVER (PARTITION BY __file) + 1 AS __row "
    "FROM (SELECT * EXCLUDE (filename), filename AS __file, row_number() OVER () "
    "AS __g FROM read_csv(?, header = true, all_varchar = true, filename = true))"
)
_PARQUET_ROWS = (
    "SELECT * EXCLUDE (file_row_number, filename), filename AS __file, "
    "file_row_number + 1 AS __row FROM read_parquet(?, union_by_name = true, "
    "file_row_number = true, filename = true)"
)


def _stage_batches(
    con: duckdb.DuckDBPyConnection, name: str, groups: list[list[Path]]
) -> None:
    """Files as rows of the table ``name``, :data:`FILE_BATCH` files per statement.

    One ``read_csv`` / ``read_parquet`` over a list of files (bound, never SQL
    text) per batch, so memory and time do not grow with the number of files;
    each row keeps its file and its 1-based row in that file. Columns a later
    batch brings are added (``INSERT … BY NAME``).
    """
    columns: dict[str, str] = {}
    for files in groups:
        csv = files[0].suffix == ".csv"
        select = _CSV_ROWS if csv else _PARQUET_ROWS
        for i in range(0, len(files), FILE_BATCH):
            batch = [str(p) for p in files[i : i + FILE_BATCH]]
            if not columns:
                con.execute(f"CREATE TABLE {name} AS {select}", [batch])
                described = con.execute(f"DESCRIBE {name}").fetchall()
                columns = {r[0]: r[1] for r in described}
                continue
            found = con.execute(f"DESCRIBE {select}", [batch[:1] if csv else batch])
            for column, kind, *_ in found.fetchall():
                if column not in columns:
                    ident = sql.identifier(column)
                    con.execute(f"ALTER TABLE {name} ADD COLUMN {ident} {kind}")
                    columns[column] = kind
            con.execute(f"INSERT INTO {name} BY NAME {select}", [batch])


def _stage_table(con: duckdb.DuckDBPyConnection, name: str, paths: list[Path]) -> None:
    """A table's files as ``name``: a view over a few Parquet files, else a table.

    CSV is read as text (every value as written, so a bad one can be named);
    CSV files with the same header line are read together. A few Parquet files
    (the generator's parts) are read where they lie through a view; many small
    ones are copied in batches (a view would open every file at every scan).
    """
    if paths[0].suffix == ".csv":
        groups: dict[bytes, list[Path]] = {}
        for path in paths:
            groups.setdefault(_csv_header(path), []).append(path)
        _stage_batches(con, name, list(groups.values()))
    elif len(paths) <= PARQUET_VIEW_FILES:
        con.execute(f"CREATE VIEW {name} AS {_parquet_view(paths)}")
    else:
        _stage_batches(con, name, [paths])


def _parquet_view(paths: list[Path]) -> str:
    """The rows of a table's Parquet files, read where they lie, with file and row.

    A view cannot bind parameters: the file names go in through
    :func:`tools.sql.literal`.
    """
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
        name = f"stage_{table}"
        if not paths:
            con.execute(create_sql(table, name))
            con.execute(f"ALTER TABLE {name} ADD COLUMN __file VARCHAR")
            con.execute(f"ALTER TABLE {name} ADD COLUMN __row BIGINT")
            if table == "customers":
                problems.append(Problem(table, "", (), "no customers file", 1))
            continue
        label = str(paths[0] if len(paths) == 1 else paths[0].parent)
        tick(f"checking {label}")
        if len({p.suffix for p in paths}) > 1:
            problems.append(Problem(label, "", (), "mix of CSV and Parquet files", 1))
            continue
        try:
            _stage_table(con, name, paths)
            present = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
            typed = write_typed(con, table) if paths[0].suffix == ".parquet" else None
            problems += check_table(con, table, label, present, id_pattern, typed)
        except (duckdb.Error, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "?"
            problems.append(Problem(label, "", (), f"cannot read: {first}", 1))
    return problems


def stage_json(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    id_pattern: str,
    tick: Tick,
) -> list[Problem]:
    """Stage the records of the original system's JSON files; the problems found.

    Each record goes through the one record check every loader shares; rows go
    into DuckDB every :data:`JSON_BATCH` records, so memory holds one file and one
    batch whatever the number of files.
    """
    for table in TABLES:
        con.execute(create_sql(table, f"stage_{table}"))
    problems: list[Problem] = []
    rows: Rows = {t: [] for t in TABLES}
    held = 0
    for path in files:
        tick(f"reading {path.name}")
        for customer in _records(path, id_pattern, problems):
            for table, items in to_rows(customer).items():
                rows[table].extend(items)
            held += 1
            if held >= JSON_BATCH:
                _insert(con, rows)
                held = 0
    _insert(con, rows)
    for table in TABLES:
        con.execute(
            f"CREATE TABLE stage_{table}_n AS SELECT *, "
            f"{sql.literal(f'JSON {table}')} AS __file, "
            f"row_number() OVER () AS __row FROM stage_{table}"
        )
        con.execute(f"DROP TABLE stage_{table}")
        con.execute(f"ALTER TABLE stage_{table}_n RENAME TO stage_{table}")
        present = set(column_names(table)) | {"__file", "__row"}
        problems += check_table(con, table, f"JSON {table}", present, id_pattern)
    return problems


def _records(
    path: Path, id_pattern: str, problems: list[Problem]
) -> Iterator[CustomerData]:
    """The valid records of one JSON file; the others are added to ``problems``."""
    try:
        raw = load_json(path)  # UTF-8, bounded nesting, one-line problems
    except FileProblem as exc:
        problems.append(Problem(str(path), "", (), f"cannot read: {exc}", 1))
        return
    records = raw.get("customers") if isinstance(raw, dict) else raw
    if not isinstance(records, list):
        problems.append(Problem(str(path), "", (), "no list of customers", 1))
        return
    for index, record in enumerate(records):
        where = f"{path} record {index}"
        try:  # the one record check every loader shares
            yield validate_customer_record(record, where=where, id_pattern=id_pattern)
        except DataFileError as exc:
            if len(problems) < MAX_KEPT:
                problem = str(exc).removeprefix(where).lstrip(": ")
                problems.append(Problem(where, "", (), problem, 1))
            elif problems[-1].problem == MORE:
                last = problems[-1]
                problems[-1] = Problem(last.file, "", (), MORE, last.count + 1)
            else:
                problems.append(Problem(str(path), "", (), MORE, 1))


def _insert(con: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    """Insert held rows into the staged tables (one list per column) and forget them."""
    for table, items in rows.items():
        if items:
            names = column_names(table)
            columns = [list(c) for c in zip(*items, strict=True)]
            picks = ", ".join(f"unnest(${i + 1})" for i in range(len(names)))
            con.execute(f"INSERT INTO stage_{table} SELECT {picks}", columns)
            items.clear()
