"""``cvm import``: load a folder of Parquet / CSV tables, or JSON records, atomically.

A folder holds one file (or folder of files) per table, named after it
(``customers.parquet``, ``bills.csv``, ``usage/part-0.parquet`` …), or the original
system's ``*.json`` customer files. Everything is staged and checked in a new database
file next to the store (types, empty values, finite numbers, ranges, vocabularies, id
pattern, time zones, duplicate keys, rows of unknown customers); only when nothing is
wrong is the new file renamed over the store. A bad import changes nothing and reports
file, column, row and problem (first 20, with counts).

By default imported customers are added to the store's (same id: replaced whole);
``replace=True`` makes the import the whole base.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tools.errors import CVMError, DataFileError
from tools.files import FileProblem, load_json
from tools.kernel import features
from tools.records import validate_customer_record
from tools.store.checks import Problem, check_orphans, check_table
from tools.store.duck import create_tables, ensure_store, store_lock
from tools.store.records import Rows, to_rows
from tools.store.schema import KEYS, ORDER, TABLES, column_names, create_sql

MAX_PROBLEMS = 20
Progress = Callable[[int, int, str], None]


class ImportFailed(CVMError):
    """The import found problems; the store is unchanged."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            f"import of {report.path} failed: {report.problem_count} "
            "problem(s); the store is unchanged"
        )


@dataclass
class ImportReport:
    """What an import did (or found wrong)."""

    path: str
    ok: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    customers_imported: int = 0
    customers_total: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        """The report as plain JSON values."""
        return {
            "path": self.path,
            "ok": self.ok,
            "rows": self.rows,
            "customers_imported": self.customers_imported,
            "customers_total": self.customers_total,
            "problem_count": self.problem_count,
            "problems": [
                {
                    "file": p.file,
                    "column": p.column,
                    "rows": list(p.rows),
                    "problem": p.problem,
                    "count": p.count,
                }
                for p in self.problems[:MAX_PROBLEMS]
            ],
            "seconds": round(self.seconds, 2),
        }


def _table_sources(folder: Path) -> tuple[dict[str, list[Path]], list[Path]]:
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


def _reader(paths: list[Path]) -> str:
    names = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
    if paths[0].suffix == ".csv":
        return f"read_csv({names}, header = true, all_varchar = true)"
    return f"read_parquet({names}, union_by_name = true, file_row_number = true)"


def _stage_files(
    con: duckdb.DuckDBPyConnection,
    found: dict[str, list[Path]],
    id_pattern: str,
    tick: Callable[[str], None],
) -> list[Problem]:
    problems: list[Problem] = []
    for table in TABLES:
        paths = found.get(table)
        label = str(paths[0].parent / paths[0].name) if paths else table
        if not paths:
            con.execute(create_sql(table, f"stage_{table}"))
            con.execute(f"ALTER TABLE stage_{table} ADD COLUMN __row BIGINT")
            if table == "customers":
                problems.append(Problem(table, "", (), "no customers file", 1))
            continue
        tick(f"reading {label}")
        try:
            if paths[0].suffix == ".csv":
                con.execute(
                    f"CREATE TABLE stage_{table} AS SELECT *, "
                    f"row_number() OVER () AS __row FROM {_reader(paths)}"
                )
            else:  # Parquet is read where it lies, with its own row numbers
                con.execute(
                    f"CREATE VIEW stage_{table} AS SELECT * EXCLUDE (file_row_number), "
                    f"file_row_number + 1 AS __row FROM {_reader(paths)}"
                )
        except duckdb.Error as exc:
            problems.append(Problem(label, "", (), f"cannot read: {exc}", 1))
            continue
        present = {r[0] for r in con.execute(f"DESCRIBE stage_{table}").fetchall()}
        problems += check_table(con, table, label, present, id_pattern)
    return problems


def _stage_json(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    id_pattern: str,
    tick: Callable[[str], None],
) -> list[Problem]:
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
            f"CREATE TABLE stage_{table}_n AS SELECT *, row_number() OVER () AS __row "
            f"FROM stage_{table}"
        )
        con.execute(f"DROP TABLE stage_{table}")
        con.execute(f"ALTER TABLE stage_{table}_n RENAME TO stage_{table}")
        present = set(column_names(table)) | {"__row"}
        problems += check_table(con, table, f"JSON {table}", present, id_pattern)
    return problems


def import_path(
    path: Path,
    store: Path,
    id_pattern: str,
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into the store file ``store`` atomically.

    Raises:
        ImportFailed: Problems were found (the report lists them); nothing changed.
    """
    start = time.perf_counter()
    report = ImportReport(path=str(path))
    if not path.exists():
        report.problems = [Problem(str(path), "", (), "no such file or folder", 1)]
        report.problem_count = 1
        raise ImportFailed(report)
    ensure_store(store)
    json_files = [path] if path.suffix == ".json" else sorted(path.glob("*.json"))
    found: dict[str, list[Path]] = {}
    unknown: list[Path] = []
    if path.is_dir():
        found, unknown = _table_sources(path)
    steps = 2 * len(TABLES) + 3
    done = [0]

    def tick(label: str) -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], steps), steps, label)

    with store_lock(store):  # one import at a time; readers are never blocked
        _run(path, store, id_pattern, replace, json_files, found, unknown, tick, report)
    report.ok = True
    report.seconds = time.perf_counter() - start
    return report


def _run(
    path: Path,
    store: Path,
    id_pattern: str,
    replace: bool,
    json_files: list[Path],
    found: dict[str, list[Path]],
    unknown: list[Path],
    tick: Callable[[str], None],
    report: ImportReport,
) -> None:
    tmp = store.with_name(f".{store.name}.{os.getpid()}.import")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{store.parent / '.import-spill'}'")
    try:
        problems = [
            Problem(str(p), "", (), "not a table of the schema", 1) for p in unknown
        ]
        if json_files and found:
            problems.append(
                Problem(str(path), "", (), "mix of JSON and table files", 1)
            )
        elif json_files:
            problems += _stage_json(con, json_files, id_pattern, tick)
        elif found:
            problems += _stage_files(con, found, id_pattern, tick)
        else:
            problems.append(
                Problem(str(path), "", (), "no Parquet, CSV or JSON files", 1)
            )
        if not problems:
            problems += _merge(con, store, replace, found, tick)
        if problems:
            report.problem_count = sum(p.count for p in problems)
            report.problems = problems[:MAX_PROBLEMS]
            raise ImportFailed(report)
        tick("journey metrics")
        features.build(con)
        for table in TABLES:
            report.rows[table] = _count(con, table)
        report.customers_total = report.rows["customers"]
        report.customers_imported = _count(con, "stage_customers")
        for name, kind in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name LIKE 'stage\\_%' ESCAPE '\\'"
        ).fetchall():
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, store)
        tick("done")
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _typed(table: str, present: set[str]) -> str:
    cols = []
    for c in TABLES[table]:
        expr = f'CAST("{c.name}" AS {c.type})' if c.name in present else "NULL"
        cols.append(f"{expr} AS {c.name}")
    return f"SELECT {', '.join(cols)} FROM stage_{table}"


def _merge(
    con: duckdb.DuckDBPyConnection,
    store: Path,
    replace: bool,
    found: dict[str, list[Path]],
    tick: Callable[[str], None],
) -> list[Problem]:
    """Write the final tables (old customers kept unless replaced), sorted by id."""
    known = "SELECT customer_id::VARCHAR FROM stage_customers"
    if not replace:
        con.execute(f"ATTACH '{store}' AS old (READ_ONLY)")
        known += " UNION ALL SELECT customer_id FROM old.customers"
    problems: list[Problem] = []
    for table in TABLES:
        if table != "customers":
            label = str(found[table][0]) if table in found else f"JSON {table}"
            problems += check_orphans(con, table, label, known)
    if problems:
        return problems
    create_tables(con)
    for table in TABLES:
        tick(f"writing {table}")
        present = {r[0] for r in con.execute(f"DESCRIBE stage_{table}").fetchall()}
        parts = [_typed(table, present)]
        if not replace:
            parts.append(
                f"SELECT * FROM old.{table} WHERE customer_id NOT IN "
                "(SELECT customer_id::VARCHAR FROM stage_customers)"
            )
        order = ", ".join(["customer_id", *KEYS.get(table, ())[1:]])
        if table in ORDER and ORDER[table] not in order:
            order += f", {ORDER[table]}"
        con.execute(
            f"INSERT INTO {table} SELECT * FROM ({' UNION ALL '.join(parts)}) "
            f"ORDER BY {order}"
        )
    if not replace:
        con.execute("DETACH old")
    return []
