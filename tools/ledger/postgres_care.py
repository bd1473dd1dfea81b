"""Audit records and care (backup, restore, check) of the PostgreSQL ledger.

The audit verbs of :mod:`tools.ledger.sqlite_care` in PostgreSQL's SQL. A backup is
a SQLite ledger file written from one REPEATABLE READ snapshot while bookings go
on, a restore replaces every table in one transaction
(:mod:`tools.ledger.postgres_backup`); the file and the checks are
:mod:`tools.ledger.care`'s, as for the embedded ledger, so ``cvm restore`` takes
either backend's backup into either.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from tools.ledger.care import opened_backup, problems, write_backup
from tools.ledger.model import AuditEntry, BackupInfo, StoredAudit
from tools.ledger.postgres_backup import copy_in, copy_out
from tools.ledger.postgres_db import LedgerServer
from tools.ledger.rows import (
    AUDIT_COLUMNS,
    NEW_AUDIT_COLUMNS,
    audit_row,
    erasures,
    stored_audit,
    utc,
)

log = logging.getLogger(__name__)


def insert_audit(
    conn: psycopg.Connection, entry: AuditEntry, keep_since: datetime
) -> None:
    """Insert one audit record and drop those older than ``keep_since``.

    Inside the caller's transaction (an audited change commits with it).
    """
    conn.execute(
        f"INSERT INTO audit ({NEW_AUDIT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
        audit_row(entry),
    )
    conn.execute("DELETE FROM audit WHERE at < %s", (utc(keep_since),))


class PostgresCare(LedgerServer):
    """Audit verbs, backups, restores and checks."""

    # --- audit --------------------------------------------------------------------

    def write_audit(self, entry: AuditEntry, keep_since: datetime) -> None:
        """See :meth:`tools.ledger.protocol.LedgerStore.write_audit`."""
        self.run(lambda conn: insert_audit(conn, entry, keep_since))

    def read_audit(
        self, customer_id: str | None = None, limit: int = 200
    ) -> list[StoredAudit]:
        """See :meth:`tools.ledger.protocol.LedgerStore.read_audit`."""
        where, args = "", list[Any]()
        if customer_id:
            where, args = " WHERE customer_id = %s", [customer_id]
        rows = self.run(
            lambda c: c.execute(
                f"SELECT {AUDIT_COLUMNS} FROM audit{where} ORDER BY id DESC LIMIT %s",
                [*args, max(0, limit)],
            ).fetchall()
        )
        return [stored_audit(r) for r in rows]

    def purge_audit(self, before: datetime) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.purge_audit`."""
        return self.run(
            lambda c: (
                c.execute("DELETE FROM audit WHERE at < %s", (utc(before),)).rowcount
            )
        )

    def erase_customer(self, customer_id: str) -> tuple[int, int]:
        """See :meth:`tools.ledger.protocol.LedgerStore.erase_customer`."""

        def work(conn: psycopg.Connection) -> tuple[int, int]:
            deleted = conn.execute(
                "DELETE FROM audit WHERE customer_id = %s", (customer_id,)
            ).rowcount
            quoting = conn.execute(
                "SELECT id, question, record FROM audit "
                "WHERE strpos(question, %(c)s) > 0 OR strpos(record, %(c)s) > 0",
                {"c": customer_id},
            ).fetchall()
            if quoting:
                conn.cursor().executemany(
                    "UPDATE audit SET question = %s, record = %s WHERE id = %s",
                    erasures(quoting, customer_id),
                )
            return deleted, len(quoting)

        return self.run(work)

    # --- care ---------------------------------------------------------------------

    def backup(self, dest: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.backup` (a SQLite file)."""

        def fill(target: sqlite3.Connection) -> None:
            self.read(lambda conn: copy_out(conn, target))

        return write_backup(dest, fill)

    def restore(self, src: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.restore`."""
        with opened_backup(src) as (source, info):
            self.run(lambda conn: copy_in(conn, source, info))
        log.warning(
            "ledger %s restored from %s (to booking #%d)",
            self.location,
            src,
            info.last_booking,
        )
        return info

    def verify(self) -> list[str]:
        """See :meth:`tools.ledger.protocol.LedgerStore.verify`."""
        return self.read(problems)
