"""Outcomes in the SQLite ledger (tables ``outcomes``, ``outcome_counts``, ``meta``).

The tables are made by the first outcome write (``CREATE ... IF NOT EXISTS`` in its
transaction): a ledger file of any earlier version gains them without a schema
migration of the bookings; reads find no outcomes until then. A write reads the
bookings and earlier outcomes it touches and writes the outcomes and the counts in
one transaction (SQLite's write lock from the first read): a concurrent release or
a second import waits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from tools.ledger.outcomes import (
    BookingFacts,
    Cell,
    CellCount,
    NewOutcome,
    OutcomeGroup,
    OutcomeWrite,
    StoredOutcome,
)
from tools.ledger.outcomes_write import plan_write
from tools.ledger.sqlite_file import LedgerFile

TABLES = """
CREATE TABLE IF NOT EXISTS outcomes (
    allocation_id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    booked_day TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('accepted', 'declined', 'no_response', 'unreachable')),
    outcome_on TEXT NOT NULL,
    value REAL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    value_level INTEGER NOT NULL,
    churn_level INTEGER NOT NULL,
    fit INTEGER NOT NULL,
    p_expected REAL NOT NULL,
    plan_id TEXT
);
CREATE INDEX IF NOT EXISTS outcomes_by_day ON outcomes (outcome_on);
CREATE TABLE IF NOT EXISTS outcome_counts (
    treatment_key TEXT NOT NULL,
    value_level INTEGER NOT NULL,
    churn_level INTEGER NOT NULL,
    fit INTEGER NOT NULL,
    trials INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (treatment_key, value_level, churn_level, fit)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outcome_meta (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    version INTEGER NOT NULL
);
"""
COLUMNS = (
    "allocation_id, customer_id, treatment_key, channel, booked_day, status, "
    "outcome_on, value, recorded_at, recorded_by, value_level, churn_level, fit, "
    "p_expected, plan_id"
)
_IDS = "(SELECT value FROM json_each(?))"


def stored(row: Any) -> StoredOutcome:
    """An ``outcomes`` row (in :data:`COLUMNS` order) as a typed value."""
    return StoredOutcome(
        allocation_id=int(row[0]),
        customer_id=row[1],
        treatment_key=row[2],
        channel=row[3],
        booked_day=_day(row[4]),
        status=row[5],
        on=_day(row[6]),
        value=None if row[7] is None else float(row[7]),
        recorded_at=row[8],
        recorded_by=row[9],
        cell=Cell(row[2], int(row[10]), int(row[11]), bool(row[12])),
        p_expected=float(row[13]),
        plan_id=row[14],
    )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class OutcomeTables(LedgerFile):
    """The outcome verbs of the SQLite ledger."""

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """A read's rows; none while the outcome tables are not made yet.

        Reads never make the tables (a read-only ledger stays readable, and a file
        put in place under the process, by a restore, is read as it is).
        """
        with self.connection() as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                raise

    def record_outcomes(self, outcomes: Sequence[NewOutcome]) -> OutcomeWrite:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.record_outcomes`."""
        ids = json.dumps(sorted({o.allocation_id for o in outcomes}))
        with self.transaction() as conn:
            for statement in TABLES.split(";"):  # made by the first write
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO outcome_meta VALUES (1, 0)")
            bookings = _bookings(conn, ids)
            existing = {
                o.allocation_id: o
                for o in map(
                    stored,
                    conn.execute(
                        f"SELECT {COLUMNS} FROM outcomes WHERE allocation_id IN {_IDS}",
                        (ids,),
                    ),
                )
            }
            plan = plan_write(outcomes, bookings, existing)
            if plan.replace:
                conn.execute(
                    f"DELETE FROM outcomes WHERE allocation_id IN {_IDS}",
                    (json.dumps(plan.replace),),
                )
            conn.executemany(
                f"INSERT INTO outcomes ({COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_row(o, b) for o, b in plan.insert),
            )
            conn.executemany(
                "INSERT INTO outcome_counts VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET trials = trials + excluded.trials, "
                "accepted = accepted + excluded.accepted",
                plan.count_rows(),
            )
            if plan.changed:
                conn.execute("UPDATE outcome_meta SET version = version + 1")
            row = conn.execute("SELECT version FROM outcome_meta").fetchone()
        return OutcomeWrite(
            recorded=len(plan.insert) - len(plan.replace),
            replaced=len(plan.replace),
            unchanged=plan.unchanged,
            version=int(row[0]),
        )

    def outcome_bookings(
        self, allocation_ids: Collection[int]
    ) -> dict[int, BookingFacts]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_bookings`."""
        with self.connection() as conn:
            return _bookings(conn, json.dumps(sorted(set(allocation_ids))))

    def outcomes_version(self) -> int:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcomes_version`."""
        rows = self._rows("SELECT version FROM outcome_meta")
        return int(rows[0][0]) if rows else 0

    def outcome_counts(self) -> list[CellCount]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_counts`."""
        rows = self._rows(
            "SELECT treatment_key, value_level, churn_level, fit, trials, "
            "accepted FROM outcome_counts WHERE trials > 0"
        )
        return [
            CellCount(Cell(r[0], int(r[1]), int(r[2]), bool(r[3])), r[4], r[5])
            for r in rows
        ]

    def get_outcomes(self, allocation_ids: Collection[int]) -> list[StoredOutcome]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.get_outcomes`."""
        rows = self._rows(
            f"SELECT {COLUMNS} FROM outcomes WHERE allocation_id IN {_IDS} "
            "ORDER BY allocation_id",
            (json.dumps(sorted(set(allocation_ids))),),
        )
        return [stored(r) for r in rows]

    def outcome_groups(
        self, since: date | None = None, until: date | None = None
    ) -> list[OutcomeGroup]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_groups`."""
        rows = self._rows(
            "SELECT treatment_key, channel, value_level, churn_level, plan_id, "
            "status, COUNT(*), COALESCE(SUM(value), 0), COUNT(value), "
            "SUM(p_expected) FROM outcomes "
            "WHERE (? IS NULL OR outcome_on >= ?) "
            "AND (? IS NULL OR outcome_on <= ?) GROUP BY 1, 2, 3, 4, 5, 6",
            (*(_iso(since),) * 2, *(_iso(until),) * 2),
        )
        return [group(r) for r in rows]


def group(r: Any) -> OutcomeGroup:
    """An aggregate row (see ``outcome_groups``) as a typed value."""
    return OutcomeGroup(
        treatment_key=r[0],
        channel=r[1],
        value_level=int(r[2]),
        churn_level=int(r[3]),
        plan_id=r[4],
        status=r[5],
        count=int(r[6]),
        value=float(r[7]),
        valued=int(r[8]),
        p_expected=float(r[9]),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _bookings(conn: sqlite3.Connection, ids: str) -> dict[int, BookingFacts]:
    plans = dict(
        conn.execute(
            "SELECT allocation_id, plan_id FROM plan_rows "
            f"WHERE allocation_id IN {_IDS}",
            (ids,),
        ).fetchall()
    )
    return {
        int(r[0]): BookingFacts(r[1], r[2], r[3], _day(r[4]), r[5], plans.get(r[0]))
        for r in conn.execute(
            "SELECT id, customer_id, treatment_key, channel, day, status "
            f"FROM allocations WHERE id IN {_IDS}",
            (ids,),
        )
    }


def _row(o: NewOutcome, b: BookingFacts) -> tuple[Any, ...]:
    return (
        o.allocation_id,
        o.customer_id,
        o.treatment_key,
        b.channel,
        b.day.isoformat(),
        o.status,
        o.on.isoformat(),
        o.value,
        o.recorded_at,
        o.recorded_by,
        o.cell.value_level,
        o.cell.churn_level,
        int(o.cell.fit),
        o.p_expected,
        b.plan_id,
    )
