"""Plans kept in the ledger database, next to the bookings they lead to.

Two tables: ``plans`` (one JSON document per plan) and ``plan_rows`` (its
assignment, one row per customer, with the booking each row led to). Living in the
ledger file lets a plan's bookings and the marks that make booking idempotent commit
in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from tools.errors import ToolInputError
from tools.ledger import Ledger
from tools.planning.model import Plan

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    day TEXT NOT NULL,
    parent_id TEXT,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_rows (
    plan_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    expected_value REAL NOT NULL,
    cost REAL NOT NULL,
    high_value INTEGER NOT NULL,
    allocation_id INTEGER,
    outcome TEXT,
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class PlanRow:
    """One planned booking."""

    seq: int
    customer_id: str
    treatment_key: str
    expected_value: float
    cost: float
    high_value: bool
    allocation_id: int | None
    outcome: str | None


class PlanStore:
    """Plans of one ledger.

    Args:
        ledger: The ledger whose database holds the plans.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        with ledger.connection() as conn:
            conn.executescript(_SCHEMA)

    def next_id(self, conn: sqlite3.Connection, day: date) -> str:
        """A new plan id for ``day`` (``P20240306-3``), inside a write transaction."""
        n = conn.execute("SELECT COUNT(*) FROM plans WHERE day = ?", (day.isoformat(),))
        return f"P{day:%Y%m%d}-{n.fetchone()[0] + 1}"

    def save(self, plan: Plan, rows: list[tuple[str, str, float, float, bool]]) -> Plan:
        """Store a plan (its id is assigned here) and its assignment rows."""
        with self.ledger.write() as conn:
            plan = plan.model_copy(update={"plan_id": self.next_id(conn, plan.day)})
            conn.execute(
                "INSERT INTO plans (plan_id, created_at, day, parent_id, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    plan.plan_id,
                    plan.created_at.isoformat(timespec="seconds"),
                    plan.day.isoformat(),
                    plan.parent_id,
                    plan.model_dump_json(),
                ),
            )
            conn.executemany(
                "INSERT INTO plan_rows (plan_id, seq, customer_id, treatment_key, "
                "expected_value, cost, high_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (plan.plan_id, i, c, t, ev, cost, int(hv))
                    for i, (c, t, ev, cost, hv) in enumerate(rows)
                ),
            )
        return plan

    def get(self, plan_id: str) -> Plan:
        """A stored plan; ``ToolInputError`` if there is none by that id."""
        with self.ledger.connection() as conn:
            row = conn.execute(
                "SELECT body FROM plans WHERE plan_id = ?", (plan_id.strip(),)
            ).fetchone()
        if row is None:
            raise ToolInputError(f"There is no plan {plan_id!r}.")
        return Plan.model_validate_json(row[0])

    def latest(self) -> Plan | None:
        """The most recent plan, if any."""
        with self.ledger.connection() as conn:
            row = conn.execute(
                "SELECT body FROM plans ORDER BY created_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return Plan.model_validate_json(row[0]) if row else None

    def rows(
        self, plan_id: str, conn: sqlite3.Connection | None = None
    ) -> list[PlanRow]:
        """A plan's assignment rows in booking order (standard customers first)."""
        sql = (
            "SELECT seq, customer_id, treatment_key, expected_value, cost, high_value, "
            "allocation_id, outcome FROM plan_rows WHERE plan_id = ? "
            "ORDER BY high_value, seq"
        )
        if conn is not None:
            found = conn.execute(sql, (plan_id,)).fetchall()
        else:
            with self.ledger.connection() as own:
                found = own.execute(sql, (plan_id,)).fetchall()
        return [
            PlanRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in found
        ]

    def iter_rows(self, plan_id: str) -> Iterator[PlanRow]:
        """The rows, one by one (for exports)."""
        yield from self.rows(plan_id)
