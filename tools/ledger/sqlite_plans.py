"""Plans in the SQLite ledger, next to the bookings they lead to.

``plans`` holds one JSON document per plan (and whether its limits are
hypothetical), ``plan_rows`` its assignment, one row per customer, with the booking
each row led to. Living in the ledger file lets a plan's bookings and the marks that
make booking it idempotent commit in the same transaction
(:meth:`tools.ledger.sqlite.SQLiteLedger.book`). Rows are built and read by
:mod:`tools.ledger.rows`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tools.ledger.model import NewPlan, PlanHeader, PlanRow, StoredPlan
from tools.ledger.rows import (
    NEW_PLAN_COLUMNS,
    NEW_PLAN_ROW_COLUMNS,
    PLAN,
    PLAN_HEADER,
    PLAN_ROWS,
    SQLITE,
    plan_header,
    plan_id,
    plan_row,
    plan_row_values,
    stored_plan,
    stored_plan_row,
)
from tools.ledger.sqlite_file import LedgerFile


class PlanTables(LedgerFile):
    """The plan verbs of the SQLite ledger."""

    def save_plan(self, plan: NewPlan) -> str:
        """See :meth:`tools.ledger.protocol.LedgerStore.save_plan`."""
        with self.transaction() as conn:
            n = conn.execute(
                "SELECT COUNT(*) FROM plans WHERE day = ?", (plan.day.isoformat(),)
            ).fetchone()[0]
            new_id = plan_id(plan.day, n)
            conn.execute(
                f"INSERT INTO plans ({NEW_PLAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                plan_row(plan, new_id, SQLITE),
            )
            conn.executemany(
                f"INSERT INTO plan_rows ({NEW_PLAN_ROW_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                plan_row_values(plan, new_id, SQLITE),
            )
        return new_id

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_plan`."""
        with self.connection() as conn:
            row = conn.execute(PLAN + " WHERE plan_id = ?", (plan_id,)).fetchone()
        return stored_plan(row) if row else None

    def latest_plan(self) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.latest_plan`."""
        with self.connection() as conn:
            row = conn.execute(
                PLAN + " ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return stored_plan(row) if row else None

    def plan_rows(self, plan_id: str) -> list[PlanRow]:
        """See :meth:`tools.ledger.protocol.LedgerStore.plan_rows`."""
        with self.connection() as conn:
            found = conn.execute(
                PLAN_ROWS + " WHERE plan_id = ? ORDER BY high_value, seq", (plan_id,)
            ).fetchall()
        return [stored_plan_row(r) for r in found]

    def revise_plan(self, plan_id: str, revise: Callable[[str], str]) -> bool:
        """See :meth:`tools.ledger.protocol.LedgerStore.revise_plan`."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT body FROM plans WHERE plan_id = ?", (plan_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE plans SET body = ? WHERE plan_id = ?", (revise(row[0]), plan_id)
            )
        return True

    def _plan_header(self, conn: sqlite3.Connection, plan_id: str) -> PlanHeader | None:
        row = conn.execute(PLAN_HEADER + " WHERE plan_id = ?", (plan_id,)).fetchone()
        return plan_header(row) if row else None
