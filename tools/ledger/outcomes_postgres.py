"""Outcomes in the PostgreSQL ledger: the verbs of :mod:`tools.ledger.outcomes_sqlite`.

The tables are made by the first outcome write (under an advisory lock, so
processes writing at once make them once): a server ledger made before outcomes
existed gains them; reads find no outcomes until then and never write. A write
locks the counts table (``SHARE ROW EXCLUSIVE``: a second outcome write waits,
readers go on) and the rows of the bookings it names (``FOR SHARE``: a concurrent
release waits) before it reads, then writes the outcomes and the counts in the same
transaction. Tables, rows and results are defined once for both backends
(:mod:`tools.ledger.tables`, :mod:`tools.ledger.outcomes_rows`, imported as
``shared``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import psycopg

from tools.ledger import outcomes_rows as shared
from tools.ledger.outcomes import (
    BookingFacts,
    CellCount,
    NewOutcome,
    OutcomeGroup,
    OutcomeWrite,
    StoredOutcome,
)
from tools.ledger.outcomes_write import plan_write
from tools.ledger.postgres_db import LedgerServer
from tools.ledger.postgres_schema import made
from tools.ledger.rows import POSTGRES
from tools.ledger.tables import outcome_tables

_CREATE_LOCK = 0x43564D4F  # "CVMO"
TABLES = (
    outcome_tables("postgres")
    + "INSERT INTO outcome_meta VALUES (1, 0) ON CONFLICT DO NOTHING;\n"
)


class PostgresOutcomes(LedgerServer):
    """The outcome verbs of the PostgreSQL ledger."""

    _outcome_tables = False  # seen made (they are never dropped: asked no more)

    def _tables_made(self) -> bool:
        """Whether the outcome tables are made; one round trip until they are.

        Reads never make the tables (a read-only server stays readable).
        """
        if not self._outcome_tables:
            self._outcome_tables = self.single(lambda conn: made(conn, "outcome_meta"))
        return self._outcome_tables

    def _rows(self, sql: str, params: Any = ()) -> list[Any]:
        """A read's rows; none while the outcome tables are not made yet."""
        if not self._tables_made():
            return []
        return self.read(lambda conn: conn.execute(sql, params).fetchall())

    def record_outcomes(self, outcomes: Sequence[NewOutcome]) -> OutcomeWrite:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.record_outcomes`."""
        ids = sorted({o.allocation_id for o in outcomes})

        def work(conn: psycopg.Connection) -> OutcomeWrite:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
            conn.execute(TABLES)  # made by the first write
            conn.execute("LOCK TABLE outcome_counts IN SHARE ROW EXCLUSIVE MODE")
            bookings = _bookings(conn, ids)
            existing = shared.by_booking(
                conn.execute(shared.SELECT + " WHERE allocation_id = ANY(%s)", (ids,))
            )
            plan = plan_write(outcomes, bookings, existing)
            if plan.replace:
                conn.execute(
                    "DELETE FROM outcomes WHERE allocation_id = ANY(%s)",
                    (plan.replace,),
                )
            with conn.cursor() as cur:
                with cur.copy(f"COPY outcomes ({shared.COLUMNS}) FROM STDIN") as copy:
                    for o, b in plan.insert:
                        copy.write_row(shared.new_row(o, b, POSTGRES))
                cur.executemany(
                    "INSERT INTO outcome_counts AS c VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (treatment_key, value_level, churn_level, fit) "
                    "DO UPDATE SET trials = c.trials + excluded.trials, "
                    "accepted = c.accepted + excluded.accepted",
                    shared.count_rows(plan, POSTGRES),
                )
            if plan.changed:
                conn.execute("UPDATE outcome_meta SET version = version + 1")
            row = conn.execute("SELECT version FROM outcome_meta").fetchone()
            return shared.written(plan, int(row[0]) if row else 0)

        return self.run(work)

    def outcome_bookings(
        self, allocation_ids: Collection[int]
    ) -> dict[int, BookingFacts]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_bookings`."""
        ids = sorted(set(allocation_ids))
        return self.read(lambda conn: _bookings(conn, ids, lock=False))

    def outcomes_version(self) -> int:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcomes_version`."""
        if not self._tables_made():
            return 0
        row = self.single(  # read on every use of the configuration: one statement
            lambda conn: conn.execute("SELECT version FROM outcome_meta").fetchone()
        )
        return int(row[0]) if row else 0

    def outcome_counts(self) -> list[CellCount]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_counts`."""
        return [shared.cell_count(r) for r in self._rows(shared.COUNTS)]

    def get_outcomes(self, allocation_ids: Collection[int]) -> list[StoredOutcome]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.get_outcomes`."""
        rows = self._rows(
            shared.SELECT + " WHERE allocation_id = ANY(%s) ORDER BY allocation_id",
            (sorted(set(allocation_ids)),),
        )
        return [shared.stored(r) for r in rows]

    def outcome_groups(
        self, since: date | None = None, until: date | None = None
    ) -> list[OutcomeGroup]:
        """See :meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_groups`."""
        rows = self._rows(
            shared.GROUPS
            + " WHERE (%(since)s::date IS NULL OR outcome_on >= %(since)s::date) "
            "AND (%(until)s::date IS NULL OR outcome_on <= %(until)s::date)"
            + shared.GROUP_BY,
            {"since": since, "until": until},
        )
        return [shared.group(r) for r in rows]


def _bookings(
    conn: psycopg.Connection, ids: list[int], lock: bool = True
) -> dict[int, BookingFacts]:
    plans: dict[int, str] = dict(
        conn.execute(
            shared.PLANS_OF + " WHERE allocation_id = ANY(%s)", (ids,)
        ).fetchall()
    )
    return shared.facts(
        conn.execute(
            shared.BOOKINGS
            + " WHERE id = ANY(%s) ORDER BY id"
            + (" FOR SHARE" if lock else ""),
            (ids,),
        ),
        plans,
    )
