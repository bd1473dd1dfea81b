"""Audit records: one per turn, in the ledger database (EVIDENCE rule)."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from pydantic import BaseModel

from assistant.approvals.scope import TurnScope
from assistant.conversation.limits import bounded_text
from assistant.core.session import Session, Turn
from tools.clock import now as clock_now
from tools.config_settings import AuditSettings
from tools.ledger import AuditEntry, LedgerStore


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
    ledger: LedgerStore,
    session: Session,
    turn: Turn,
    scope: TurnScope,
    model: str,
    settings: AuditSettings | None = None,
) -> None:
    """Store the audit record of one turn, and drop records past retention.

    The question is kept without NUL bytes and cut to
    ``settings.audit.max_question_chars``; records older than
    ``settings.audit.retention_days`` are deleted in the same transaction.

    Raises:
        LedgerUnavailable: The ledger refused the write.
    """
    record = {
        "model": model,
        "approval": scope.summary(),
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
    settings = settings or AuditSettings()
    at = clock_now().astimezone(timezone.utc)
    ledger.write_audit(
        AuditEntry(
            at=at,
            session_id=session.id,
            customer_id=session.customer_id,
            approver=session.approver if scope.grant else None,
            question=bounded_text(turn.question, settings.max_question_chars),
            record=record,
        ),
        keep_since=at - timedelta(days=settings.retention_days),
    )


def list_audit(
    ledger: LedgerStore, customer_id: str | None = None, limit: int = 200
) -> list[AuditRecord]:
    """Audit records, newest first, optionally for one customer."""
    found = ledger.read_audit(customer_id.upper() if customer_id else None, limit)
    return [
        AuditRecord(
            id=r.id,
            at=r.at,
            session_id=r.session_id,
            customer_id=r.customer_id,
            approver=r.approver,
            question=r.question,
            record=r.record,
        )
        for r in found
    ]
