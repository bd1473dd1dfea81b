"""Catalogue versions in the PostgreSQL ledger (table ``catalogue_versions``).

The same verbs as :mod:`tools.ledger.sqlite_catalogue`: a change locks the table
(EXCLUSIVE: readers go on, a second writer waits) before reading the version in
force, so two processes changing the catalogue at once never lose a change; the
change's audit record is inserted in the same transaction; the version number is
the primary key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from tools.ledger.catalogue import (
    CatalogueAudit,
    CatalogueEdit,
    CatalogueHead,
    NewCatalogue,
    StoredCatalogue,
)
from tools.ledger.postgres_care import insert_audit
from tools.ledger.postgres_db import LedgerServer

_COLUMNS = (
    "version, created_at, created_by, action, reason, body, treatment_key, "
    "rolled_back_to"
)
_SELECT = f"SELECT {_COLUMNS} FROM catalogue_versions"


def _stored(row: Any) -> StoredCatalogue:
    return StoredCatalogue(
        int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7]
    )


class PostgresCatalogue(LedgerServer):
    """The catalogue verbs of the PostgreSQL ledger."""

    def catalogue_head(self) -> CatalogueHead | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_head`."""
        row = self.single(
            lambda conn: conn.execute(
                "SELECT version, created_at FROM catalogue_versions "
                "ORDER BY version DESC LIMIT 1"
            ).fetchone()
        )
        return CatalogueHead(int(row[0]), row[1]) if row else None

    def catalogue_version(self, version: int | None = None) -> StoredCatalogue | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_version`."""

        def work(conn: psycopg.Connection) -> Any:
            if version is None:
                return conn.execute(
                    _SELECT + " ORDER BY version DESC LIMIT 1"
                ).fetchone()
            return conn.execute(_SELECT + " WHERE version = %s", (version,)).fetchone()

        row = self.read(work)
        return _stored(row) if row else None

    def catalogue_history(self, limit: int = 50) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.catalogue_history`."""
        rows = self.read(
            lambda conn: conn.execute(
                _SELECT + " ORDER BY version DESC LIMIT %s", (max(0, limit),)
            ).fetchall()
        )
        return [_stored(r) for r in rows]

    def change_catalogue(
        self, edit: CatalogueEdit, audit: CatalogueAudit, keep_since: datetime
    ) -> list[StoredCatalogue]:
        """See :meth:`tools.ledger.protocol.LedgerStore.change_catalogue`."""

        def work(conn: psycopg.Connection) -> list[StoredCatalogue]:
            conn.execute("LOCK TABLE catalogue_versions IN EXCLUSIVE MODE")
            row = conn.execute(_SELECT + " ORDER BY version DESC LIMIT 1").fetchone()
            head = _stored(row) if row else None
            first = (head.version if head else 0) + 1
            stored = [_new(first + i, n) for i, n in enumerate(edit(head))]
            for s in stored:
                conn.execute(
                    f"INSERT INTO catalogue_versions ({_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (s.version, s.created_at, s.created_by, s.action, s.reason,
                     s.body, s.treatment_key, s.rolled_back_to),
                )  # fmt: skip
            insert_audit(conn, audit(stored), keep_since)
            return stored

        return self.run(work)


def _new(version: int, n: NewCatalogue) -> StoredCatalogue:
    return StoredCatalogue(
        version,
        n.created_at.isoformat(timespec="seconds"),
        n.created_by,
        n.action,
        n.reason,
        n.body,
        n.treatment_key,
        n.rolled_back_to,
    )
