"""The PostgreSQL ledger's booking transaction: locks, reads, the judge, inserts.

:meth:`tools.ledger.postgres.PostgresLedger.book` runs :func:`booking_transaction`
pipelined (READ COMMITTED). It locks before it reads what the rules check: the
day's counter rows of the treatments it books (created first when missing, locked
``FOR UPDATE`` in treatment order), then its customers (advisory transaction locks
in key order). Every writer takes them in the same order, so writers on different
machines queue rather than oversell and never deadlock on them; a deadlock the
server breaks elsewhere is retried whole. One booking takes two round trips: the
locks and reads, then the insert sent with COMMIT (when its state moved between
the snapshot and the one-statement booking of :mod:`tools.ledger.postgres_one`).
"""

from __future__ import annotations

from dataclasses import replace

import psycopg

from tools.eligibility import Booking
from tools.ledger.model import BookingScope, DayState, Judge, NewBooking
from tools.ledger.rows import (
    HISTORY,
    NEW_BOOKING_COLUMNS,
    PLAN_HEADER,
    POSTGRES,
    booking_rows,
    by_customer,
    counters,
    marks,
    plan_header,
)

_INSERT_ONE = (
    f"INSERT INTO allocations ({NEW_BOOKING_COLUMNS}) VALUES (%s, %s, %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s) RETURNING id, customer_id, treatment_key"
)
_INSERT_MANY = (
    f"INSERT INTO allocations ({NEW_BOOKING_COLUMNS}) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::date[], %s::text[], %s::text[], %s::float8[], %s::bool[], %s::text[], "
    "%s::text[], %s::int[]) RETURNING id, customer_id, treatment_key"
)
# One booking (the hot path): scalar parameters, two statements before the judge.
# 1. The day's counter row made if missing and locked (an upsert locks the row it
#    meets, as FOR UPDATE would, and returns its newest values), then the customer.
_LOCK_ONE = (
    "WITH counter AS (INSERT INTO daily_usage AS u (day, treatment_key) "
    "VALUES (%s, %s) ON CONFLICT (day, treatment_key) DO UPDATE SET used = u.used "
    "RETURNING used, spent) "
    "SELECT used, spent, pg_advisory_xact_lock(hashtextextended(%s, 0)) FROM counter"
)
# 2. After the locks (a statement of its own: a snapshot taken once they are held):
#    the newest day and the customer's history, one row at least.
_READ_ONE = (
    "SELECT n.newest, h.treatment_key, h.channel, h.purpose, h.day "
    "FROM (SELECT MAX(day) AS newest FROM allocations) AS n "
    "LEFT JOIN allocations AS h ON h.customer_id = %s AND h.status = 'active' "
    "AND h.day >= %s"
)
# Several customers or treatments (a plan's chunk): arrays, locks in key order.
_MAKE_COUNTERS = (
    "INSERT INTO daily_usage (day, treatment_key) SELECT %s, t FROM "
    "unnest(%s::text[]) AS t ON CONFLICT DO NOTHING"
)
_LOCK_COUNTERS = (
    "SELECT treatment_key, used, spent FROM daily_usage WHERE day = %s AND "
    "treatment_key = ANY(%s) ORDER BY treatment_key FOR UPDATE"
)
_LOCK_CUSTOMERS = (
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT "
    "hashtextextended(c, 0) AS k FROM unnest(%s::text[]) AS c ORDER BY k) AS s"
)
CUSTOMER_HISTORY = (
    HISTORY + " WHERE status = 'active' AND day >= %s AND customer_id = ANY(%s)"
)


class _Inserted:
    """New bookings' ids, read when first asked for (after COMMIT when pipelined)."""

    def __init__(self, bookings: list[NewBooking], cur: psycopg.Cursor | None) -> None:
        self._bookings, self._cur = bookings, cur
        self._ids: list[int] | None = None

    @property
    def ids(self) -> list[int]:
        """The new ids, in the bookings' order.

        A batch holds a customer x treatment once (the writer refuses a second as
        DUPLICATE), so each returned id is matched to its booking by that pair.
        """
        if self._ids is None:
            rows = self._cur.fetchall() if self._cur is not None else []
            ids = {(r[1], r[2]): int(r[0]) for r in rows}
            self._ids = [ids[(b.customer_id, b.treatment_key)] for b in self._bookings]
        return self._ids


def _insert(conn: psycopg.Connection, bookings: list[NewBooking]) -> _Inserted:
    """Send the bookings' insert, one statement; its ids are read later."""
    if not bookings:
        return _Inserted(bookings, None)
    rows = booking_rows(bookings, POSTGRES)
    if len(rows) == 1:  # scalars: psycopg builds array parameters in Python
        return _Inserted(bookings, conn.execute(_INSERT_ONE, rows[0]))
    columns = [list(c) for c in zip(*rows, strict=True)]
    return _Inserted(bookings, conn.execute(_INSERT_MANY, columns))


def booking_transaction(
    conn: psycopg.Connection, scope: BookingScope, judge: Judge
) -> _Inserted:
    """Lock and read what the rules check, judge, insert, mark the plan's rows."""
    state = _locked_state(conn, scope)  # round trip 1: BEGIN, locks, reads
    if scope.plan_id is not None:
        state = _with_plan(conn, state, scope)
    judgement = judge(state)
    inserted = _insert(conn, judgement.bookings)
    if scope.plan_id is not None:
        ids = inserted.ids  # a plan's rows name their bookings
        _mark(conn, scope.plan_id, judgement.bookings, ids, judgement.refused)
    return inserted  # round trip 2: the insert sent with COMMIT


def _locked_state(conn: psycopg.Connection, scope: BookingScope) -> DayState:
    """Lock what the rules read, then read it: one round trip (pipelined).

    First the scope's day counters (made if missing), locked in treatment order,
    then the customers (advisory locks in key order); then, in statements of their
    own (READ COMMITTED: each sees what was committed before it began, so all that
    the locks' holders committed), the customers' history and the newest day.
    Only the counters of ``scope.treatments`` are read: the rules read no other,
    and only these are locked.
    """
    if len(scope.treatments) == 1 and len(scope.customer_ids) == 1:
        return _locked_one(conn, scope)
    locked = history = None
    if scope.treatments:
        treatments = list(scope.treatments)
        conn.execute(_MAKE_COUNTERS, (scope.day, treatments))
        locked = conn.execute(_LOCK_COUNTERS, (scope.day, treatments))
    if scope.customer_ids:
        customers = list(scope.customer_ids)
        conn.execute(_LOCK_CUSTOMERS, (customers,))
        history = conn.execute(CUSTOMER_HISTORY, (scope.history_since, customers))
    newest = conn.execute("SELECT MAX(day) FROM allocations").fetchone()  # sync
    used, spent = counters(locked.fetchall() if locked is not None else ())
    return DayState(
        day=scope.day,
        used=used,
        spent=spent,
        history=by_customer(history.fetchall()) if history is not None else {},
        newest_day=newest[0] if newest else None,
    )


def _locked_one(conn: psycopg.Connection, scope: BookingScope) -> DayState:
    """:func:`_locked_state` for one customer and one treatment: two statements."""
    [key], [customer] = scope.treatments, scope.customer_ids
    counter = conn.execute(_LOCK_ONE, (scope.day, key, customer))
    rows = conn.execute(_READ_ONE, (customer, scope.history_since)).fetchall()
    used, spent, _ = counter.fetchone() or (0, 0.0, None)
    history = tuple(Booking(r[1], r[2], r[3], r[4]) for r in rows if r[1] is not None)
    return DayState(
        day=scope.day,
        used={key: used},
        spent={key: spent},
        history={customer: history} if history else {},
        newest_day=rows[0][0] if rows else None,
    )


def _with_plan(
    conn: psycopg.Connection, state: DayState, scope: BookingScope
) -> DayState:
    row = conn.execute(PLAN_HEADER + " WHERE plan_id = %s", (scope.plan_id,)).fetchone()
    header = plan_header(row) if row else None
    marked = {
        int(r[0]): str(r[1])
        for r in conn.execute(
            "SELECT seq, outcome FROM plan_rows WHERE plan_id = %s AND outcome IS "
            "NOT NULL AND seq = ANY(%s)",
            (scope.plan_id, list(scope.plan_seqs)),
        )
    }
    return replace(state, plan=header, marked=marked)


def _mark(
    conn: psycopg.Connection,
    plan_id: str,
    bookings: list[NewBooking],
    ids: list[int],
    refused: list[tuple[int, str]],
) -> None:
    """Mark the plan rows booked (with their booking) or refused, if still unmarked."""
    booked = marks(bookings, ids)
    if booked:
        conn.execute(
            "UPDATE plan_rows AS p SET outcome = 'booked', allocation_id = v.id "
            "FROM unnest(%s::bigint[], %s::int[]) AS v(id, seq) WHERE p.plan_id = %s "
            "AND p.seq = v.seq AND p.outcome IS NULL",
            ([i for i, _ in booked], [s for _, s in booked], plan_id),
        )
    if refused:
        conn.execute(
            "UPDATE plan_rows AS p SET outcome = 'refused:' || v.rule "
            "FROM unnest(%s::int[], %s::text[]) AS v(seq, rule) WHERE p.plan_id = %s "
            "AND p.seq = v.seq AND p.outcome IS NULL",
            ([s for s, _ in refused], [r for _, r in refused], plan_id),
        )
