"""Audit records: one per turn, in the ledger database (EVIDENCE rule)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from assistant.guard import Approval
from assistant.session import Session, Turn
from tools.clock import now as clock_now
from tools.ledger import Ledger


class AuditRecord(BaseModel):
    """What was asked, what ran, what the guard and the rules decided."""

    id: int
    at: str
    session_id: str
    customer_id: str | None
    approver: str | None
    question: str
    record: dict[str, Any]


def write_audit(
    ledger: Ledger, session: Session, turn: Turn, approval: Approval, model: str
) -> None:
    """Store the audit record of one turn."""
    record = {
        "model": model,
        "approval": {
            "book": approval.book,
            "cancel": approval.cancel,
            "via_ui": approval.via_ui,
            "customers": list(approval.customers),
            "treatments": list(approval.treatments),
        },
        "tool_calls": [
            {
                "name": c.name,
                "arguments": c.arguments,
                "ok": c.ok,
                "rule": c.rule,
                "error": c.error,
            }
            for c in turn.tool_calls
        ],
        "verdicts": [
            {"tool": c.name, "rule": c.rule or ("OK" if c.ok else "ERROR")}
            for c in turn.tool_calls
        ],
        "recommended": turn.recommended,
        "allocations": [a.get("allocation_id") for a in turn.allocations],
        "stopped": turn.stopped,
        "usage": turn.usage.model_dump(),
    }
    with ledger.write() as conn:
        conn.execute(
            "INSERT INTO audit (at, session_id, customer_id, approver, question, "
            "record) VALUES (?, ?, ?, ?, ?, ?)",
            (
                clock_now().isoformat(timespec="seconds"),
                session.id,
                session.customer_id,
                session.approver if (approval.book or approval.cancel) else None,
                turn.question,
                json.dumps(record, default=str),
            ),
        )


def list_audit(
    ledger: Ledger, customer_id: str | None = None, limit: int = 200
) -> list[AuditRecord]:
    """Audit records, newest first, optionally for one customer."""
    sql, args = "SELECT * FROM audit", list[Any]()
    if customer_id:
        sql, args = sql + " WHERE customer_id = ?", [customer_id.upper()]
    with ledger.connection() as conn:
        rows = conn.execute(
            sql + " ORDER BY id DESC LIMIT ?", [*args, limit]
        ).fetchall()
    return [
        AuditRecord(
            id=r["id"],
            at=r["at"],
            session_id=r["session_id"],
            customer_id=r["customer_id"],
            approver=r["approver"],
            question=r["question"],
            record=json.loads(r["record"]),
        )
        for r in rows
    ]
