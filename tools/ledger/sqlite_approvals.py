"""Second-approval requests in the SQLite ledger (table ``plan_approvals``).

Each verb is one transaction under SQLite's write lock: recording a request reads
the plan's pending one first (a partial unique index allows one), and settling is
a compare-and-set on the status, so two analysts approving at once settle it once.
Rows are built and read by :mod:`tools.ledger.approvals`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tools.ledger.rows import SQLITE, stamp
from tools.ledger.sqlite_file import LedgerFile

if TYPE_CHECKING:  # (the rows: imported by the first approval verb a process runs)
    from tools.ledger.approvals import (
        ApprovalStatus,
        NewApprovalRequest,
        StoredApprovalRequest,
    )


class ApprovalTables(LedgerFile):
    """The second-approval verbs of the SQLite ledger."""

    def request_approval(self, request: NewApprovalRequest) -> StoredApprovalRequest:
        """See :meth:`tools.ledger.protocol.LedgerStore.request_approval`."""
        from tools.ledger import approvals

        with self.transaction() as conn:
            row = conn.execute(
                approvals.SELECT + " WHERE plan_id = ? AND status = 'pending'",
                (request.plan_id,),
            ).fetchone()
            if row is None:
                conn.execute(
                    f"INSERT INTO plan_approvals ({approvals.NEW_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    approvals.new_row(request, SQLITE),
                )
                row = conn.execute(
                    approvals.SELECT + " WHERE request_id = last_insert_rowid()"
                ).fetchone()
        return approvals.stored(row)

    def approval_requests(
        self, plan_id: str | None = None, pending_only: bool = True, limit: int = 50
    ) -> list[StoredApprovalRequest]:
        """See :meth:`tools.ledger.protocol.LedgerStore.approval_requests`."""
        from tools.ledger import approvals

        with self.connection() as conn:
            rows = conn.execute(
                approvals.SELECT + " WHERE (? IS NULL OR plan_id = ?) AND (? = 0 OR "
                "status = 'pending') ORDER BY request_id LIMIT ?",
                (plan_id, plan_id, int(pending_only), max(0, limit)),
            ).fetchall()
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
        from tools.ledger import approvals

        with self.transaction() as conn:
            row = conn.execute(
                approvals.SELECT + " WHERE request_id = ?", (request_id,)
            ).fetchone()
            old = approvals.stored(row) if row is not None else None
            if old is not None and old.status == expect:
                conn.execute(
                    "UPDATE plan_approvals SET status = ?, decided_by = ?, "
                    "decided_at = ?, note = ? WHERE request_id = ?",
                    (status, by, stamp(at), note, request_id),
                )
        return old
