"""Plans in the SQLite ledger, next to the bookings they lead to.

``plans`` holds one JSON document per plan (and whether its limits are
hypothetical), ``plan_rows`` its assignment, one row per customer, with the booking
each row led to. Living in the ledger file lets a plan's bookings and the marks that
make booking it idempotent commit in the same transaction
(:meth:`tools.ledger.sqlite.SQLiteLedger.book`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date

from tools.ledger.model import NewPlan, PlanHeader, PlanRow, StoredPlan
from tools.ledger.sqlite_file import LedgerFile

_PLAN = "SELECT plan_id, day, hypothetical, parent_id, created_at, body FROM plans"


def _stored(row: sqlite3.Row) -> StoredPlan:
    return StoredPlan(
        header=PlanHeader(
            plan_id=row[0],
            day=date.fromisoformat(row[1]),
            hypothetical=bool(row[2]),
            parent_id=row[3],
        ),
        created_at=row[4],
        body=row[5],
    )


class PlanTables(LedgerFile):
    """The plan verbs of the SQLite ledger."""

    def save_plan(self, plan: NewPlan) -> str:
        """See :meth:`tools.ledger.protocol.LedgerStore.save_plan`."""
        with self.transaction() as conn:
            n = conn.execute(
                "SELECT COUNT(*) FROM plans WHERE day = ?", (plan.day.isoformat(),)
            ).fetchone()[0]
            plan_id = f"P{plan.day:%Y%m%d}-{n + 1}"
            conn.execute(
                "INSERT INTO plans (plan_id, created_at, day, parent_id, body, "
                "hypothetical) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    plan_id,
                    plan.created_at.isoformat(timespec="seconds"),
                    plan.day.isoformat(),
                    plan.parent_id,
                    plan.body(plan_id),
                    int(plan.hypothetical),
                ),
            )
            conn.executemany(
                "INSERT INTO plan_rows (plan_id, seq, customer_id, treatment_key, "
                "expected_value, cost, high_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (plan_id, i, c, t, ev, cost, int(hv))
                    for i, (c, t, ev, cost, hv) in enumerate(plan.rows)
                ),
            )
        return plan_id

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_plan`."""
        with self.connection() as conn:
            row = conn.execute(_PLAN + " WHERE plan_id = ?", (plan_id,)).fetchone()
        return _stored(row) if row else None

    def latest_plan(self) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.latest_plan`."""
        with self.connection() as conn:
            row = conn.execute(
                _PLAN + " ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return _stored(row) if row else None

    def plan_rows(self, plan_id: str) -> list[PlanRow]:
        """See :meth:`tools.ledger.protocol.LedgerStore.plan_rows`."""
        with self.connection() as conn:
            found = conn.execute(
                "SELECT seq, customer_id, treatment_key, expected_value, cost, "
                "high_value, allocation_id, outcome FROM plan_rows WHERE plan_id = ? "
                "ORDER BY high_value, seq",
                (plan_id,),
            ).fetchall()
        return [
            PlanRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in found
        ]

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
        row = conn.execute(_PLAN + " WHERE plan_id = ?", (plan_id,)).fetchone()
        return _stored(row).header if row else None
