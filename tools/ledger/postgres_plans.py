"""Plans in the PostgreSQL ledger: the verbs of :mod:`tools.ledger.sqlite_plans`.

Saving a plan takes an advisory lock on its day first, so two processes saving
plans of one day at once number them one after the other (``P<yyyymmdd>-<n>``);
its rows go in by ``COPY``. Rows are built and read by :mod:`tools.ledger.rows`.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from tools.ledger.model import NewPlan, PlanRow, StoredPlan
from tools.ledger.postgres_db import LedgerServer
from tools.ledger.rows import (
    NEW_PLAN_COLUMNS,
    NEW_PLAN_ROW_COLUMNS,
    PLAN,
    PLAN_ROWS,
    POSTGRES,
    plan_id,
    plan_row,
    plan_row_values,
    stored_plan,
    stored_plan_row,
)


class PostgresPlans(LedgerServer):
    """The plan verbs of the PostgreSQL ledger."""

    def save_plan(self, plan: NewPlan) -> str:
        """See :meth:`tools.ledger.protocol.LedgerStore.save_plan`."""

        def work(conn: psycopg.Connection) -> str:
            conn.execute(  # one numbering of the day's plans at a time
                "SELECT pg_advisory_xact_lock(hashtextextended('plans' || %s, 0))",
                (plan.day.isoformat(),),
            )
            found = conn.execute(
                "SELECT COUNT(*) FROM plans WHERE day = %s", (plan.day,)
            ).fetchone()
            new_id = plan_id(plan.day, found[0] if found else 0)
            conn.execute(
                f"INSERT INTO plans ({NEW_PLAN_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                plan_row(plan, new_id, POSTGRES),
            )
            if plan.rows:
                with conn.cursor().copy(
                    f"COPY plan_rows ({NEW_PLAN_ROW_COLUMNS}) FROM STDIN"
                ) as copy:
                    for values in plan_row_values(plan, new_id, POSTGRES):
                        copy.write_row(values)
            return new_id

        return self.run(work)

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_plan`."""
        row = self.run(
            lambda c: c.execute(PLAN + " WHERE plan_id = %s", (plan_id,)).fetchone()
        )
        return stored_plan(row) if row else None

    def latest_plan(self) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.latest_plan`."""
        row = self.run(
            lambda c: c.execute(
                PLAN + " ORDER BY created_at DESC, n DESC LIMIT 1"
            ).fetchone()
        )
        return stored_plan(row) if row else None

    def plan_rows(self, plan_id: str) -> list[PlanRow]:
        """See :meth:`tools.ledger.protocol.LedgerStore.plan_rows`."""
        found = self.run(
            lambda c: c.execute(
                PLAN_ROWS + " WHERE plan_id = %s ORDER BY high_value, seq", (plan_id,)
            ).fetchall()
        )
        return [stored_plan_row(r) for r in found]

    def revise_plan(self, plan_id: str, revise: Callable[[str], str]) -> bool:
        """See :meth:`tools.ledger.protocol.LedgerStore.revise_plan`."""

        def work(conn: psycopg.Connection) -> bool:
            row = conn.execute(
                "SELECT body FROM plans WHERE plan_id = %s FOR UPDATE", (plan_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE plans SET body = %s WHERE plan_id = %s",
                (revise(row[0]), plan_id),
            )
            return True

        return self.run(work)
