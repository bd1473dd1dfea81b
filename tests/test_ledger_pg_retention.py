"""Data kept only as long as it should be, on both ledger backends.

Audit records (transcripts and model-call records) past ``settings.audit.
retention_days`` go by ``cvm retention`` (and at start-up); ``cvm erase
--customer-id X --yes`` removes a customer's records and their id where others
quote it, and keeps their bookings.
"""

from __future__ import annotations

import json
from datetime import timedelta

from assistant.api import Assistant
from assistant.cli.main import main
from tests import pg
from tools.allocation import allocate_treatment, list_allocations
from tools.context import ToolContext
from tools.ledger import AuditEntry

# Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
ctx, ledger_backend = pg.ctx, pg.ledger_backend


def _audit(ctx, days_ago: int, customer_id: str | None, question: str) -> None:
    at = ctx.now() - timedelta(days=days_ago)
    entry = AuditEntry(at, "s1", customer_id, None, question, {"q": question})
    ctx.ledger.write_audit(entry, keep_since=at - timedelta(days=10_000))


def test_retention_deletes_audit_records_past_the_configured_days(
    ctx, capsys, monkeypatch, write_config
):
    for days in (500, 401, 399, 3, 0):
        _audit(ctx, days, "U123", f"{days} days ago")
    assert main(["retention", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["audit_deleted"] == 2  # default 400
    kept = [r.question for r in ctx.ledger.read_audit()]
    assert kept == ["0 days ago", "3 days ago", "399 days ago"]
    path = write_config(lambda r: r["settings"].update(audit={"retention_days": 2}))
    monkeypatch.setenv("CVM_CONFIG", str(path))
    assert main(["retention"]) == 0
    assert "2 audit record(s)" in capsys.readouterr().out
    assert [r.question for r in ctx.ledger.read_audit()] == ["0 days ago"]


def test_erase_removes_a_customers_transcripts_and_keeps_their_bookings(ctx, capsys):
    allocate_treatment(
        "U124", "marketing_call_back", "ana", ctx, frozenset({"SUITABILITY"})
    )
    bot = Assistant.create(config=ctx.config, approver="ana")
    bot.ask("What should we offer U124?")  # a real turn: its audit record
    _audit(ctx, 1, "U123", "compare U123 with U124 (and U1240)")
    assert [r.customer_id for r in ctx.ledger.read_audit("U124")] == ["U124"]
    assert main(["erase", "--customer-id", "u124"]) == 1  # needs --yes
    assert "APPROVAL" in capsys.readouterr().err
    assert main(["erase", "--customer-id", "u124", "--yes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "customer_id": "U124",
        "audit_deleted": 1,
        "audit_anonymised": 1,
        "threads_anonymised": 0,  # no stored threads here (tests/test_threads_store)
        "thread_steps_anonymised": 0,
        "bookings_kept": 1,
    }
    left = ctx.ledger.read_audit()
    assert [r.customer_id for r in left] == ["U123"]
    assert left[0].question == "compare U123 with [erased] (and U1240)"
    assert left[0].record == {"q": "compare U123 with [erased] (and U1240)"}
    assert ctx.ledger.read_audit("U124") == []
    fresh = ToolContext.create(ctx.config)
    assert [a.customer_id for a in list_allocations(fresh)] == ["U124"]  # kept


def test_erase_refuses_an_id_that_is_not_a_customer_id(ctx, capsys):
    assert main(["erase", "--customer-id", "x'; DROP TABLE audit; --", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    _audit(ctx, 0, "U123", "still here")
    assert [r.question for r in ctx.ledger.read_audit()] == ["still here"]
