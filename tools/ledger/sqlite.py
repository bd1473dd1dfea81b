"""The ledger store on one SQLite file: the embedded default backend.

Bookings and the day's counters here; plans in :mod:`tools.ledger.sqlite_plans`;
audit records, backups and checks in :mod:`tools.ledger.sqlite_care`; catalogue
versions in :mod:`tools.ledger.sqlite_catalogue`; second-approval requests in
:mod:`tools.ledger.sqlite_approvals`; the file's
connections, transactions and lost-ledger guard in :mod:`tools.ledger.sqlite_file`;
rows are built and read as the PostgreSQL ledger's are (:mod:`tools.ledger.rows`).
Every verb keeps the guarantee :class:`tools.ledger.protocol.LedgerStore` states;
here the lock is SQLite's single write lock (``BEGIN IMMEDIATE``), so a booking
transaction is serialised against every other writer of the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from tools.eligibility import Booking
from tools.ledger.marker import Marker
from tools.ledger.model import (
    BookingPage,
    BookingQuery,
    BookingScope,
    DayState,
    Judge,
    NewBooking,
    StoredBooking,
)
from tools.ledger.outcomes_sqlite import OutcomeTables
from tools.ledger.rows import (
    BOOKING_COLUMNS,
    HISTORY,
    NEW_BOOKING_COLUMNS,
    SQLITE,
    booking_filter,
    booking_rows,
    by_customer,
    counters,
    marks,
    stamp,
    stored_booking,
)
from tools.ledger.sqlite_approvals import ApprovalTables
from tools.ledger.sqlite_care import CareTables
from tools.ledger.sqlite_catalogue import CatalogueTables
from tools.ledger.sqlite_plans import PlanTables

FILE_NAME = "ledger.sqlite3"
_INSERT = (
    f"INSERT INTO allocations (id, {NEW_BOOKING_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = f"SELECT {BOOKING_COLUMNS} FROM allocations"
# What a booking transaction reads first: the newest day booked (PAST-DAY), the
# ledger's id (a restore may change it) and the id AUTOINCREMENT would give next
# (above every id ever used).
_HEAD = (
    "SELECT (SELECT MAX(day) FROM allocations), (SELECT ledger_id FROM ledger_meta), "
    "MAX(IFNULL((SELECT seq FROM sqlite_sequence WHERE name = 'allocations'), 0), "
    "IFNULL((SELECT MAX(id) FROM allocations), 0)) + 1"
)
_RELEASE = (
    "UPDATE allocations SET status = 'released', released_at = ?, released_by = ? "
    "WHERE id = ? AND status = 'active'"
)


def _insert(
    conn: sqlite3.Connection, bookings: list[NewBooking], first: int
) -> list[int]:
    """Insert the bookings (under the write lock); their new ids, in order.

    The ids are given explicitly from ``first``, the next id of the AUTOINCREMENT
    sequence, so a chunk of a plan is one ``executemany``.
    """
    ids = list(range(first, first + len(bookings)))
    rows = booking_rows(bookings, SQLITE)
    conn.executemany(_INSERT, ((i, *r) for i, r in zip(ids, rows, strict=True)))
    return ids


class SQLiteLedger(
    PlanTables, CareTables, CatalogueTables, ApprovalTables, OutcomeTables
):
    """The ledger store on one SQLite file (see :class:`LedgerFile` for its args)."""

    @classmethod
    def in_state_dir(
        cls, state_dir: str | Path, *, recover: bool = False
    ) -> SQLiteLedger:
        """The ledger of a state directory (``<state_dir>/ledger.sqlite3``)."""
        return cls(Path(state_dir) / FILE_NAME, recover=recover)

    # --- the booking transaction --------------------------------------------------

    def book(self, scope: BookingScope, judge: Judge) -> list[int]:
        """See :meth:`tools.ledger.protocol.LedgerStore.book`."""
        with self.transaction() as conn:
            newest, ledger_id, first = conn.execute(_HEAD).fetchone()
            state = self._state(
                conn, scope.day, scope.customer_ids, scope.history_since, newest
            )
            if scope.plan_id is not None:
                state = self._with_plan(conn, state, scope)
            judgement = judge(state)
            ids = _insert(conn, judgement.bookings, first)
            if scope.plan_id is not None:
                conn.executemany(
                    "UPDATE plan_rows SET outcome = 'booked', allocation_id = ? "
                    "WHERE plan_id = ? AND seq = ? AND outcome IS NULL",
                    [(i, scope.plan_id, s) for i, s in marks(judgement.bookings, ids)],
                )
                conn.executemany(
                    "UPDATE plan_rows SET outcome = ? "
                    "WHERE plan_id = ? AND seq = ? AND outcome IS NULL",
                    [(f"refused:{r}", scope.plan_id, s) for s, r in judgement.refused],
                )
        if ids:  # committed: the state dir's marker learns the last booking
            self.marker.advance(Marker(ledger_id, ids[-1]))
        return ids

    def _with_plan(
        self, conn: sqlite3.Connection, state: DayState, scope: BookingScope
    ) -> DayState:
        header = self._plan_header(conn, str(scope.plan_id))
        marked = {
            int(r[0]): str(r[1])
            for r in conn.execute(
                "SELECT seq, outcome FROM plan_rows WHERE plan_id = ? AND outcome IS "
                "NOT NULL AND seq IN (SELECT value FROM json_each(?))",
                (scope.plan_id, json.dumps(list(scope.plan_seqs))),
            )
        }
        return replace(state, plan=header, marked=marked)

    def _state(
        self,
        conn: sqlite3.Connection,
        day: date,
        customer_ids: Collection[str],
        since: date | None,
        newest: str | None = None,
    ) -> DayState:
        used, spent = counters(
            conn.execute(
                "SELECT treatment_key, used, spent FROM daily_usage WHERE day = ?",
                (day.isoformat(),),
            )
        )
        history: dict[str, tuple[Booking, ...]] = {}
        if customer_ids:
            first = (since or day).isoformat()
            if len(customer_ids) == 1:
                [cid] = customer_ids
                rows = conn.execute(
                    HISTORY + " WHERE customer_id = ? AND status = 'active' "
                    "AND day >= ?",
                    (cid, first),
                )
            else:
                rows = conn.execute(
                    HISTORY + " WHERE status = 'active' AND day >= ? AND customer_id "
                    "IN (SELECT value FROM json_each(?))",
                    (first, json.dumps(list(customer_ids))),
                )
            history = by_customer(rows)
        return DayState(
            day=day,
            used=used,
            spent=spent,
            history=history,
            newest_day=date.fromisoformat(newest) if newest else None,
        )

    # --- bookings -------------------------------------------------------------------

    def release(
        self, allocation_id: int, at: datetime, by: str
    ) -> StoredBooking | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.release`."""
        with self.transaction() as conn:
            row = conn.execute(_SELECT + " WHERE id = ?", (allocation_id,)).fetchone()
            old = stored_booking(row) if row is not None else None
            if old is not None and old.status == "active":
                conn.execute(_RELEASE, (stamp(at), by, allocation_id))
        return old

    def reset_day(self, day: date, at: datetime, by: str) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.reset_day`."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE allocations SET status = 'released', released_at = ?, "
                "released_by = ? WHERE day = ? AND status = 'active'",
                (stamp(at), by, day.isoformat()),
            )
            return cur.rowcount

    def get_booking(self, allocation_id: int) -> StoredBooking | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_booking`."""
        with self.connection() as conn:
            row = conn.execute(_SELECT + " WHERE id = ?", (allocation_id,)).fetchone()
        return stored_booking(row) if row is not None else None

    def list_bookings(self, query: BookingQuery) -> BookingPage:
        """See :meth:`tools.ledger.protocol.LedgerStore.list_bookings`."""
        where, args, page, page_args = booking_filter(query, SQLITE)
        with self.connection() as conn:
            conn.execute("BEGIN")  # the page and the count from one snapshot
            try:
                rows = conn.execute(f"{_SELECT} {page}", page_args).fetchall()
                total = (
                    conn.execute(
                        "SELECT COUNT(*) FROM allocations " + where, args
                    ).fetchone()[0]
                    if query.count
                    else None
                )
            finally:
                conn.execute("COMMIT")
        return BookingPage([stored_booking(r) for r in rows], total)

    def day_state(
        self, day: date, customer_ids: Collection[str] = (), since: date | None = None
    ) -> DayState:
        """See :meth:`tools.ledger.protocol.LedgerStore.day_state`."""
        with self.connection() as conn:
            conn.execute("BEGIN")  # counters and history from one snapshot
            try:
                return self._state(conn, day, customer_ids, since)
            finally:
                conn.execute("COMMIT")

    def bookings_since(
        self, since: date, until: date
    ) -> dict[str, tuple[Booking, ...]]:
        """See :meth:`tools.ledger.protocol.LedgerStore.bookings_since`."""
        with self.connection() as conn:
            rows = conn.execute(
                HISTORY + " WHERE status = 'active' AND day >= ? AND day <= ?",
                (since.isoformat(), until.isoformat()),
            )
            return by_customer(rows)

    def newest_day(self) -> date | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.newest_day`."""
        with self.connection() as conn:
            found = conn.execute("SELECT MAX(day) FROM allocations").fetchone()[0]
        return date.fromisoformat(found) if found else None
