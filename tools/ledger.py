"""The SQLite ledger: allocations and audit records, durable and transactional.

One database file under the state dir, WAL mode. Writers take SQLite's write lock
with ``BEGIN IMMEDIATE`` before reading the counts they check, so check and act are
one transaction across threads and processes. Inside one process, writers queue on a
lock first (SQLite's own busy handler sleeps in coarse steps, which would waste
throughput when many threads contend).

The ledger protects itself: inside each write transaction it checks that the file
it opened is still the one at its path (device and inode), so a ledger removed or
replaced under a running process is never written "into the void" while another
process starts a fresh one; a read-only, full or failing disk becomes a
``LedgerUnavailable`` refusal (rule LEDGER) with the transaction rolled back.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.errors import LedgerUnavailable, StorageError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    day TEXT NOT NULL,
    created_at TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    cost REAL NOT NULL,
    high_value INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released')),
    released_at TEXT,
    released_by TEXT,
    rules TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_booking_per_customer_treatment_day
    ON allocations (customer_id, treatment_key, day) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS allocations_by_day
    ON allocations (day, treatment_key, status);
CREATE INDEX IF NOT EXISTS allocations_by_customer ON allocations (customer_id, day);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    session_id TEXT NOT NULL,
    customer_id TEXT,
    approver TEXT,
    question TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_customer ON audit (customer_id, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
-- Today's use per treatment, kept by triggers in the same transaction as the
-- allocation rows, so capacity checks read one row instead of counting.
CREATE TABLE IF NOT EXISTS daily_usage (
    day TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    spent REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (day, treatment_key)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS usage_on_booking AFTER INSERT ON allocations
WHEN NEW.status = 'active' BEGIN
    INSERT INTO daily_usage (day, treatment_key, used, spent)
    VALUES (NEW.day, NEW.treatment_key, 1, NEW.cost)
    ON CONFLICT (day, treatment_key)
    DO UPDATE SET used = used + 1, spent = spent + excluded.spent;
END;
CREATE TRIGGER IF NOT EXISTS usage_on_release AFTER UPDATE OF status ON allocations
WHEN OLD.status = 'active' AND NEW.status = 'released' BEGIN
    UPDATE daily_usage SET used = used - 1, spent = spent - OLD.cost
    WHERE day = OLD.day AND treatment_key = OLD.treatment_key;
END;
"""
_BACKFILL_USAGE = """
DELETE FROM daily_usage;
INSERT INTO daily_usage (day, treatment_key, used, spent)
SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations
WHERE status = 'active' GROUP BY day, treatment_key;
"""
_process_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()
_STORAGE_FAULTS = (
    "SQLITE_READONLY",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
)
_FAULT_WORDS = ("readonly", "disk", "unable to open", "malformed", "not a database")
SETTING = "settings.state_dir / CVM_STATE_DIR"


def _is_storage_fault(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return name.startswith(_STORAGE_FAULTS) or any(w in text for w in _FAULT_WORDS)


def ensure_state_dir(folder: Path) -> Path:
    """Create the state dir if missing; refuse one that cannot hold files.

    Raises:
        StorageError: It (or a parent) is a file, or cannot be created.
    """
    if folder.exists() and not folder.is_dir():
        raise StorageError(f"state dir {folder} ({SETTING}): not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"state dir {folder} ({SETTING}): cannot be used: {exc.strerror or exc}"
        ) from None
    return folder


def _identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of the file at ``path`` now, None if it is gone."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class Ledger:
    """Access to one ledger database file.

    Args:
        path: The SQLite file; its folder is created if missing.

    Raises:
        StorageError: The folder cannot be created or used, the file cannot be
            opened or written, or the file is missing while its write-ahead log
            is still there (committed bookings would be lost by starting afresh).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        ensure_state_dir(self.path.parent)
        wal = self.path.with_name(self.path.name + "-wal")
        if not self.path.exists() and wal.exists() and wal.stat().st_size > 0:
            raise StorageError(
                f"ledger {self.path} is missing but its write-ahead log {wal.name} "
                "is present: restore the ledger file (or move the log away) before "
                "starting, or committed bookings would be lost"
            )
        key = str(self.path.resolve())
        with _registry_lock:
            self._write_lock = _process_locks.setdefault(key, threading.Lock())
        self._local = threading.local()
        try:
            with self._write_lock, self.connection() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.executescript(_SCHEMA)
                if 0 < version < 2:  # ledgers from before daily_usage existed
                    conn.executescript(_BACKFILL_USAGE)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self.close()
            hint = "" if os.access(self.path.parent, os.W_OK) else " (read-only)"
            raise StorageError(
                f"ledger {self.path} ({SETTING}): cannot be opened for writing: "
                f"{exc}{hint}"
            ) from None
        self._identity = _identity(self.path)

    @classmethod
    def in_state_dir(cls, state_dir: str | Path) -> Ledger:
        """The ledger of a state directory (``<state_dir>/ledger.sqlite3``)."""
        return cls(Path(state_dir) / "ledger.sqlite3")

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (autocommit; use ``write`` for transactions)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
        yield conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its first read.

        Everything done inside commits together or not at all.

        Raises:
            LedgerUnavailable: The ledger file was removed or replaced since this
                process opened it, or the disk refused the write (read-only, full,
                I/O error); the transaction is rolled back.
        """
        with self._write_lock, self.connection() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._check_identity()
            except sqlite3.Error as exc:
                raise self._refusal(exc) from None
            except LedgerUnavailable:
                conn.execute("ROLLBACK")
                raise
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:  # the disk failed: SQLite rolls back itself
                        pass
                if isinstance(exc, sqlite3.Error) and _is_storage_fault(exc):
                    raise self._refusal(exc) from None
                raise

    def _check_identity(self) -> None:
        """Refuse to write unless ``path`` is still the file this process opened."""
        now = _identity(self.path)
        if now == self._identity:
            return
        what = "removed" if now is None else "replaced"
        log.error("ledger file %s was %s under a running process", self.path, what)
        raise LedgerUnavailable(
            f"LEDGER: the ledger file {self.path} was {what} while this process was "
            "running; refusing to write (nothing was committed). Restore the file or "
            "restart the process."
        )

    def _refusal(self, exc: sqlite3.Error) -> LedgerUnavailable:
        log.error("ledger %s refused a write: %s", self.path, exc)
        return LedgerUnavailable(
            f"LEDGER: the ledger {self.path} cannot be written ({exc}); nothing was "
            "committed and earlier bookings are kept"
        )

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
