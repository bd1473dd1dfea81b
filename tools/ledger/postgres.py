"""The ledger store on a PostgreSQL server: shared by processes on several machines.

Selected by ``CVM_LEDGER_URL=postgresql://...`` (:func:`tools.ledger.open_ledger`);
needs the optional extra ``cvm-assistant[postgres]`` (psycopg). Bookings and the
day's counters here (the booking transaction's locks and statements in
:mod:`tools.ledger.postgres_booking`); plans, audit records and care in
:mod:`tools.ledger.postgres_care`; second approvals in
:mod:`tools.ledger.postgres_approvals`; connections and faults in
:mod:`tools.ledger.postgres_db`; tables in :mod:`tools.ledger.postgres_schema`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from pydantic import ValidationError

from tools.eligibility import Booking, RuleVerdict
from tools.ledger.model import (
    BookingPage,
    BookingQuery,
    BookingScope,
    DayState,
    Judge,
    StoredBooking,
)
from tools.ledger.outcomes_postgres import PostgresOutcomes
from tools.ledger.postgres_approvals import PostgresApprovals
from tools.ledger.postgres_booking import (
    CUSTOMER_HISTORY,
    HISTORY,
    RULES,
    booking_transaction,
    by_customer,
    stamp,
)
from tools.ledger.postgres_care import PostgresCare
from tools.ledger.postgres_catalogue import PostgresCatalogue
from tools.ledger.postgres_one import applies, book_at_once

COLUMNS = (
    "id, customer_id, treatment_key, channel, purpose, day, created_at, "
    "approved_by, cost, high_value, status, rules, overrides, released_at, "
    "released_by, catalogue_version"
)


def _rules(text: str) -> tuple[RuleVerdict, ...]:
    """Stored verdicts (a rule id this release does not know is kept as stored)."""
    try:
        return RULES.validate_json(text)
    except ValidationError:
        return tuple(RuleVerdict.model_construct(**v) for v in json.loads(text))


def booking(row: Sequence[Any]) -> StoredBooking:
    """A booking from a row of :data:`COLUMNS`."""
    return StoredBooking(
        allocation_id=row[0],
        customer_id=row[1],
        treatment_key=row[2],
        channel=row[3],
        purpose=row[4],
        day=row[5],
        created_at=row[6],
        approved_by=row[7],
        cost=row[8],
        high_value=bool(row[9]),
        status=row[10],
        rules=_rules(row[11]),
        overrides=tuple(json.loads(row[12])),
        released_at=row[13],
        released_by=row[14],
        catalogue_version=row[15],
    )


class PostgresLedger(
    PostgresCare, PostgresCatalogue, PostgresApprovals, PostgresOutcomes
):
    """The ledger store on a PostgreSQL server (see :class:`LedgerServer`)."""

    # --- the booking transaction --------------------------------------------------

    def book(self, scope: BookingScope, judge: Judge) -> list[int]:
        """See :meth:`tools.ledger.protocol.LedgerStore.book`.

        One customer and one treatment: judged on a snapshot and booked by one
        statement if the state is unchanged under the locks
        (:mod:`tools.ledger.postgres_one`); otherwise, and for a plan's chunk,
        the locked transaction (:func:`booking_transaction`).
        """
        if applies(scope):
            done = self.single(lambda conn: book_at_once(conn, scope, judge))
            if done is not None:
                return done
        return self.run(
            lambda conn: booking_transaction(conn, scope, judge), pipelined=True
        ).ids

    # --- bookings -------------------------------------------------------------------

    def release(
        self, allocation_id: int, at: datetime, by: str
    ) -> StoredBooking | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.release`."""

        def work(conn: psycopg.Connection) -> StoredBooking | None:
            row = conn.execute(
                f"SELECT {COLUMNS} FROM allocations WHERE id = %s FOR UPDATE",
                (allocation_id,),
            ).fetchone()
            if row is not None and row[10] == "active":
                conn.execute(
                    "UPDATE allocations SET status = 'released', released_at = %s, "
                    "released_by = %s WHERE id = %s",
                    (stamp(at), by, allocation_id),
                )
            return booking(row) if row is not None else None

        return self.run(work)

    def reset_day(self, day: date, at: datetime, by: str) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.reset_day`."""

        def work(conn: psycopg.Connection) -> int:
            cur = conn.execute(
                "UPDATE allocations SET status = 'released', released_at = %s, "
                "released_by = %s WHERE day = %s AND status = 'active'",
                (stamp(at), by, day),
            )
            return cur.rowcount

        return self.run(work)

    def get_booking(self, allocation_id: int) -> StoredBooking | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_booking`."""
        row = self.single(
            lambda conn: conn.execute(
                f"SELECT {COLUMNS} FROM allocations WHERE id = %s", (allocation_id,)
            ).fetchone()
        )
        return booking(row) if row is not None else None

    def list_bookings(self, query: BookingQuery) -> BookingPage:
        """See :meth:`tools.ledger.protocol.LedgerStore.list_bookings`."""
        where, args = "WHERE TRUE", list[Any]()
        if query.customer_id:
            where, args = where + " AND customer_id = %s", [*args, query.customer_id]
        if query.day:
            where, args = where + " AND day = %s", [*args, query.day]
        if not query.include_released:
            where += " AND status = 'active'"
        page, page_args = where, list(args)
        if query.before_id is not None:
            page, page_args = page + " AND id < %s", [*page_args, query.before_id]
        page += " ORDER BY id DESC"
        if query.limit is not None:
            page, page_args = page + " LIMIT %s", [*page_args, max(0, query.limit)]

        def work(conn: psycopg.Connection) -> BookingPage:
            rows = conn.execute(
                f"SELECT {COLUMNS} FROM allocations " + page, page_args
            ).fetchall()
            total = None
            if query.count:
                found = conn.execute(
                    "SELECT COUNT(*) FROM allocations " + where, args
                ).fetchone()
                total = int(found[0]) if found else 0
            return BookingPage([booking(r) for r in rows], total)

        return self.read(work)  # the page and the count from one snapshot

    def day_state(
        self, day: date, customer_ids: Collection[str] = (), since: date | None = None
    ) -> DayState:
        """See :meth:`tools.ledger.protocol.LedgerStore.day_state`."""
        return self.read(lambda conn: _state(conn, day, customer_ids, since))

    def bookings_since(
        self, since: date, until: date
    ) -> dict[str, tuple[Booking, ...]]:
        """See :meth:`tools.ledger.protocol.LedgerStore.bookings_since`."""
        return self.run(
            lambda conn: by_customer(
                conn.execute(
                    HISTORY + " WHERE status = 'active' AND day >= %s AND day <= %s",
                    (since, until),
                )
            )
        )

    def newest_day(self) -> date | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.newest_day`."""
        row = self.single(
            lambda conn: conn.execute("SELECT MAX(day) FROM allocations").fetchone()
        )
        return row[0] if row else None


def _state(
    conn: psycopg.Connection,
    day: date,
    customer_ids: Collection[str],
    since: date | None,
) -> DayState:
    """The day's counters and the customers' history (no locks: a snapshot read)."""
    counters = conn.execute(
        "SELECT treatment_key, used, spent FROM daily_usage WHERE day = %s", (day,)
    )
    used: dict[str, int] = {}
    spent: dict[str, float] = {}
    for row in counters.fetchall():
        used[row[0]], spent[row[0]] = row[1], row[2]
    found = (
        conn.execute(CUSTOMER_HISTORY, (since or day, list(customer_ids))).fetchall()
        if customer_ids
        else ()
    )
    return DayState(day=day, used=used, spent=spent, history=by_customer(found))
