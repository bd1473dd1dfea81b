"""The ledger store on a PostgreSQL server: shared by processes on several machines.

Selected by ``CVM_LEDGER_URL=postgresql://...`` (:func:`tools.ledger.open_ledger`);
needs the optional extra ``cvm-assistant[postgres]`` (psycopg). Bookings and the
day's counters here (the booking transaction's locks and statements in
:mod:`tools.ledger.postgres_booking`); plans in :mod:`tools.ledger.postgres_plans`;
audit records and care in :mod:`tools.ledger.postgres_care`; second approvals in
:mod:`tools.ledger.postgres_approvals`; connections and faults in
:mod:`tools.ledger.postgres_db`; tables in :mod:`tools.ledger.postgres_schema`.
Rows are built and read as the SQLite ledger's are (:mod:`tools.ledger.rows`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import psycopg

from tools.eligibility import Booking
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
from tools.ledger.postgres_booking import CUSTOMER_HISTORY, booking_transaction
from tools.ledger.postgres_care import PostgresCare
from tools.ledger.postgres_catalogue import PostgresCatalogue
from tools.ledger.postgres_one import applies, book_at_once
from tools.ledger.postgres_plans import PostgresPlans
from tools.ledger.rows import (
    BOOKING_COLUMNS,
    HISTORY,
    POSTGRES,
    booking_filter,
    by_customer,
    counters,
    stamp,
    stored_booking,
)

_SELECT = f"SELECT {BOOKING_COLUMNS} FROM allocations"


class PostgresLedger(
    PostgresPlans, PostgresCare, PostgresCatalogue, PostgresApprovals, PostgresOutcomes
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
                _SELECT + " WHERE id = %s FOR UPDATE", (allocation_id,)
            ).fetchone()
            old = stored_booking(row) if row is not None else None
            if old is not None and old.status == "active":
                conn.execute(
                    "UPDATE allocations SET status = 'released', released_at = %s, "
                    "released_by = %s WHERE id = %s",
                    (stamp(at), by, allocation_id),
                )
            return old

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
                _SELECT + " WHERE id = %s", (allocation_id,)
            ).fetchone()
        )
        return stored_booking(row) if row is not None else None

    def list_bookings(self, query: BookingQuery) -> BookingPage:
        """See :meth:`tools.ledger.protocol.LedgerStore.list_bookings`."""
        where, args, page, page_args = booking_filter(query, POSTGRES)

        def work(conn: psycopg.Connection) -> BookingPage:
            rows = conn.execute(f"{_SELECT} {page}", page_args).fetchall()
            total = None
            if query.count:
                found = conn.execute(
                    "SELECT COUNT(*) FROM allocations " + where, args
                ).fetchone()
                total = int(found[0]) if found else 0
            return BookingPage([stored_booking(r) for r in rows], total)

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
    used, spent = counters(
        conn.execute(
            "SELECT treatment_key, used, spent FROM daily_usage WHERE day = %s", (day,)
        ).fetchall()
    )
    found = (
        conn.execute(CUSTOMER_HISTORY, (since or day, list(customer_ids))).fetchall()
        if customer_ids
        else ()
    )
    return DayState(day=day, used=used, spent=spent, history=by_customer(found))
