"""One PostgreSQL booking in one statement, and its way back to the locked transaction.

A single booking is judged on a snapshot and inserted by the server-side function
only if, under the locks, the counter, the newest day and the customer's bookings
are still what the judge saw (:mod:`tools.ledger.postgres_one`). These tests move
the state between the snapshot and the insert (another writer books meanwhile) and
check that nothing is booked on the stale verdict: the judge is asked again on the
state read under the locks, and what it decides then is what is written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import date, datetime, timezone

import psycopg
import pytest
from psycopg import sql

from tools.eligibility import RuleVerdict
from tools.ledger.model import BookingScope, DayState, Judgement, NewBooking
from tools.ledger.postgres import PostgresLedger
from tools.ledger.postgres_one import BOOK, DEFINITION, FUNCTION, NAME

DAY = date(2024, 3, 6)
SINCE = date(2024, 2, 6)


@pytest.fixture
def ledgers(pg_server):
    """Two stores on one new ledger (two processes, as on two machines)."""
    url = pg_server.new_schema()
    first, second = PostgresLedger(url), PostgresLedger(url)
    yield first, second
    first.close()
    second.close()


def _scope(customer: str, key: str) -> BookingScope:
    return BookingScope(
        day=DAY,
        customer_ids=(customer,),
        treatments=(key,),
        history_since=SINCE,
        plan_id=None,
        plan_seqs=(),
    )


def _new(customer: str, key: str, cost: float = 3.0) -> NewBooking:
    return NewBooking(
        customer_id=customer,
        treatment_key=key,
        channel="call",
        purpose="marketing",
        day=DAY,
        created_at=datetime(2024, 3, 6, 12, tzinfo=timezone.utc),
        approved_by="ana",
        cost=cost,
        high_value=False,
        rules=(RuleVerdict(rule="CAPACITY", passed=True, reason="ok"),),
        overrides=(),
        plan_seq=None,
        catalogue_version=1,
    )


def _book(store: PostgresLedger, customer: str, key: str) -> int:
    [made] = store.book(
        _scope(customer, key), lambda _s: Judgement([_new(customer, key)])
    )
    return made


def _judge(
    customer: str, key: str, meanwhile: Callable[[], object] | None, capacity: int
) -> tuple[list[DayState], Callable[[DayState], Judgement]]:
    """A judge that books while there is room; ``meanwhile`` runs on its 1st call."""
    seen: list[DayState] = []

    def judge(state: DayState) -> Judgement:
        seen.append(state)
        if len(seen) == 1 and meanwhile is not None:
            meanwhile()  # another writer commits between snapshot and insert
        if state.used.get(key, 0) >= capacity:
            return Judgement()
        return Judgement([_new(customer, key)])

    return seen, judge


def test_an_unchanged_state_books_in_one_judgement(ledgers):
    first, _ = ledgers
    _book(first, "U1", "call")
    seen, judge = _judge("U2", "call", None, capacity=2)
    [made] = first.book(_scope("U2", "call"), judge)
    assert [s.used for s in seen] == [{"call": 1}]
    assert first.get_booking(made).customer_id == "U2"
    assert first.day_state(DAY).used == {"call": 2}


def test_a_counter_that_moved_is_judged_again_under_the_locks(ledgers):
    first, second = ledgers
    _book(first, "U1", "call")  # 1 of 2 used
    seen, judge = _judge("U2", "call", lambda: _book(second, "U3", "call"), 2)
    assert first.book(_scope("U2", "call"), judge) == []  # full by then: refused
    assert [s.used for s in seen] == [{"call": 1}, {"call": 2}]
    assert first.day_state(DAY).used == {"call": 2}  # no oversell


def test_a_customer_booked_meanwhile_is_judged_on_that_booking(ledgers):
    first, second = ledgers
    other = []
    seen, judge = _judge(
        "U2", "call", lambda: other.append(_book(second, "U2", "sms")), capacity=5
    )
    [made] = first.book(_scope("U2", "call"), judge)
    assert [len(s.history.get("U2", ())) for s in seen] == [0, 1]
    assert seen[1].history["U2"][0].treatment_key == "sms"
    assert made > other[0]


def test_a_released_booking_moves_the_state(ledgers):
    first, second = ledgers
    made = _book(first, "U2", "sms")
    at = datetime(2024, 3, 6, 13, tzinfo=timezone.utc)
    seen, judge = _judge("U2", "call", lambda: second.release(made, at, "bo"), 5)
    first.book(_scope("U2", "call"), judge)
    assert [len(s.history.get("U2", ())) for s in seen] == [1, 0]


def test_the_function_refuses_a_stale_state_by_itself(ledgers, pg_server):
    """Called directly with a counter that is not the ledger's: nothing inserted."""
    first, _ = ledgers
    _book(first, "U1", "call")
    with psycopg.connect(first.url, autocommit=True) as conn:
        seen = (0, 0.0, DAY, 0, 0)  # used, spent, newest, bookings, last id
        row = ("call", "marketing", "2024-03-06T12:00:00+00:00", "ana", 3.0, False)
        args = ("U2", "call", DAY, SINCE, *seen, *row, "[]", "[]", 1)
        found = conn.execute(
            f"SELECT {NAME}({', '.join(['%s'] * len(args))})", args
        ).fetchone()
    assert found == (None,)
    assert first.day_state(DAY).used == {"call": 1}


def test_the_function_is_made_in_the_ledgers_own_schema(pg_server):
    """A ledger whose search_path reaches another ledger's schema after its own
    gets its own function (not the one the path would find there)."""
    names = [f"one_{os.getpid()}_{n}" for n in ("a", "b")]
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    first = PostgresLedger(pg_server.url(names[0]))
    second = PostgresLedger(pg_server.url(f"{names[1]},{names[0]}"))
    try:
        made = _book(second, "U1", "call")
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            found = conn.execute(
                "SELECT n.nspname FROM pg_proc AS p JOIN pg_namespace AS n "
                "ON n.oid = p.pronamespace WHERE p.proname = %s "
                "AND n.nspname = ANY(%s) ORDER BY 1",
                (NAME, names),
            ).fetchall()
        assert found == [(names[0],), (names[1],)]
        assert second.get_booking(made).customer_id == "U1"
        assert first.day_state(DAY).used == {}  # booked in its own schema
    finally:
        first.close()
        second.close()


def test_the_functions_name_follows_its_definition():
    """A changed body is a new function: the name is the definition's digest."""
    digest = hashlib.sha256(DEFINITION.encode()).hexdigest()[:16]
    assert NAME == f"cvm_book_one_{digest}"
    assert FUNCTION.startswith(f"CREATE OR REPLACE FUNCTION {NAME}(")
    assert BOOK.startswith(f"SELECT {NAME}(")
