"""Outcomes in the SQLite ledger (tables ``outcomes``, ``outcome_counts``, ``meta``).

The tables are made by the first outcome write (``CREATE ... IF NOT EXISTS`` in its
transaction): a ledger file of any earlier version gains them without a schema
migration of the bookings; reads find no outcomes until then. A write reads the
bookings and earlier outcomes it touches and writes the outcomes and the counts in
one transaction (SQLite's write lock from the first read): a concurrent release or
a second import waits. Tables, rows and results are defined once for both backends
(:mod:`tools.ledger.tables`, :mod:`tools.ledger.outcomes_rows`, imported as
``shared``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tools.ledger.rows import SQLITE
from tools.ledger.sqlite_file import LedgerFile
from tools.ledger.tables import outcome_tables

if TYPE_CHECKING:
    from tools.ledger.outcomes import (
        BookingFacts,
        CellCount,
        NewOutcome,
        OutcomeGroup,
        OutcomeWrite,
        StoredOutcome,
    )

TABLES = outcome_tables("sqlite")
_IDS = "(SELECT value FROM json_each(?))"


def _shared() -> ModuleType:
    """The rows and results shared with PostgreSQL (:mod:`tools.ledger.outcomes_rows`).

    Loaded by the first verb that reads or writes outcomes: a process that only
    checks their version, as a question about one customer does, never loads them.
    """
    from tools.ledger import outcomes_rows

    return outcomes_rows


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
        from tools.ledger.outcomes_write import plan_write

        shared = _shared()
        ids = json.dumps(sorted({o.allocation_id for o in outcomes}))
        with self.transaction() as conn:
            for statement in TABLES.split(";"):  # made by the first write
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO outcome_meta VALUES (1, 0)")
            bookings = _bookings(conn, ids)
            existing = shared.by_booking(
                conn.execute(f"{shared.SELECT} WHERE allocation_id IN {_IDS}", (ids,))
            )
            plan = plan_write(outcomes, bookings, existing)
            if plan.replace:
                conn.execute(
                    f"DELETE FROM outcomes WHERE allocation_id IN {_IDS}",
                    (json.dumps(plan.replace),),
                )
            conn.executemany(
                f"INSERT INTO outcomes ({shared.COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (shared.new_row(o, b, SQLITE) for o, b in plan.insert),
            )
            conn.executemany(
                "INSERT INTO outcome_counts VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET trials = trials + excluded.trials, "
                "accepted = accepted + excluded.accepted",
                shared.count_rows(plan, SQLITE),
            )
            if plan.changed:
                conn.execute("UPDATE outcome_meta SET version = version + 1")
            row = conn.execute("SELECT version FROM outcome_meta").fetchone()
        return shared.written(plan, int(row[0]))

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
        shared = _shared()
        return [shared.cell_count(r) for r in self._rows(shared.COUNTS)]

    def get_outcomes(self, allocation_ids: Collection[int]) -> list[StoredOutcome]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.get_outcomes`."""
        shared = _shared()
        rows = self._rows(
            f"{shared.SELECT} WHERE allocation_id IN {_IDS} ORDER BY allocation_id",
            (json.dumps(sorted(set(allocation_ids))),),
        )
        return [shared.stored(r) for r in rows]

    def outcome_groups(
        self, since: date | None = None, until: date | None = None
    ) -> list[OutcomeGroup]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_groups`."""
        shared = _shared()
        rows = self._rows(
            shared.GROUPS + " WHERE (? IS NULL OR outcome_on >= ?) "
            "AND (? IS NULL OR outcome_on <= ?)" + shared.GROUP_BY,
            (*(_iso(since),) * 2, *(_iso(until),) * 2),
        )
        return [shared.group(r) for r in rows]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _bookings(conn: sqlite3.Connection, ids: str) -> dict[int, BookingFacts]:
    shared = _shared()
    plans = dict(
        conn.execute(
            f"{shared.PLANS_OF} WHERE allocation_id IN {_IDS}", (ids,)
        ).fetchall()
    )
    return shared.facts(
        conn.execute(f"{shared.BOOKINGS} WHERE id IN {_IDS}", (ids,)), plans
    )
