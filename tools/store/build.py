"""Writing the customer store: the schema, rows in, the sample on first use, upgrades.

Writers never modify a store file in place: the sample (on first use) and upgrades of
the derived tables are written to a new file next to it and renamed over it
(``os.replace``) under an exclusive lock (:mod:`tools.store.lock`), so readers
always see a whole store.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tools.store.derived import Derivation
from tools.store.lock import SPILL_DIR as SPILL_DIR  # (tools.store.importer's import)
from tools.store.lock import store_lock, store_lock_if_free, sweep_if_idle
from tools.store.points import (
    points_current,
    points_path,
    publish_points,
    write_points,
)
from tools.store.schema import SCHEMA_VERSION, TABLES, column_names, create_sql

if TYPE_CHECKING:  # duckdb and the record models load only where a store is written
    import duckdb

    from tools.customer import CustomerData
    from tools.store.records import Rows

log = logging.getLogger(__name__)

STORE_FILE = "customers.duckdb"


def create_tables(con: duckdb.DuckDBPyConnection, skip: Collection[str] = ()) -> None:
    """Create every table of the schema (but those of ``skip``) and ``meta``."""
    for table in TABLES:
        if table not in skip:
            con.execute(create_sql(table))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def insert_rows(con: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    """Insert row tuples into their tables, one statement per table.

    The rows go in as one list per column, unnested side by side (about 30 times
    faster than ``executemany`` row by row).
    """
    for table, items in rows.items():
        if items:
            names = column_names(table)
            columns = [list(c) for c in zip(*items, strict=True)]
            picks = ", ".join(f"unnest(${i + 1})" for i in range(len(names)))
            con.execute(f"INSERT INTO {table} SELECT {picks}", columns)


def build_from_records(
    path: Path | str,
    records: Sequence[CustomerData],
    derived: Derivation,
    data_as_of: date | None = None,
    block_size: int | None = None,
) -> None:
    """Write a complete store of ``records`` at ``path`` (``:memory:`` allowed).

    A store file gets its row store too (:mod:`tools.store.points`). ``block_size``
    sets a new file's DuckDB block size (default DuckDB's, 256 KiB).
    """
    import duckdb

    config: dict[str, str | bool | int | float | list[str]] = {}
    if block_size:
        config["default_block_size"] = str(block_size)
    con = duckdb.connect(str(path), config=config)
    try:
        fill_from_records(con, records, derived, data_as_of)
        if str(path) != ":memory:":
            built = Path(path).with_name(f".{Path(path).name}.{os.getpid()}.points")
            write_points(con, built)
            con.close()
            publish_points(built, Path(path), points_path(Path(path)))
    finally:
        con.close()


def fill_from_records(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[CustomerData],
    derived: Derivation,
    data_as_of: date | None = None,
) -> None:
    """Create the schema on ``con`` and load ``records``, with the derived tables.

    ``data_as_of`` is the data's own as-of date (a field of its file), if any: it
    goes to ``meta.data_as_of`` before the derived tables are built.
    """
    from tools.store.meta import set_data_as_of
    from tools.store.records import to_rows

    create_tables(con)
    merged: Rows = {t: [] for t in TABLES}
    for record in records:
        for table, items in to_rows(record).items():
            merged[table].extend(items)
    insert_rows(con, merged)
    set_data_as_of(con, data_as_of)
    derived.build(con, None)


def sample_records() -> list[CustomerData]:
    """The packaged sample customers (``tools/data/customers.json``)."""
    from tools.config import get_config
    from tools.store.json_files import PACKAGED_DATA_DIR, read_json_file

    return read_json_file(PACKAGED_DATA_DIR / "customers.json", get_config())


def sample_as_of() -> date | None:
    """The packaged sample's own as-of date (its file's ``as_of`` field)."""
    from tools.store.json_files import PACKAGED_DATA_DIR, read_json_as_of

    return read_json_as_of(PACKAGED_DATA_DIR / "customers.json")


# The sample's dozen customers fill a block of each table and index: 18 blocks, 4.5 MiB
# at DuckDB's default 256 KiB, 0.4 MiB at 16 KiB. Every new state dir gets a copy
# (every test of the suite that reads a customer), and imports write new files with
# the default size (a base imported over the sample never inherits the small blocks).
SAMPLE_BLOCK_SIZE = 16 * 1024

_template_lock = threading.Lock()
_templates: dict[str, Path] = {}


def _sample_template(derived: Derivation) -> Path:
    """A store of the sample built once per process, copied into new state dirs.

    Its temporary folder is removed when the process exits.
    """
    with _template_lock:
        path = _templates.get(derived.version)
        if path is None or not path.exists():
            folder = Path(tempfile.mkdtemp(prefix="cvm-sample-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            path = folder / STORE_FILE
            build_from_records(
                path, sample_records(), derived, sample_as_of(), SAMPLE_BLOCK_SIZE
            )
            _templates[derived.version] = path
        return path


def _derived_version(path: Path) -> str | None:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "SELECT value FROM meta WHERE key = 'derived_version'"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return row[0] if row else None


def upgrade_store(path: Path, derived: Derivation) -> None:
    """Rebuild the derived tables of a store, atomically.

    When another version built them, or for another configured decision date.
    """
    import duckdb

    with store_lock(path):
        if _derived_version(path) == derived.version:
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.upgrade")
        points = path.with_name(f".{path.name}.{os.getpid()}.points")
        shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            derived.build(con, None)
            con.execute("CHECKPOINT")
            write_points(con, points)
            con.close()
            publish_points(points, tmp, points_path(path))
        finally:
            con.close()
            points.unlink(missing_ok=True)
        os.replace(tmp, path)
        log.info("customer store at %s upgraded (derived tables rebuilt)", path)


def ensure_store(path: Path, derived: Derivation) -> None:
    """Create the store at ``path`` with the sample customers unless it exists.

    A store whose derived tables another version built is upgraded first.
    """
    if path.exists():
        if _derived_version(path) != derived.version:
            upgrade_store(path, derived)
        elif not points_current(points_path(path), path, derived.version):
            refresh_points(path, derived)
        sweep_if_idle(path)  # files an import killed before this start left
        return
    with store_lock(path):
        if path.exists():
            return
        copy_store(_sample_template(derived), path)
        log.info("customer store created with the sample customers at %s", path)


def copy_store(source: Path, path: Path) -> None:
    """Put a copy of the store ``source`` and its row store at ``path``, atomically.

    The copy is the file an import of the same data writes (the row store records
    the new file as its own). The caller holds ``path``'s store lock, or the state
    dir is its own.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    points = path.with_name(f".{path.name}.{os.getpid()}.points")
    shutil.copyfile(source, tmp)
    shutil.copyfile(points_path(source), points)
    publish_points(points, tmp, points_path(path))
    os.replace(tmp, path)


def refresh_points(path: Path, derived: Derivation) -> None:
    """Write the row store of a store that has none (or another file's).

    A store an older version wrote, or one replaced by hand. Never waits for a
    writer (readers are never blocked): while one holds the lock, one customer is
    read from DuckDB, and the writer writes the row store of what it writes. A
    state dir that cannot be written keeps reading DuckDB too.
    """
    import duckdb

    with store_lock_if_free(path) as mine:
        if not mine or points_current(points_path(path), path, derived.version):
            return
        points = path.with_name(f".{path.name}.{os.getpid()}.points")
        try:
            con = duckdb.connect(str(path), read_only=True)
            try:
                write_points(con, points)
            finally:
                con.close()
            publish_points(points, path, points_path(path))
        except OSError as exc:
            log.warning("no row store for %s (%s): DuckDB answers", path, exc)
            return
        finally:
            points.unlink(missing_ok=True)
    log.info("row store for single-customer reads written for %s", path)
