"""One SQLite ledger file: connections, write transactions, knowing when it was lost.

WAL mode. Writers take SQLite's write lock with ``BEGIN IMMEDIATE`` before reading
what they check, so check and act are one transaction across threads and
processes; inside one process they queue on a lock first, and across processes on
a lock file (:mod:`tools.ledger.sqlite_queue`): SQLite's busy handler sleeps in
coarse steps, which wastes throughput when many writers contend.

The file protects itself. Inside each write transaction it checks that the file at
its path is still the one it opened (device and inode) and that the write-ahead
log is still the one this connection writes to: a ledger or log removed or replaced
under a running process is a ``LedgerUnavailable`` refusal (rule LEDGER), never a
commit "into the void". When only the log was removed, the process first copies
what it had committed into the database file (a checkpoint from the log it still
holds open), then refuses every later write. A read-only, full or failing disk is a
refusal with the transaction rolled back. After each booking commit the last
booking id is recorded in the state dir's marker (:mod:`tools.ledger.marker`),
which a new process compares with the file.
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
from tools.ledger.marker import Marker, MarkerWriter, create_marker, read_marker
from tools.ledger.sqlite_queue import WriterQueue
from tools.ledger.sqlite_schema import meta, migrate

log = logging.getLogger(__name__)
SETTING = "settings.state_dir / CVM_STATE_DIR"
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
_WHAT_NOW = (
    "Restore a backup (`cvm restore FILE --yes`) or, once you are sure nothing can "
    "be recovered, accept the ledger as it is now (`cvm accept-ledger --yes`)."
)


def is_storage_fault(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error is the disk's or the file's, not the statement's."""
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


def identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of the file at ``path`` now, None if it is gone."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class LedgerFile:
    """Connections to one ledger file and its write transactions.

    Args:
        path: The SQLite file; its folder is created if missing.
        recover: Open without comparing the file with the state dir's marker and
            without writing the marker (``cvm restore`` and ``cvm accept-ledger``,
            which then set the marker themselves).

    Raises:
        StorageError: The folder or file cannot be used; the file is missing while
            its write-ahead log is still there; or the state dir's marker shows an
            earlier ledger whose commits this file does not hold.
    """

    def __init__(self, path: str | Path, *, recover: bool = False) -> None:
        self.path = Path(path)
        self.wal_path = self.path.with_name(self.path.name + "-wal")
        ensure_state_dir(self.path.parent)
        if (
            not self.path.exists()
            and self.wal_path.exists()
            and self.wal_path.stat().st_size
        ):
            raise StorageError(
                f"ledger {self.path} is missing but its write-ahead log "
                f"{self.wal_path.name} is present: restore the ledger file (or move "
                "the log away) before starting, or committed bookings would be lost"
            )
        seen = None if recover else read_marker(self.path)
        if seen is not None and not self.path.exists():
            raise StorageError(self._lost_text(seen, None))
        self._write_lock = threading.Lock()
        self._queue = WriterQueue(self.path)
        self._local = threading.local()
        self._lost: str | None = None
        self.marker = MarkerWriter(self.path)
        try:
            with self._write_lock, self.connection() as conn:
                if seen is not None:
                    self._compare(seen, meta(conn))
                migrate(conn)
                found = meta(conn)
        except sqlite3.Error as exc:
            self.close()
            hint = "" if os.access(self.path.parent, os.W_OK) else " (read-only)"
            raise StorageError(
                f"ledger {self.path} ({SETTING}): cannot be opened for writing: "
                f"{exc}{hint}"
            ) from None
        except StorageError:
            self.close()
            raise
        assert found is not None  # migrate() wrote it
        self._identity = identity(self.path)
        if not recover:
            create_marker(self.path, Marker(*found))

    # --- lost ledgers ------------------------------------------------------------

    def _lost_text(self, seen: Marker, found: tuple[str, int] | None) -> str:
        if found is None:
            now = "is missing" if not self.path.exists() else "holds no ledger"
        elif found[0] != seen.ledger_id:
            now = f"holds another ledger ({found[0][:8]})"
        else:
            now = f"ends at booking #{found[1]:,}"
        return (
            f"ledger {self.path}: this state dir held ledger {seen.ledger_id[:8]} with "
            f"bookings up to #{seen.last_booking:,}, but the file {now}: committed "
            "bookings would be lost by going on (a removed write-ahead log, a deleted "
            f"or replaced ledger file). {_WHAT_NOW}"
        )

    def _compare(self, seen: Marker, found: tuple[str, int] | None) -> None:
        """Refuse a file that does not hold every commit the state dir has seen."""
        if found is None or found[0] != seen.ledger_id or found[1] < seen.last_booking:
            log.error("ledger %s lost commits: refusing to start", self.path)
            raise StorageError(self._lost_text(seen, found))

    def accept(self) -> Marker:
        """Mark the state dir with this file as it is (the operator's decision)."""
        with self.connection() as conn:
            found = meta(conn)
        assert found is not None
        marker = Marker(*found)
        create_marker(self.path, marker)
        log.warning("ledger %s accepted as it is: %s", self.path, marker)
        return marker

    # --- connections and transactions --------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (autocommit; reads only outside ``transaction``).

        For the backend's own verbs, tests and benchmark fixtures: code outside
        :mod:`tools.ledger` uses the store's verbs.
        """
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            self._local.wal = identity(self.wal_path)
        yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its first read.

        Everything done inside commits together or not at all.

        Raises:
            LedgerUnavailable: The ledger file or its log was removed or replaced
                since this process opened it, or the disk refused the write
                (read-only, full, I/O error); the transaction is rolled back.
        """
        with self._write_lock, self._queue.turn(), self.connection() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._check_files()
            except sqlite3.Error as exc:
                raise self._refusal(exc) from None
            except LedgerUnavailable:
                conn.execute("ROLLBACK")
                self._rescue(conn)
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
                if isinstance(exc, sqlite3.Error) and is_storage_fault(exc):
                    raise self._refusal(exc) from None
                raise

    def _check_files(self) -> None:
        """Refuse to write unless the file and log are still the ones opened."""
        if self._lost:
            raise LedgerUnavailable(self._lost)
        now = identity(self.path)
        if now != self._identity:
            what = "removed" if now is None else "replaced"
            raise self._gone(f"the ledger file {self.path} was {what}")
        wal = identity(self.wal_path)
        mine = getattr(self._local, "wal", None)
        if wal is None or (mine is not None and wal != mine):
            what = "removed" if wal is None else "replaced"
            raise self._gone(f"its write-ahead log {self.wal_path.name} was {what}")
        self._local.wal = wal

    def _gone(self, what: str) -> LedgerUnavailable:
        log.error("ledger %s: %s under a running process", self.path, what)
        self._lost = (
            f"LEDGER: {what} while this process was running; refusing to write "
            "(nothing was committed). Restore the file or restart the process."
        )
        return LedgerUnavailable(self._lost)

    def _rescue(self, conn: sqlite3.Connection) -> None:
        """Copy the commits still in a removed log into the database file.

        This connection still holds the removed log open; a checkpoint writes its
        committed pages into the (still present) database file, so a process
        started later finds them. Not attempted when the file itself is gone.
        """
        if identity(self.path) != self._identity or self.wal_path.exists():
            return
        try:
            busy, _, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            log.error(
                "ledger %s: commits in the removed log not saved: %s", self.path, exc
            )
            return
        log.error(
            "ledger %s: %d page(s) of the removed log copied into the file%s",
            self.path,
            done,
            " (incomplete: readers were busy)" if busy else "",
        )

    def _refusal(self, exc: sqlite3.Error) -> LedgerUnavailable:
        log.error("ledger %s refused a write: %s", self.path, exc)
        return LedgerUnavailable(
            f"LEDGER: the ledger {self.path} cannot be written ({exc}); nothing was "
            "committed and earlier bookings are kept"
        )

    @property
    def location(self) -> str:
        """Where the ledger is (for messages)."""
        return str(self.path)

    def close(self) -> None:
        """Close this thread's connection (the next use opens a new one)."""
        self.marker.close()
        self._queue.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            self._local.wal = None
