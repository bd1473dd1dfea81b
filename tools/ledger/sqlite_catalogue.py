"""Catalogue versions in the SQLite ledger (table ``catalogue_versions``).

A change reads the version in force and appends the next one, with its audit
record, inside one write transaction (SQLite's write lock from the first read), so
two processes changing the catalogue at once are serialised and neither change is
lost, and a change is never stored without its audit record; the version number
is the primary key, so a second writer can never reuse one.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tools.ledger.catalogue import (
    CatalogueAudit,
    CatalogueEdit,
    CatalogueHead,
    NewCatalogue,
    StoredCatalogue,
)
from tools.ledger.sqlite_care import insert_audit
from tools.ledger.sqlite_file import LedgerFile

_COLUMNS = (
    "version, created_at, created_by, action, reason, body, treatment_key, "
    "rolled_back_to"
)
_SELECT = f"SELECT {_COLUMNS} FROM catalogue_versions"
_INSERT = f"INSERT INTO catalogue_versions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _stored(row: sqlite3.Row) -> StoredCatalogue:
    return StoredCatalogue(
        version=int(row[0]),
        created_at=row[1],
        created_by=row[2],
        action=row[3],
        reason=row[4],
        body=row[5],
        treatment_key=row[6],
        rolled_back_to=row[7],
    )


def _newest(conn: sqlite3.Connection) -> StoredCatalogue | None:
    row = conn.execute(_SELECT + " ORDER BY version DESC LIMIT 1").fetchone()
    return _stored(row) if row is not None else None


class CatalogueTables(LedgerFile):
    """The catalogue verbs of the SQLite ledger."""

    def catalogue_head(self) -> CatalogueHead | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_head`."""
        with self.connection() as conn:
            row = conn.execute(
                "SELECT version, created_at FROM catalogue_versions "
                "ORDER BY version DESC LIMIT 1"
            ).fetchone()
        return CatalogueHead(int(row[0]), row[1]) if row is not None else None

    def catalogue_version(self, version: int | None = None) -> StoredCatalogue | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_version`."""
        with self.connection() as conn:
            if version is None:
                return _newest(conn)
            row = conn.execute(_SELECT + " WHERE version = ?", (version,)).fetchone()
        return _stored(row) if row is not None else None

    def catalogue_history(self, limit: int = 50) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_history`."""
        with self.connection() as conn:
            rows = conn.execute(
                _SELECT + " ORDER BY version DESC LIMIT ?", (max(0, limit),)
            ).fetchall()
        return [_stored(r) for r in rows]

    def change_catalogue(
        self, edit: CatalogueEdit, audit: CatalogueAudit, keep_since: datetime
    ) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.change_catalogue`."""
        with self.transaction() as conn:
            head = _newest(conn)
            new = list(edit(head))
            first = (head.version if head else 0) + 1
            rows = [_row(first + i, n) for i, n in enumerate(new)]
            conn.executemany(_INSERT, rows)
            stored = [StoredCatalogue(*row) for row in rows]  # _COLUMNS' order
            insert_audit(conn, audit(stored), keep_since)
        return stored


def _row(
    version: int, n: NewCatalogue
) -> tuple[int, str, str, str, str, str, str | None, int | None]:
    return (
        version,
        n.created_at.isoformat(timespec="seconds"),
        n.created_by,
        n.action,
        n.reason,
        n.body,
        n.treatment_key,
        n.rolled_back_to,
    )
