"""The ledger store on one SQLite file: the embedded default backend.

Bookings and the day's counters here; plans in :mod:`tools.ledger.sqlite_plans`;
audit records, backups and checks in :mod:`tools.ledger.sqlite_care`; catalogue
versions in :mod:`tools.ledger.sqlite_catalogue`; second-approval requests in
:mod:`tools.ledger.sqlite_approvals`; the file's
connections, transactions and lost-ledger guard in :mod:`tools.ledger.sqlite_file`.
Every verb keeps the guarantee :class:`tools.ledger.protocol.LedgerStore` states;
here the lock is SQLite's single write lock (``BEGIN IMMEDIATE``), so a booking
transaction is serialised against every other writer of the file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tools.eligibility import Booking, RuleVerdict
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
from tools.ledger.sqlite_approvals import ApprovalTables
from tools.ledger.sqlite_care import CareTables
from tools.ledger.sqlite_catalogue import CatalogueTables
from tools.ledger.sqlite_plans import PlanTables

FILE_NAME = "ledger.sqlite3"
_INSERT = (
    "INSERT INTO allocations (id, customer_id, treatment_key, channel, purpose, day, "
    "created_at, approved_by, cost, high_value, rules, overrides, "
    "catalogue_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_RULES = TypeAdapter(tuple[RuleVerdict, ...])  # verdicts to JSON, in one call
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


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _rules(text: str) -> tuple[RuleVerdict, ...]:
    """Stored verdicts (a rule id this release does not know is kept as stored)."""
    try:
        return _RULES.validate_json(text)
    except ValidationError:
        return tuple(RuleVerdict.model_construct(**v) for v in json.loads(text))


def _booking(row: sqlite3.Row) -> StoredBooking:
    return StoredBooking(
        allocation_id=row["id"],
        customer_id=row["customer_id"],
        treatment_key=row["treatment_key"],
        channel=row["channel"],
        purpose=row["purpose"],
        day=date.fromisoformat(row["day"]),
        created_at=row["created_at"],
        approved_by=row["approved_by"],
        cost=row["cost"],
        high_value=bool(row["high_value"]),
        status=row["status"],
        rules=_rules(row["rules"]),
        overrides=tuple(json.loads(row["overrides"])),
        released_at=row["released_at"],
        released_by=row["released_by"],
        catalogue_version=row["catalogue_version"],
    )


def _insert(
    conn: sqlite3.Connection, bookings: list[NewBooking], first: int
) -> list[int]:
    """Insert the bookings (under the write lock); their new ids, in order.

    The ids are given explicitly from ``first``, the next id of the AUTOINCREMENT
    sequence, so a chunk of a plan is one ``executemany``.
    """
    if not bookings:
        return []
    ids = list(range(first, first + len(bookings)))
    days = {d: d.isoformat() for d in {b.day for b in bookings}}
    stamps = {t: _stamp(t) for t in {b.created_at for b in bookings}}
    overrides = {o: json.dumps(list(o)) for o in {b.overrides for b in bookings}}
    conn.executemany(
        _INSERT,
        (
            (
                i,
                b.customer_id,
                b.treatment_key,
                b.channel,
                b.purpose,
                days[b.day],
                stamps[b.created_at],
                b.approved_by,
                b.cost,
                int(b.high_value),
                _RULES.dump_json(b.rules).decode(),
                overrides[b.overrides],
                b.catalogue_version,
            )
            for i, b in zip(ids, bookings, strict=True)
        ),
    )
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
                    [
                        (i, scope.plan_id, b.plan_seq)
                        for i, b in zip(ids, judgement.bookings, strict=True)
                        if b.plan_seq is not None
                    ],
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
        return DayState(
            day=state.day,
            used=state.used,
            spent=state.spent,
            history=state.history,
            newest_day=state.newest_day,
            plan=header,
            marked=marked,
        )

    def _state(
        self,
        conn: sqlite3.Connection,
        day: date,
        customer_ids: Collection[str],
        since: date | None,
        newest: str | None = None,
    ) -> DayState:
        used: dict[str, int] = {}
        spent: dict[str, float] = {}
        for row in conn.execute(
            "SELECT treatment_key, used, spent FROM daily_usage WHERE day = ?",
            (day.isoformat(),),
        ):
            used[row[0]], spent[row[0]] = row[1], row[2]
        history: dict[str, tuple[Booking, ...]] = {}
        if customer_ids:
            first = (since or day).isoformat()
            if len(customer_ids) == 1:
                [cid] = customer_ids
                rows = conn.execute(
                    "SELECT customer_id, treatment_key, channel, purpose, day FROM "
                    "allocations WHERE customer_id = ? AND status = 'active' "
                    "AND day >= ?",
                    (cid, first),
                )
            else:
                rows = conn.execute(
                    "SELECT customer_id, treatment_key, channel, purpose, day FROM "
                    "allocations WHERE status = 'active' AND day >= ? AND customer_id "
                    "IN (SELECT value FROM json_each(?))",
                    (first, json.dumps(list(customer_ids))),
                )
            history = _by_customer(rows)
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
            row = conn.execute(
                "SELECT * FROM allocations WHERE id = ?", (allocation_id,)
            ).fetchone()
            if row is not None and row["status"] == "active":
                conn.execute(_RELEASE, (_stamp(at), by, allocation_id))
        return _booking(row) if row is not None else None

    def reset_day(self, day: date, at: datetime, by: str) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.reset_day`."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE allocations SET status = 'released', released_at = ?, "
                "released_by = ? WHERE day = ? AND status = 'active'",
                (_stamp(at), by, day.isoformat()),
            )
            return cur.rowcount

    def get_booking(self, allocation_id: int) -> StoredBooking | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_booking`."""
        with self.connection() as conn:
            row = conn.execute(
                "SELECT * FROM allocations WHERE id = ?", (allocation_id,)
            ).fetchone()
        return _booking(row) if row is not None else None

    def list_bookings(self, query: BookingQuery) -> BookingPage:
        """See :meth:`tools.ledger.protocol.LedgerStore.list_bookings`."""
        where, args = "WHERE 1 = 1", list[Any]()
        if query.customer_id:
            where, args = where + " AND customer_id = ?", [*args, query.customer_id]
        if query.day:
            where, args = where + " AND day = ?", [*args, query.day.isoformat()]
        if not query.include_released:
            where += " AND status = 'active'"
        page, page_args = where, list(args)
        if query.before_id is not None:
            page, page_args = page + " AND id < ?", [*page_args, query.before_id]
        page += " ORDER BY id DESC"
        if query.limit is not None:
            page, page_args = page + " LIMIT ?", [*page_args, max(0, query.limit)]
        with self.connection() as conn:
            conn.execute("BEGIN")  # the page and the count from one snapshot
            try:
                rows = conn.execute(
                    "SELECT * FROM allocations " + page, page_args
                ).fetchall()
                total = (
                    conn.execute(
                        "SELECT COUNT(*) FROM allocations " + where, args
                    ).fetchone()[0]
                    if query.count
                    else None
                )
            finally:
                conn.execute("COMMIT")
        return BookingPage([_booking(r) for r in rows], total)

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
                "SELECT customer_id, treatment_key, channel, purpose, day FROM "
                "allocations WHERE status = 'active' AND day >= ? AND day <= ?",
                (since.isoformat(), until.isoformat()),
            )
            return _by_customer(rows)

    def newest_day(self) -> date | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.newest_day`."""
        with self.connection() as conn:
            found = conn.execute("SELECT MAX(day) FROM allocations").fetchone()[0]
        return date.fromisoformat(found) if found else None


def _by_customer(rows: sqlite3.Cursor) -> dict[str, tuple[Booking, ...]]:
    out: dict[str, list[Booking]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(
            Booking(r[1], r[2], r[3], date.fromisoformat(r[4]))
        )
    return {c: tuple(b) for c, b in out.items()}
