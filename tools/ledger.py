"""The SQLite ledger: allocations and audit records, durable and transactional.

One database file under the state dir, WAL mode. Writers take SQLite's write lock
with ``BEGIN IMMEDIATE`` before reading the counts they check, so check and act are
one transaction across threads and processes. Inside one process, writers queue on a
lock first (SQLite's own busy handler sleeps in coarse steps, which would waste
throughput when many threads contend).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


class Ledger:
    """Access to one ledger database file.

    Args:
        path: The SQLite file; its folder is created if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = str(self.path.resolve())
        with _registry_lock:
            self._write_lock = _process_locks.setdefault(key, threading.Lock())
        self._local = threading.local()
        with self._write_lock, self.connection() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.executescript(_SCHEMA)
            if 0 < version < 2:  # ledgers from before daily_usage existed
                conn.executescript(_BACKFILL_USAGE)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
        """
        with self._write_lock, self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
