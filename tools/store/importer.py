"""``cvm import``: load a folder of Parquet / CSV tables, or JSON records, atomically.

A folder holds one file (or folder of files) per table, named after it
(``customers.parquet``, ``bills.csv``, ``usage/part-0.parquet`` …), or the original
system's ``*.json`` customer files. Everything is staged and checked in a new database
file next to the store (types, empty values, finite numbers, ranges, vocabularies, id
pattern, time zones, duplicate keys, rows of unknown customers); only when nothing is
wrong is the new file renamed over the store. A bad import changes nothing and reports
file, column, row and problem (first 20, with counts).

Parquet and CSV never become Python objects: files are read, checked, written into the
typed tables and turned into the derived tables by DuckDB SQL (:mod:`.stage`,
:mod:`.checks`, :mod:`.merge`, then the :class:`~tools.store.derived.Derivation`
the caller passes: the kernel's journey metrics) with bounded memory
(``MEMORY_LIMIT``; DuckDB spills to the state dir beyond it), so a base of tens of
millions of customers imports on one machine.

By default imported customers are added to the store's (same id: replaced whole);
``replace=True`` makes the import the whole base.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tools.errors import CVMError, StorageError
from tools.store.build import SPILL_DIR
from tools.store.checks import Problem
from tools.store.derived import Derivation
from tools.store.duck import ensure_store, store_lock, sweep_leftovers
from tools.store.json_files import read_files_as_of
from tools.store.merge import merge
from tools.store.meta import set_data_as_of
from tools.store.points import points_path, publish_points, write_points
from tools.store.schema import TABLES
from tools.store.stage import Sources, list_sources, stage_files, stage_json

MAX_PROBLEMS = 20
# DuckDB's own budget during an import (its buffers; Python and the allocator come on
# top): what does not fit spills to the state dir. Override with CVM_IMPORT_MEMORY.
MEMORY_LIMIT = "2GB"
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


def import_path(
    path: Path,
    store: Path,
    id_pattern: str,
    derived: Derivation,
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into the store file ``store`` atomically.

    Args:
        path: A folder of table files or JSON records, or one JSON file.
        store: The store file (created with the sample first if missing).
        id_pattern: ``validation.customer_id_pattern``.
        derived: Builds the derived tables of the new store.
        replace: The import becomes the whole base.
        progress: Called with (step, steps, label) as the import goes.

    Raises:
        ImportFailed: Problems were found (the report lists them); nothing changed.
    """
    start = time.perf_counter()
    report = ImportReport(path=str(path))
    if not path.exists():
        report.problems = [Problem(str(path), "", (), "no such file or folder", 1)]
        report.problem_count = 1
        raise ImportFailed(report)
    sources = list_sources(path)  # special files refused before anything opens them
    if sources.problems:
        _fail(report, sources.problems)
    ensure_store(store, derived)
    steps = 2 * len(TABLES) + 5
    done = [0]

    def tick(label: str) -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], steps), steps, label)

    with store_lock(store):  # one import at a time; readers are never blocked
        sweep_leftovers(store)  # what an import killed before left behind
        _run(path, store, id_pattern, derived, replace, sources, tick, report)
    report.ok = True
    report.seconds = time.perf_counter() - start
    return report


def _run(
    path: Path,
    store: Path,
    id_pattern: str,
    derived: Derivation,
    replace: bool,
    sources: Sources,
    tick: Callable[[str], None],
    report: ImportReport,
) -> None:
    tmp = store.with_name(f".{store.name}.{os.getpid()}.import")
    tmp.unlink(missing_ok=True)
    points = store.with_name(f".{store.name}.{os.getpid()}.points")
    con = duckdb.connect(str(tmp), config=_settings(store))
    con.execute("SET enable_progress_bar = false")
    try:
        problems = _stage(con, path, sources, id_pattern, tick)
        if not problems:
            problems = merge(con, store, replace, tick)
        if problems:
            _fail(report, problems)
        # the imported data's own date (a JSON file's as_of), else its latest record
        set_data_as_of(con, read_files_as_of(sources.json))
        derived.build(con, tick)
        tick("saving")
        _count_and_drop_stage(con, report)
        con.execute("CHECKPOINT")
        write_points(con, points)  # one customer's reads (tools.store.points)
        con.close()
        publish_points(points, tmp, points_path(store))
        os.replace(tmp, store)
        tick("done")
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass
        tmp.unlink(missing_ok=True)
        points.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def _stage(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sources: Sources,
    id_pattern: str,
    tick: Callable[[str], None],
) -> list[Problem]:
    """Stage the JSON records or the table files (never both): their problems."""
    if sources.json and sources.tables:
        return [Problem(str(path), "", (), "mix of JSON and table files", 1)]
    if sources.json:
        return stage_json(con, sources.json, id_pattern, tick)
    if sources.tables:
        return stage_files(con, sources.tables, id_pattern, tick)
    return [Problem(str(path), "", (), "no Parquet, CSV or JSON files", 1)]


def _count_and_drop_stage(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    """Count the new store's rows into the report, then drop the staging tables."""
    for table in TABLES:
        report.rows[table] = _count(con, table)
    report.customers_total = report.rows["customers"]
    report.customers_imported = _count(con, "stage_customers")
    for name, kind in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_name LIKE 'stage\\_%' ESCAPE '\\'"
    ).fetchall():
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def _fail(report: ImportReport, problems: list[Problem]) -> None:
    """Raise :class:`ImportFailed` with the first problems and their total count."""
    report.problem_count = sum(p.count for p in problems)
    report.problems = problems[:MAX_PROBLEMS]
    raise ImportFailed(report)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


_MEMORY_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*([KMGT]i?B|B)\s*$", re.I)


def _memory_limit() -> str:
    """DuckDB's memory budget: ``CVM_IMPORT_MEMORY`` (e.g. ``4GB``) or the default.

    Raises:
        StorageError: The variable is not a memory size (one line, nothing changed).
    """
    value = os.environ.get("CVM_IMPORT_MEMORY", MEMORY_LIMIT)
    if not _MEMORY_SIZE.match(value):
        raise StorageError(
            f"CVM_IMPORT_MEMORY: {value[:60]!r} is not a memory size "
            "(use e.g. 2GB or 512MB); nothing was imported"
        )
    return value


def _settings(store: Path) -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's settings for an import (see DuckDB's "Tuning workloads" guide).

    Bounded memory with spilling to the state dir and every core. Insertion order
    stays on: CSV row numbers and the sorted typed and derived tables need it;
    :mod:`.merge` turns it off for what it materialises in no particular order.
    """
    return {
        "threads": os.cpu_count() or 1,
        "memory_limit": _memory_limit(),
        "temp_directory": str(store.parent / SPILL_DIR),
    }
