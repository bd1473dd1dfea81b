"""Audit records, backups, restores and checks of the SQLite ledger.

Backups use SQLite's online backup API (``sqlite3.Connection.backup``) in one step:
one read transaction, so the copy is one consistent moment of the ledger while
bookings go on (writers are not blocked in WAL mode). A restore copies a backup's
pages into the ledger file in place (same file: running processes read the restored
ledger on their next transaction) and records it in the state dir's marker.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tools.errors import StorageError
from tools.ledger.marker import Marker, create_marker
from tools.ledger.model import AuditEntry, BackupInfo, StoredAudit, erased
from tools.ledger.sqlite_file import LedgerFile
from tools.ledger.sqlite_schema import SCHEMA_VERSION, meta, migrate

log = logging.getLogger(__name__)


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


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


def insert_audit(
    conn: sqlite3.Connection, entry: AuditEntry, keep_since: datetime
) -> None:
    """Insert one audit record and drop those older than ``keep_since``.

    Inside the caller's write transaction (an audited change commits with it).
    """
    conn.execute(
        "INSERT INTO audit (at, session_id, customer_id, approver, question, "
        "record) VALUES (?, ?, ?, ?, ?, ?)",
        (
            _utc(entry.at),
            entry.session_id,
            entry.customer_id,
            entry.approver,
            entry.question,
            json.dumps(dict(entry.record), default=str),
        ),
    )
    conn.execute("DELETE FROM audit WHERE at < ?", (_utc(keep_since),))


class CareTables(LedgerFile):
    """Audit records and the ledger's care: backup, restore, check."""

    def write_audit(self, entry: AuditEntry, keep_since: datetime) -> None:
        """See :meth:`tools.ledger.protocol.LedgerStore.write_audit`."""
        with self.transaction() as conn:
            insert_audit(conn, entry, keep_since)

    def read_audit(
        self, customer_id: str | None = None, limit: int = 200
    ) -> list[StoredAudit]:
        """See :meth:`tools.ledger.protocol.LedgerStore.read_audit`."""
        sql, args = "SELECT * FROM audit", list[Any]()
        if customer_id:
            sql, args = sql + " WHERE customer_id = ?", [customer_id]
        with self.connection() as conn:
            rows = conn.execute(
                sql + " ORDER BY id DESC LIMIT ?", [*args, max(0, limit)]
            ).fetchall()
        return [
            StoredAudit(
                id=r["id"],
                at=r["at"],
                session_id=r["session_id"],
                customer_id=r["customer_id"],
                approver=r["approver"],
                question=r["question"],
                record=json.loads(r["record"]),
            )
            for r in rows
        ]

    def purge_audit(self, before: datetime) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.purge_audit`."""
        with self.transaction() as conn:
            return conn.execute(
                "DELETE FROM audit WHERE at < ?", (_utc(before),)
            ).rowcount

    def erase_customer(self, customer_id: str) -> tuple[int, int]:
        """See :meth:`tools.ledger.protocol.LedgerStore.erase_customer`."""
        with self.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM audit WHERE customer_id = ?", (customer_id,)
            ).rowcount
            quoting = conn.execute(
                "SELECT id, question, record FROM audit "
                "WHERE instr(question, ?1) > 0 OR instr(record, ?1) > 0",
                (customer_id,),
            ).fetchall()
            conn.executemany(
                "UPDATE audit SET question = ?, record = ? WHERE id = ?",
                [
                    (erased(q, customer_id), erased(r, customer_id), i)
                    for i, q, r in quoting
                ],
            )
            changed = len(quoting)
        return deleted, changed

    def backup(self, dest: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.backup`."""
        dest = Path(dest)
        if dest.exists() or dest.is_symlink():
            raise StorageError(f"backup {dest}: already exists; nothing was written")
        if not dest.parent.is_dir():
            raise StorageError(f"backup {dest}: no folder {dest.parent}")
        partial = dest.with_name(f".{dest.name}.partial")
        try:
            target = sqlite3.connect(partial)
            try:
                with self.connection() as conn:
                    conn.backup(target)  # one step: one consistent snapshot
                target.execute(
                    "PRAGMA journal_mode = DELETE"
                )  # one self-contained file
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

    def restore(self, src: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.restore`."""
        src = Path(src)
        if not src.is_file():
            raise StorageError(f"restore {src}: no such file; nothing was changed")
        try:
            source = read_only(src)
        except sqlite3.Error as exc:
            raise StorageError(f"restore {src}: cannot be read: {exc}") from None
        try:
            info = describe(source, src)
            with self._write_lock, self.connection() as conn:
                source.backup(conn)  # every page, under the file's exclusive lock
                migrate(conn)  # a backup of an earlier version is brought up to date
                found = meta(conn)
        except sqlite3.Error as exc:
            raise StorageError(f"restore {src}: failed: {exc}") from None
        finally:
            source.close()
        assert found is not None
        self.ledger_id = found[0]
        create_marker(self.path, Marker(*found))
        log.warning(
            "ledger %s restored from %s (to booking #%d)", self.path, src, found[1]
        )
        return info

    def verify(self) -> list[str]:
        """See :meth:`tools.ledger.protocol.LedgerStore.verify`."""
        problems = []
        with self.connection() as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                problems.append(f"integrity check: {check}")
            counted = {
                (r[0], r[1]): (r[2], round(r[3], 6))
                for r in conn.execute(
                    "SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations "
                    "WHERE status = 'active' GROUP BY day, treatment_key"
                )
            }
            kept = {
                (r[0], r[1]): (r[2], round(r[3], 6))
                for r in conn.execute(
                    "SELECT day, treatment_key, used, spent FROM daily_usage"
                )
                if r[2]
            }
            if counted != kept:
                problems.append("usage counters differ from the active bookings")
            stray = conn.execute(
                "SELECT COUNT(*) FROM plan_rows p WHERE p.outcome = 'booked' AND NOT "
                "EXISTS (SELECT 1 FROM allocations a WHERE a.id = p.allocation_id "
                "AND a.customer_id = p.customer_id "
                "AND a.treatment_key = p.treatment_key)"
            ).fetchone()[0]
            if stray:
                problems.append(f"{stray} plan row(s) marked booked without a booking")
        return problems
