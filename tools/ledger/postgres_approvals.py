"""Second-approval requests in the PostgreSQL ledger (table ``plan_approvals``).

The same verbs as :mod:`tools.ledger.sqlite_approvals`: recording a request takes
the plan's advisory lock first (so two processes asking at once record one
request; the partial unique index backs it), and settling locks the request's row
before its compare-and-set on the status, so two analysts approving at once settle
it once. Rows are built and read by :mod:`tools.ledger.approvals`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from tools.ledger import approvals
from tools.ledger.approvals import (
    ApprovalStatus,
    NewApprovalRequest,
    StoredApprovalRequest,
)
from tools.ledger.postgres_db import LedgerServer
from tools.ledger.rows import POSTGRES, stamp


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
                approvals.SELECT + " WHERE plan_id = %s AND status = 'pending'",
                (request.plan_id,),
            ).fetchone()
            if row is not None:
                return row
            return conn.execute(
                f"INSERT INTO plan_approvals ({approvals.NEW_COLUMNS}) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {approvals.COLUMNS}",
                approvals.new_row(request, POSTGRES),
            ).fetchone()

        return approvals.stored(self.run(work))

    def approval_requests(
        self, plan_id: str | None = None, pending_only: bool = True, limit: int = 50
    ) -> list[StoredApprovalRequest]:
        """See :meth:`tools.ledger.protocol.LedgerStore.approval_requests`."""
        rows = self.read(
            lambda conn: conn.execute(
                approvals.SELECT + " WHERE (%s::text IS NULL OR plan_id = %s) AND "
                "(NOT %s OR status = 'pending') ORDER BY request_id LIMIT %s",
                (plan_id, plan_id, pending_only, max(0, limit)),
            ).fetchall()
        )
        return [approvals.stored(r) for r in rows]

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

        def work(conn: psycopg.Connection) -> StoredApprovalRequest | None:
            row = conn.execute(
                approvals.SELECT + " WHERE request_id = %s FOR UPDATE", (request_id,)
            ).fetchone()
            old = approvals.stored(row) if row is not None else None
            if old is not None and old.status == expect:
                conn.execute(
                    "UPDATE plan_approvals SET status = %s, decided_by = %s, "
                    "decided_at = %s, note = %s WHERE request_id = %s",
                    (status, by, stamp(at), note, request_id),
                )
            return old

        return self.run(work)
