"""Second-approval requests in the SQLite ledger (table ``plan_approvals``).

Each verb is one transaction under SQLite's write lock: recording a request reads
the plan's pending one first (a partial unique index allows one), and settling is
a compare-and-set on the status, so two analysts approving at once settle it once.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from tools.ledger.approvals import (
    ApprovalStatus,
    NewApprovalRequest,
    StoredApprovalRequest,
)
from tools.ledger.sqlite_file import LedgerFile

_COLUMNS = (
    "request_id, plan_id, day, requested_by, requested_at, contacts, spend, reason, "
    "status, decided_by, decided_at, note"
)
_SELECT = f"SELECT {_COLUMNS} FROM plan_approvals"


def _stored(row: sqlite3.Row) -> StoredApprovalRequest:
    return StoredApprovalRequest(
        request_id=int(row[0]),
        plan_id=row[1],
        day=date.fromisoformat(row[2]),
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


class ApprovalTables(LedgerFile):
    """The second-approval verbs of the SQLite ledger."""

    def request_approval(self, request: NewApprovalRequest) -> StoredApprovalRequest:
        """See :meth:`tools.ledger.protocol.LedgerStore.request_approval`."""
        with self.transaction() as conn:
            row = conn.execute(
                _SELECT + " WHERE plan_id = ? AND status = 'pending'",
                (request.plan_id,),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO plan_approvals (plan_id, day, requested_by, "
                    "requested_at, contacts, spend, reason) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        request.plan_id,
                        request.day.isoformat(),
                        request.requested_by,
                        request.requested_at.isoformat(timespec="seconds"),
                        request.contacts,
                        request.spend,
                        request.reason,
                    ),
                )
                row = conn.execute(
                    _SELECT + " WHERE request_id = last_insert_rowid()"
                ).fetchone()
        return _stored(row)

    def approval_requests(
        self, plan_id: str | None = None, pending_only: bool = True, limit: int = 50
    ) -> list[StoredApprovalRequest]:
        """See :meth:`tools.ledger.protocol.LedgerStore.approval_requests`."""
        with self.connection() as conn:
            rows = conn.execute(
                _SELECT + " WHERE (? IS NULL OR plan_id = ?) AND (? = 0 OR "
                "status = 'pending') ORDER BY request_id LIMIT ?",
                (plan_id, plan_id, int(pending_only), max(0, limit)),
            ).fetchall()
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
        with self.transaction() as conn:
            row = conn.execute(
                _SELECT + " WHERE request_id = ?", (request_id,)
            ).fetchone()
            if row is not None and row["status"] == expect:
                conn.execute(
                    "UPDATE plan_approvals SET status = ?, decided_by = ?, "
                    "decided_at = ?, note = ? WHERE request_id = ? AND status = ?",
                    (
                        status,
                        by,
                        at.isoformat(timespec="seconds"),
                        note,
                        request_id,
                        expect,
                    ),
                )
        return _stored(row) if row is not None else None
