"""Second-approval requests in the PostgreSQL ledger (table ``plan_approvals``).

The same verbs as :mod:`tools.ledger.sqlite_approvals`: recording a request takes
the plan's advisory lock first (so two processes asking at once record one
request; the partial unique index backs it), and settling is one conditional
``UPDATE`` (a compare-and-set on the status), so two analysts approving at once
settle it once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from tools.ledger.approvals import (
    ApprovalStatus,
    NewApprovalRequest,
    StoredApprovalRequest,
)
from tools.ledger.postgres_db import LedgerServer

_COLUMNS = (
    "request_id, plan_id, day, requested_by, requested_at, contacts, spend, reason, "
    "status, decided_by, decided_at, note"
)
_SELECT = f"SELECT {_COLUMNS} FROM plan_approvals"


def _stored(row: Any) -> StoredApprovalRequest:
    return StoredApprovalRequest(
        request_id=int(row[0]),
        plan_id=row[1],
        day=row[2],
        requested_by=row[3],
        requested_at=row[4],
        contacts=int(row[5]),
        spend=float(row[6]),
        reason=row[7],
        status=row[8],
        decided_by=row[9],
        decided_at=row[10],
        note=row[11],
    )


class PostgresApprovals(LedgerServer):
    """The second-approval verbs of the PostgreSQL ledger."""

    def request_approval(self, request: NewApprovalRequest) -> StoredApprovalRequest:
        """See :meth:`tools.ledger.protocol.LedgerStore.request_approval`."""

        def work(conn: psycopg.Connection) -> Any:
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 1))",
                (request.plan_id,),
            )
            row = conn.execute(
                _SELECT + " WHERE plan_id = %s AND status = 'pending'",
                (request.plan_id,),
            ).fetchone()
            if row is not None:
                return row
            return conn.execute(
                "INSERT INTO plan_approvals (plan_id, day, requested_by, "
                "requested_at, contacts, spend, reason) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (
                    request.plan_id,
                    request.day,
                    request.requested_by,
                    request.requested_at.isoformat(timespec="seconds"),
                    request.contacts,
                    request.spend,
                    request.reason,
                ),
            ).fetchone()

        return _stored(self.run(work))

    def approval_requests(
        self, plan_id: str | None = None, pending_only: bool = True, limit: int = 50
    ) -> list[StoredApprovalRequest]:
        """See :meth:`tools.ledger.protocol.LedgerStore.approval_requests`."""
        rows = self.read(
            lambda conn: conn.execute(
                _SELECT + " WHERE (%s::text IS NULL OR plan_id = %s) AND "
                "(NOT %s OR status = 'pending') ORDER BY request_id LIMIT %s",
                (plan_id, plan_id, pending_only, max(0, limit)),
            ).fetchall()
        )
        return [_stored(r) for r in rows]

    def settle_approval(
        self,
        request_id: int,
        status: ApprovalStatus,
        by: str | None,
        at: datetime,
        note: str = "",
        expect: ApprovalStatus = "pending",
    ) -> StoredApprovalRequest | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.settle_approval`."""

        def work(conn: psycopg.Connection) -> Any:
            row = conn.execute(
                _SELECT + " WHERE request_id = %s FOR UPDATE", (request_id,)
            ).fetchone()
            if row is not None and row[8] == expect:
                conn.execute(
                    "UPDATE plan_approvals SET status = %s, decided_by = %s, "
                    "decided_at = %s, note = %s WHERE request_id = %s",
                    (status, by, at.isoformat(timespec="seconds"), note, request_id),
                )
            return row

        row = self.run(work)
        return _stored(row) if row is not None else None
