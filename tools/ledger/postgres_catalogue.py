"""Catalogue versions in the PostgreSQL ledger (table ``catalogue_versions``).

The same verbs as :mod:`tools.ledger.sqlite_catalogue`: a change locks the table
(EXCLUSIVE: readers go on, a second writer waits) before reading the version in
force, so two processes changing the catalogue at once never lose a change; the
change's audit record is inserted in the same transaction; the version number is
the primary key. Versions are numbered, built and read by
:mod:`tools.ledger.catalogue`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from tools.ledger import catalogue
from tools.ledger.catalogue import (
    CatalogueAudit,
    CatalogueEdit,
    CatalogueHead,
    StoredCatalogue,
)
from tools.ledger.postgres_care import insert_audit
from tools.ledger.postgres_db import LedgerServer


class PostgresCatalogue(LedgerServer):
    """The catalogue verbs of the PostgreSQL ledger."""

    def catalogue_head(self) -> CatalogueHead | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_head`."""
        return catalogue.head(
            self.single(lambda conn: conn.execute(catalogue.HEAD).fetchone())
        )

    def catalogue_version(self, version: int | None = None) -> StoredCatalogue | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_version`."""

        def work(conn: psycopg.Connection) -> Any:
            if version is None:
                return conn.execute(catalogue.SELECT + catalogue.NEWEST).fetchone()
            return conn.execute(
                catalogue.SELECT + " WHERE version = %s", (version,)
            ).fetchone()

        row = self.read(work)
        return catalogue.stored(row) if row else None

    def catalogue_history(self, limit: int = 50) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_history`."""
        rows = self.read(
            lambda conn: conn.execute(
                catalogue.SELECT + " ORDER BY version DESC LIMIT %s", (max(0, limit),)
            ).fetchall()
        )
        return [catalogue.stored(r) for r in rows]

    def change_catalogue(
        self, edit: CatalogueEdit, audit: CatalogueAudit, keep_since: datetime
    ) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.change_catalogue`."""

        def work(conn: psycopg.Connection) -> list[StoredCatalogue]:
            conn.execute("LOCK TABLE catalogue_versions IN EXCLUSIVE MODE")
            row = conn.execute(catalogue.SELECT + catalogue.NEWEST).fetchone()
            current = catalogue.stored(row) if row else None
            new = catalogue.appended(current, edit(current))
            if new:
                conn.cursor().executemany(
                    f"INSERT INTO catalogue_versions ({catalogue.COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [catalogue.as_row(s) for s in new],
                )
            insert_audit(conn, audit(new), keep_since)
            return new

        return self.run(work)
