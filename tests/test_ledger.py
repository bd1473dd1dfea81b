from __future__ import annotations

import os
import threading

import pytest

from tests import pg, racers
from tests.pg import reopened
from tools.allocation import (
    allocate_treatment,
    check_availability,
    get_constraints,
    list_allocations,
    release_allocation,
    reset_constraints,
)
from tools.context import ToolContext
from tools.errors import PolicyBlocked, ToolInputError
from tools.ledger import SQLiteLedger
from tools.ledger.postgres import PostgresLedger

# Customers who consented to marketing calls and have no open service problem
# (SUITABILITY), so marketing_call_back is lawful for them.
CALLABLE = ["U127", "U128", "U130", "U131", "U999"]

# Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
ctx, ledger_backend = pg.ctx, pg.ledger_backend


def test_booking_records_approver_time_and_every_rule(ctx):
    a = allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    [stored] = list_allocations(ctx)
    assert stored.allocation_id == a.allocation_id
    assert stored.approved_by == "ana" and stored.created_at.startswith(
        "2024-03-06T12:00"
    )
    assert {v.rule for v in stored.rules} >= {
        "CONSENT",
        "CAPACITY",
        "DUPLICATE",
        "FREQUENCY",
        "OBJECTION",
        "VULNERABLE",
    }
    assert all(v.passed for v in stored.rules if v.rule != "APPLICABILITY")


def test_availability_release_and_reset(ctx):
    a = allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    avail = check_availability("marketing_call_back", ctx)
    assert (avail.used, avail.max_per_day, avail.remaining) == (1, 2, 1)
    released = release_allocation(a.allocation_id, "ana", ctx)
    assert released.status == "released"
    assert check_availability("marketing_call_back", ctx).remaining == 2
    try:
        release_allocation(a.allocation_id, "ana", ctx)
    except ToolInputError as exc:
        assert "already released" in str(exc)
    else:
        raise AssertionError("released twice")
    allocate_treatment("U128", "marketing_call_back", "ana", ctx)  # rebook allowed
    allocate_treatment("U123", "data_boost", "ana", ctx)
    report = {t.treatment_key: t for t in get_constraints(ctx).treatments}
    assert (
        report["data_boost"].spent == 2.0
        and report["data_boost"].budget_remaining == 798
    )
    assert reset_constraints(ctx) == 2
    assert list_allocations(ctx) == []
    assert len(list_allocations(ctx, include_released=True)) == 3


def test_days_roll_over_by_date(ctx, monkeypatch):
    allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    allocate_treatment("U130", "marketing_call_back", "ana", ctx)
    assert check_availability("marketing_call_back", ctx).remaining == 0
    monkeypatch.setenv("CVM_NOW", "2024-03-07T00:30:00+00:00")
    assert check_availability("marketing_call_back", ctx).remaining == 2


def test_state_survives_a_restart(ctx, tmp_path):
    allocate_treatment("U124", "bill_review_call", "ana", ctx)
    ctx.ledger.close()
    fresh = ToolContext(config=ctx.config, ledger=reopened(ctx.ledger))
    assert [a.customer_id for a in list_allocations(fresh)] == ["U124"]
    assert check_availability("bill_review_call", fresh).used == 1


def test_thirty_two_threads_race_for_a_two_a_day_treatment(ctx):
    barrier = threading.Barrier(32)
    results: list[str] = []

    def book(cid):
        barrier.wait()
        try:
            allocate_treatment(cid, "marketing_call_back", "ana", ctx)
            results.append("ok")
        except PolicyBlocked as exc:
            results.append(exc.rule)

    threads = [
        threading.Thread(target=book, args=(CALLABLE[i % len(CALLABLE)],))
        for i in range(32)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 2
    assert set(results) - {"ok"} <= {"CAPACITY", "DUPLICATE"}
    assert len(list_allocations(ctx)) == 2


def _book_in_process(state_dir, cid, start, out):
    import os

    os.environ["CVM_STATE_DIR"] = state_dir
    from tools.context import ToolContext as Ctx

    c = Ctx.create(state_dir=state_dir)
    start.wait()
    try:
        allocate_treatment(cid, "marketing_call_back", "ana", c)
        out.put((cid, "ok"))
    except PolicyBlocked as exc:
        out.put((cid, exc.rule))


def test_eight_processes_race_for_a_two_a_day_treatment(ctx):
    mp, env = racers.context(), dict(os.environ)
    start, out = mp.Event(), mp.Queue()
    procs = [
        mp.Process(
            target=racers.in_env,
            args=(env, _book_in_process, str(ctx.config.state_path), cid, start, out),
        )
        for cid in CALLABLE
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    results = [out.get(timeout=5) for _ in procs]
    assert [r for _, r in results].count("ok") == 2
    assert {r for _, r in results if r != "ok"} == {"CAPACITY"}
    assert len(list_allocations(ctx)) == 2


def test_the_ledger_day_is_the_evaluated_instant_in_the_configured_zone(ctx):
    from datetime import date, datetime

    from tools.allocation import ledger_day

    late = datetime.fromisoformat("2024-07-01T23:30:00+00:00")  # 00:30 BST
    assert ledger_day(ctx.config, late) == date(2024, 7, 2)
    assert ledger_day(ctx.config) == date(2024, 3, 6)  # the frozen test clock


def test_all_ledger_sql_lives_in_the_ledger_package():
    """Outside tools/ledger no code opens SQLite or reaches into a ledger's
    connection: every read and write is a store verb. (The customer store's row
    store for one customer, tools/store/point*.py, is SQLite too, not a ledger.)"""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    reach = re.compile(
        r"\bimport (sqlite3|psycopg)\b|ledger\.(connection|transaction|run)\("
    )
    offenders = [
        str(path.relative_to(root))
        for folder in ("tools", "assistant")
        for path in (root / folder).rglob("*.py")
        if "ledger" not in path.relative_to(root / folder).parts[:1]
        and not path.name.startswith("point")
        and reach.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("backend", [SQLiteLedger, PostgresLedger])
def test_each_backend_implements_every_verb_of_the_protocol(backend):
    """Both backends: the same verbs with the same parameters."""
    import inspect

    from tools.ledger import LedgerStore

    verbs = {
        name: member
        for name, member in vars(LedgerStore).items()
        if not name.startswith("_") and callable(member)
    }
    assert {"book", "release", "day_state", "save_plan", "write_audit"} <= set(verbs)
    for name, member in verbs.items():
        mine = getattr(backend, name)
        want = list(inspect.signature(member).parameters)
        assert list(inspect.signature(mine).parameters) == want, name
    assert isinstance(vars(LedgerStore)["location"], property)
    assert isinstance(backend.location, property)
