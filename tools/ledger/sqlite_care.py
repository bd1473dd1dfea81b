"""Audit records, backups, restores and checks of the SQLite ledger.

Backups use SQLite's online backup API (``sqlite3.Connection.backup``) in one step:
one read transaction, so the copy is one consistent moment of the ledger while
bookings go on (writers are not blocked in WAL mode). A restore copies a backup's
pages into the ledger file in place (same file: running processes read the restored
ledger on their next transaction) and records it in the state dir's marker. The
backup file itself and the checks both backends run are :mod:`tools.ledger.care`'s.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from tools.ledger.care import opened_backup, problems, write_backup
from tools.ledger.marker import Marker, create_marker
from tools.ledger.model import AuditEntry, BackupInfo, StoredAudit
from tools.ledger.rows import (
    AUDIT_COLUMNS,
    NEW_AUDIT_COLUMNS,
    audit_row,
    erasures,
    stored_audit,
    utc,
)
from tools.ledger.sqlite_file import LedgerFile
from tools.ledger.sqlite_schema import meta, migrate

log = logging.getLogger(__name__)


def insert_audit(
    conn: sqlite3.Connection, entry: AuditEntry, keep_since: datetime
) -> None:
    """Insert one audit record and drop those older than ``keep_since``.

    Inside the caller's write transaction (an audited change commits with it).
    """
    conn.execute(
        f"INSERT INTO audit ({NEW_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        audit_row(entry),
    )
    conn.execute("DELETE FROM audit WHERE at < ?", (utc(keep_since),))


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
        sql, args = f"SELECT {AUDIT_COLUMNS} FROM audit", list[Any]()
        if customer_id:
            sql, args = sql + " WHERE customer_id = ?", [customer_id]
        with self.connection() as conn:
            rows = conn.execute(
                sql + " ORDER BY id DESC LIMIT ?", [*args, max(0, limit)]
            ).fetchall()
        return [stored_audit(r) for r in rows]

    def purge_audit(self, before: datetime) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.purge_audit`."""
        with self.transaction() as conn:
            return conn.execute(
                "DELETE FROM audit WHERE at < ?", (utc(before),)
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
                erasures(quoting, customer_id),
            )
        return deleted, len(quoting)

    def backup(self, dest: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.backup`."""

        def fill(target: sqlite3.Connection) -> None:
            with self.connection() as conn:
                conn.backup(target)  # one step: one consistent snapshot

        return write_backup(dest, fill)

    def restore(self, src: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.restore`."""
        with opened_backup(src) as (source, info):
            with self._write_lock, self.connection() as conn:
                source.backup(conn)  # every page, under the file's exclusive lock
                migrate(conn)  # a backup of an earlier version is brought up to date
                found = meta(conn)
        assert found is not None
        self.ledger_id = found[0]
        create_marker(self.path, Marker(*found))
        log.warning(
            "ledger %s restored from %s (to booking #%d)", self.path, src, found[1]
        )
        return info

    def verify(self) -> list[str]:
        """See :meth:`tools.ledger.protocol.LedgerStore.verify`."""
        with self.connection() as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            found = [] if check == "ok" else [f"integrity check: {check}"]
            return found + problems(conn)
