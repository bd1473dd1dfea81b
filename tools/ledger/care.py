"""The ledger's care, the same for every backend: backup files and checks.

A backup is a SQLite ledger file (:mod:`tools.ledger.sqlite_schema`'s tables),
whichever backend wrote it, so ``cvm restore`` takes either into either backend.
:func:`write_backup` makes one (never over an existing file, nothing left behind on
failure), :func:`opened_backup` opens one to restore and checks it whole first
(:func:`describe`), and :func:`problems` checks a ledger's counters and plan rows
against its bookings with statements both backends run as they are.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from tools.errors import StorageError
from tools.ledger.model import BackupInfo
from tools.ledger.sqlite_schema import SCHEMA_VERSION, meta

log = logging.getLogger(__name__)


class Executes(Protocol):
    """A connection of either backend: runs a statement, gives its rows."""

    def execute(self, query: Any, /) -> Any:
        """Run ``query``; a cursor (iterable rows, ``fetchone``)."""


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to a file given by the operator (a URI, quoted)."""
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def describe(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    """Which ledger a file holds, its last booking id and bookings; checks it whole.

    Raises:
        StorageError: Not a sound ledger file of this or an earlier version.
    """
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        found = meta(conn)
        bookings = conn.execute("SELECT COUNT(*) FROM allocations").fetchone()[0]
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: not a ledger file ({exc})") from None
    if check != "ok" or found is None or version > SCHEMA_VERSION:
        why = f"damaged ({check})" if check != "ok" else "not a ledger of this version"
        raise StorageError(f"{path}: {why}; nothing was changed")
    return BackupInfo(path, found[0], found[1], int(bookings), path.stat().st_size)


def write_backup(dest: Path, fill: Callable[[sqlite3.Connection], None]) -> BackupInfo:
    """Write a new backup file ``dest``: ``fill`` copies the ledger into it.

    ``fill`` gets an autocommit connection to a new, empty file beside ``dest``;
    the file is then made self-contained (no write-ahead log), checked, synced
    and renamed to ``dest``.

    Raises:
        StorageError: ``dest`` exists, its folder does not, or the copy failed;
            nothing is left behind.
    """
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        raise StorageError(f"backup {dest}: already exists; nothing was written")
    if not dest.parent.is_dir():
        raise StorageError(f"backup {dest}: no folder {dest.parent}")
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            fill(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            info = describe(target, partial)
        finally:
            target.close()
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup {dest}: cannot be written: {exc}") from None
    except StorageError:
        partial.unlink(missing_ok=True)
        raise
    log.info("ledger backed up to %s (to booking #%d)", dest, info.last_booking)
    return BackupInfo(
        dest, info.ledger_id, info.last_booking, info.bookings, info.bytes
    )


@contextmanager
def opened_backup(src: Path) -> Iterator[tuple[sqlite3.Connection, BackupInfo]]:
    """A backup to restore, read-only and checked whole, and what it holds.

    Raises:
        StorageError: No such file, not a sound ledger, or the restore inside the
            block failed on the file (nothing was changed).
    """
    src = Path(src)
    if not src.is_file():
        raise StorageError(f"restore {src}: no such file; nothing was changed")
    try:
        source = read_only(src)
    except sqlite3.Error as exc:
        raise StorageError(f"restore {src}: cannot be read: {exc}") from None
    try:
        yield source, describe(source, src)
    except sqlite3.Error as exc:
        raise StorageError(f"restore {src}: failed: {exc}") from None
    finally:
        source.close()


_COUNTED = (
    "SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations "
    "WHERE status = 'active' GROUP BY day, treatment_key"
)
_KEPT = "SELECT day, treatment_key, used, spent FROM daily_usage"
_STRAY = (
    "SELECT COUNT(*) FROM plan_rows p WHERE p.outcome = 'booked' AND NOT "
    "EXISTS (SELECT 1 FROM allocations a WHERE a.id = p.allocation_id "
    "AND a.customer_id = p.customer_id AND a.treatment_key = p.treatment_key)"
)


def problems(conn: Executes) -> list[str]:
    """Counters that differ from the active bookings; plan rows without theirs."""
    found = []
    counted = {(r[0], r[1]): (r[2], round(r[3], 6)) for r in conn.execute(_COUNTED)}
    kept = {(r[0], r[1]): (r[2], round(r[3], 6)) for r in conn.execute(_KEPT) if r[2]}
    if counted != kept:
        found.append("usage counters differ from the active bookings")
    stray = conn.execute(_STRAY).fetchone()
    if stray and stray[0]:
        found.append(f"{stray[0]} plan row(s) marked booked without a booking")
    return found
