"""The catalogue in the ledger, on both backends (SQLite and PostgreSQL): issue 21.

A change and its audit record are one transaction (the audit write failing rolls
the change back); bookings, recommendations and plans record the catalogue version
they were decided on (change the catalogue, decide again: the two records differ);
two writers changing the catalogue at once keep both changes.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from tests import pg
from tests.pg import reopened
from tools.allocation import allocate_treatment, list_allocations
from tools.catalogue_changes import CatalogueChange
from tools.catalogue_tools import commit_change
from tools.context import ToolContext
from tools.errors import LedgerUnavailable
from tools.ledger import SQLiteLedger
from tools.planning.plan import make_plan
from tools.treatment import recommend_treatment

# Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
ctx, ledger_backend = pg.ctx, pg.ledger_backend

MORE_CALLS = CatalogueChange(
    action="set", treatment_key="marketing_call_back", fields={"max_per_day": 8}
)


def _break_audit(ledger) -> None:
    """Make every audit insert fail as a full disk would, at the database."""
    if isinstance(ledger, SQLiteLedger):
        with sqlite3.connect(ledger.path) as conn:
            conn.execute(
                "CREATE TRIGGER audit_fails BEFORE INSERT ON audit "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        return
    import psycopg

    with psycopg.connect(ledger.url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION audit_fails() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = 'disk_full'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER audit_fails BEFORE INSERT ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_fails()"
        )


def _mend_audit(ledger) -> None:
    if isinstance(ledger, SQLiteLedger):
        with sqlite3.connect(ledger.path) as conn:
            conn.execute("DROP TRIGGER audit_fails")
        return
    import psycopg

    with psycopg.connect(ledger.url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER audit_fails ON audit")


def test_a_change_is_never_stored_without_its_audit_record(ctx):
    ctx.ledger.catalogue_head()  # the tables exist
    _break_audit(ctx.ledger)
    with pytest.raises(LedgerUnavailable) as err:
        commit_change(MORE_CALLS, ctx, "ana", login=False)
    assert "nothing was committed" in str(err.value)
    assert ctx.ledger.catalogue_head() is None  # the change was rolled back
    assert ctx.ledger.catalogue_history() == []
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 2
    _mend_audit(ctx.ledger)
    assert ctx.ledger.read_audit() == []
    done = commit_change(MORE_CALLS, ctx, "ana", login=False)
    assert done.version == 2
    [audit] = ctx.ledger.read_audit()
    assert audit.approver == "ana"
    assert audit.record["catalogue"]["version"] == 2
    assert audit.record["catalogue"]["changes"] == [
        "~ marketing_call_back.max_per_day: 2 → 8"
    ]


def test_an_audit_record_that_cannot_be_made_leaves_no_change(ctx, monkeypatch):
    import tools.catalogue_tools as tools_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("audit record cannot be made")

    monkeypatch.setattr(tools_module, "audit_entry", broken)
    with pytest.raises(RuntimeError):
        commit_change(MORE_CALLS, ctx, "ana", login=False)
    assert ctx.ledger.catalogue_head() is None
    assert ctx.ledger.read_audit() == []


def test_bookings_recommendations_and_plans_record_their_catalogue_version(
    ctx, other, caplog
):
    first = allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    rec1 = recommend_treatment("U131", ctx)
    plan1 = make_plan(ctx=ctx).plan
    commit_change(MORE_CALLS, ctx, "ana", login=False)
    caplog.set_level(logging.INFO, logger="tools.decisions")
    second = allocate_treatment("U127", "marketing_call_back", "ana", ctx)
    rec2 = recommend_treatment("U131", ctx)
    plan2 = make_plan(ctx=ctx).plan
    assert (first.catalogue_version, second.catalogue_version) == (1, 2)
    assert (rec1.catalogue_version, rec2.catalogue_version) == (1, 2)
    assert (plan1.catalogue_version, plan2.catalogue_version) == (1, 2)
    stored = list_allocations(other)
    assert [(b.customer_id, b.catalogue_version) for b in stored] == [
        ("U127", 2),
        ("U128", 1),
    ]
    assert ctx.ledger.get_booking(first.allocation_id).catalogue_version == 1
    assert any(
        r.getMessage().startswith("recommend chosen=")
        and r.getMessage().endswith("catalogue=v2")
        for r in caplog.records
    )


@pytest.fixture
def other(ctx):
    """The same ledger as another process opens it (closed after the test)."""
    ledger = reopened(ctx.ledger)
    yield ToolContext(ctx.base_config, ledger)
    ledger.close()


def test_two_writers_at_once_keep_both_changes(ctx, other):
    errors: list[BaseException] = []

    def add(c, who: str) -> None:
        try:
            for i in range(4):
                fields = {"display_name": f"{who} {i}", "channel": "sms",
                          "purpose": "service", "cost": 0.1 + i}  # fmt: skip
                change = CatalogueChange(
                    action="add", treatment_key=f"{who}_{i}", fields=fields
                )
                commit_change(change, c, who, login=False)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=add, args=(c, who))
        for c, who in ((ctx, "alpha"), (other, "beta"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    history = ctx.ledger.catalogue_history(100)
    assert [v.version for v in history] == list(range(9, 0, -1))
    keys = set(ctx.config.treatments)
    assert {f"{w}_{i}" for w in ("alpha", "beta") for i in range(4)} <= keys
    audit = ctx.ledger.read_audit()
    assert sorted(a.record["catalogue"]["version"] for a in audit) == list(range(2, 10))


WRITER = textwrap.dedent(
    """
    import sys
    from tools.catalogue_changes import CatalogueChange
    from tools.catalogue_tools import commit_change
    from tools.context import ToolContext
    ctx = ToolContext.create()
    name = sys.argv[1]
    for i in range(int(sys.argv[2])):
        fields = {"display_name": f"{name} {i}", "channel": "sms",
                  "purpose": "service", "cost": 0.1 + i}
        change = CatalogueChange(action="add", treatment_key=f"{name}_{i}",
                                 fields=fields)
        commit_change(change, ctx, name, login=False)
    """
)


def test_concurrent_changes_from_two_processes_never_lose_one(ctx):
    """Two processes add 8 treatments each at once: 16 new versions, none lost."""
    n = 8
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, who, str(n)],
            env=dict(os.environ),
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("alpha", "beta")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    history = ctx.ledger.catalogue_history(100)
    assert [v.version for v in history] == list(range(2 * n + 1, 0, -1))
    assert [v.action for v in history].count("seed") == 1
    keys = set(ctx.config.treatments)
    for who in ("alpha", "beta"):
        assert {f"{who}_{i}" for i in range(n)} <= keys
    assert len(ctx.ledger.read_audit()) == 2 * n


def test_a_backup_carries_the_catalogue_and_a_restore_brings_it_back(ctx, tmp_path):
    commit_change(MORE_CALLS, ctx, "ana", login=False)
    copy = tmp_path / "backup.sqlite3"
    ctx.ledger.backup(copy)
    off = CatalogueChange(action="disable", treatment_key="retention_email")
    commit_change(off, ctx, "bob", login=False)
    booked = allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    assert booked.catalogue_version == 3
    ctx.ledger.restore(copy)
    assert [(v.version, v.action) for v in ctx.ledger.catalogue_history()] == [
        (2, "set"),
        (1, "seed"),
    ]
    assert ctx.config.catalogue_version == 2
    assert ctx.config.treatments["retention_email"].enabled is True
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 8
    assert ctx.ledger.get_booking(booked.allocation_id) is None
    again = allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    assert ctx.ledger.get_booking(again.allocation_id).catalogue_version == 2
    audit = [a.record["catalogue"]["version"] for a in ctx.ledger.read_audit()]
    assert audit == [2]
