"""Catalogue versions in the SQLite ledger (table ``catalogue_versions``).

A change reads the version in force and appends the next one, with its audit
record, inside one write transaction (SQLite's write lock from the first read), so
two processes changing the catalogue at once are serialised and neither change is
lost, and a change is never stored without its audit record; the version number
is the primary key, so a second writer can never reuse one. Versions are numbered,
built and read by :mod:`tools.ledger.catalogue`.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tools.ledger import catalogue
from tools.ledger.catalogue import (
    CatalogueAudit,
    CatalogueEdit,
    CatalogueHead,
    StoredCatalogue,
)
from tools.ledger.sqlite_care import insert_audit
from tools.ledger.sqlite_file import LedgerFile


def _newest(conn: sqlite3.Connection) -> StoredCatalogue | None:
    row = conn.execute(catalogue.SELECT + catalogue.NEWEST).fetchone()
    return catalogue.stored(row) if row is not None else None


class CatalogueTables(LedgerFile):
    """The catalogue verbs of the SQLite ledger."""

    def catalogue_head(self) -> CatalogueHead | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_head`."""
        with self.connection() as conn:
            return catalogue.head(conn.execute(catalogue.HEAD).fetchone())

    def catalogue_version(self, version: int | None = None) -> StoredCatalogue | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_version`."""
        with self.connection() as conn:
            if version is None:
                return _newest(conn)
            row = conn.execute(
                catalogue.SELECT + " WHERE version = ?", (version,)
            ).fetchone()
        return catalogue.stored(row) if row is not None else None

    def catalogue_history(self, limit: int = 50) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_history`."""
        with self.connection() as conn:
            rows = conn.execute(
                catalogue.SELECT + " ORDER BY version DESC LIMIT ?", (max(0, limit),)
            ).fetchall()
        return [catalogue.stored(r) for r in rows]

    def change_catalogue(
        self, edit: CatalogueEdit, audit: CatalogueAudit, keep_since: datetime
    ) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.change_catalogue`."""
        with self.transaction() as conn:
            current = _newest(conn)
            new = catalogue.appended(current, edit(current))
            conn.executemany(
                f"INSERT INTO catalogue_versions ({catalogue.COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [catalogue.as_row(s) for s in new],
            )
            insert_audit(conn, audit(new), keep_since)
        return new
