"""One booking (one customer, one treatment) on PostgreSQL in one short transaction.

The hot path of :meth:`tools.ledger.postgres.PostgresLedger.book` (the writer's
single bookings: a tool call, a UI button, the benchmark). Two statements, each its
own transaction, on one pooled connection:

1. :data:`READ` reads, in one snapshot and without locks, what the ledger rules
   check: the day's counter of the treatment, the customer's active bookings since
   the history window opens (with their ids) and the newest day booked. The
   writer's judge decides on that state, as it would inside a locked transaction.
2. If it books, :data:`BOOK` calls the server-side function :data:`FUNCTION`
   (created with the tables when missing, named by its definition's digest),
   whose transaction locks what the rules read, in the order every writer takes
   (the counter row ``FOR UPDATE``, then the customer's advisory lock), reads it
   again and inserts the booking only if it is the state
   the judge decided on: the same counter (used, spent), the same newest day and
   the same active bookings of the customer in the window (their count and
   highest id: ids only grow, so any booking added since changes the highest id
   and any released changes the count). The rules' verdicts are thus those of the
   state at commit, under the locks, as the locked transaction gives; the rules
   themselves stay in Python (:func:`tools.eligibility.ledger_verdicts`).

If the state moved in between (another writer booked the same treatment), nothing
is written and :func:`book_at_once` returns None: the caller runs the locked
transaction (lock, read, judge again, insert, commit) instead. Refusals are decided
on the snapshot of step 1 and write nothing.

Per booking that is two statements (prepared once per connection) instead of five
with BEGIN and COMMIT, and no client round trip while the locks are held.
"""

from __future__ import annotations

import hashlib

import psycopg

from tools.eligibility import Booking
from tools.ledger.model import BookingScope, DayState, Judge, NewBooking
from tools.ledger.rows import POSTGRES, booking_rows

# The function's parameters and body; its name carries their digest, so a changed
# definition is a new function (created when missing) and processes of two
# releases sharing a ledger each call the one they were written for.
DEFINITION = """
    p_customer TEXT, p_key TEXT, p_day DATE, p_since DATE,
    p_used INTEGER, p_spent DOUBLE PRECISION, p_newest DATE,
    p_count INTEGER, p_last BIGINT,
    p_channel TEXT, p_purpose TEXT, p_created_at TEXT, p_approved_by TEXT,
    p_cost DOUBLE PRECISION, p_high_value BOOLEAN, p_rules TEXT, p_overrides TEXT,
    p_catalogue_version INTEGER) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c_used INTEGER; c_spent DOUBLE PRECISION; c_newest DATE;
    c_count INTEGER; c_last BIGINT; new_id BIGINT;
BEGIN
    SELECT u.used, u.spent INTO c_used, c_spent FROM daily_usage AS u
        WHERE u.day = p_day AND u.treatment_key = p_key FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO daily_usage AS u (day, treatment_key) VALUES (p_day, p_key)
            ON CONFLICT (day, treatment_key) DO UPDATE SET used = u.used
            RETURNING u.used, u.spent INTO c_used, c_spent;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_customer, 0));
    -- statements of their own after the locks: each sees what was committed
    -- before it began (READ COMMITTED), so all that the locks' holders committed
    SELECT MAX(a.day) INTO c_newest FROM allocations AS a;
    SELECT COUNT(*), COALESCE(MAX(a.id), 0) INTO c_count, c_last
        FROM allocations AS a
        WHERE a.customer_id = p_customer AND a.status = 'active'
        AND a.day >= p_since;
    IF c_used <> p_used OR c_spent <> p_spent OR c_newest IS DISTINCT FROM p_newest
            OR c_count <> p_count OR c_last <> p_last THEN
        RETURN NULL;  -- judged on a state that is gone: nothing written
    END IF;
    INSERT INTO allocations (customer_id, treatment_key, channel, purpose, day,
        created_at, approved_by, cost, high_value, rules, overrides,
        catalogue_version)
    VALUES (p_customer, p_key, p_channel, p_purpose, p_day, p_created_at,
        p_approved_by, p_cost, p_high_value, p_rules, p_overrides,
        p_catalogue_version)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$
"""
NAME = "cvm_book_one_" + hashlib.sha256(DEFINITION.encode()).hexdigest()[:16]
FUNCTION = f"CREATE OR REPLACE FUNCTION {NAME}({DEFINITION}"
READ = (
    "SELECT n.newest, c.used, c.spent, h.id, h.treatment_key, h.channel, "
    "h.purpose, h.day FROM (SELECT MAX(day) AS newest FROM allocations) AS n "
    "LEFT JOIN daily_usage AS c ON c.day = %s AND c.treatment_key = %s "
    "LEFT JOIN allocations AS h ON h.customer_id = %s AND h.status = 'active' "
    "AND h.day >= %s"
)
BOOK = f"SELECT {NAME}({', '.join(['%s'] * 18)})"


def applies(scope: BookingScope) -> bool:
    """Whether the scope is one customer and one treatment, outside a plan."""
    return (
        scope.plan_id is None
        and len(scope.customer_ids) == 1
        and len(scope.treatments) == 1
    )


def create_function(conn: psycopg.Connection) -> None:
    """Create :data:`FUNCTION` if this schema lacks it (inside ``migrate``).

    Looked for in the ledger's own schema (the first of the ``search_path``, where
    its tables are), not wherever the path would find one of that name.
    """
    found = conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = %s AND "
        "pronamespace = to_regnamespace(current_schema()))",
        (NAME,),
    ).fetchone()
    if found and found[0]:
        conn.execute(FUNCTION)


def book_at_once(
    conn: psycopg.Connection, scope: BookingScope, judge: Judge
) -> list[int] | None:
    """Judge on a snapshot, then book if the state is still that one (see module).

    Args:
        conn: An autocommit connection (each statement its own transaction).
        scope: One customer and one treatment (:func:`applies`).
        judge: The writer's judge (pure; may be called again by the caller).

    Returns:
        The new booking's id in a list; [] when the judge booked nothing; None
        when the state moved before the booking's transaction locked it.
    """
    [key], [customer] = scope.treatments, scope.customer_ids
    rows = conn.execute(
        READ, (scope.day, key, customer, scope.history_since), prepare=True
    ).fetchall()
    newest, used, spent = rows[0][0], rows[0][1] or 0, rows[0][2] or 0.0
    seen = [r for r in rows if r[3] is not None]
    history = tuple(Booking(r[4], r[5], r[6], r[7]) for r in seen)
    judgement = judge(
        DayState(
            day=scope.day,
            used={key: used},
            spent={key: spent},
            history={customer: history} if history else {},
            newest_day=newest,
        )
    )
    if not judgement.bookings:
        return []
    [new] = judgement.bookings
    _check(new, customer, key, scope)
    [(_, _, channel, purpose, _, *rest)] = booking_rows([new], POSTGRES)
    last = max((int(r[3]) for r in seen), default=0)
    found = conn.execute(
        BOOK,
        (
            customer,
            key,
            scope.day,
            scope.history_since,
            used,
            spent,
            newest,
            len(seen),
            last,
            channel,
            purpose,
            *rest,
        ),  # fmt: skip
        prepare=True,
    ).fetchone()
    return None if found is None or found[0] is None else [int(found[0])]


def _check(new: NewBooking, customer: str, key: str, scope: BookingScope) -> None:
    if (new.customer_id, new.treatment_key, new.day) != (customer, key, scope.day):
        raise ValueError("the judge booked outside the booking's scope")
