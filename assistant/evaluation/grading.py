"""Grading a scripted conversation: what a turn and the ledger's final state show.

:func:`check_turn` compares one turn (tools called, recommended, booked, the reply,
tool errors, the pending action) with its ``expect`` block; :func:`check_final` the
ledger's bookings at the end with the file's ``final`` block, as tau-bench grades
on the final database. Each returns every unmet expectation, one line each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.bookings import list_allocations
from tools.context import ToolContext

if TYPE_CHECKING:
    from assistant.core.session import Turn
    from assistant.evaluation.conversations import Expect, Final


def _lower(items: list[str]) -> list[str]:
    return [i.lower() for i in items]


def check_turn(expect: Expect, turn: Turn) -> list[str]:
    """Every unmet expectation of a turn, as 'key: expected …, got …'."""
    given = expect.model_fields_set
    called = [c.name for c in turn.tool_calls if not c.held]
    booked = [a["treatment_key"] for a in turn.allocations]
    reply = turn.reply.lower()
    errors = " ".join(
        f"{c.rule or ''} {c.error or ''}" for c in turn.tool_calls if not c.ok
    ).lower()
    out: list[str] = []

    def fail(key: str, expected: Any, got: Any) -> None:
        out.append(f"{key}: expected {expected!r}, got {got!r}")

    if expect.tools_called is not None:
        it = iter(called)
        if not all(any(c == want for c in it) for want in expect.tools_called):
            fail("tools_called", expect.tools_called, called)
    if expect.tools_called_any and not set(expect.tools_called_any) & set(called):
        fail("tools_called_any", expect.tools_called_any, called)
    if expect.tools_not_called and set(expect.tools_not_called) & set(called):
        fail("tools_not_called", expect.tools_not_called, called)
    if "recommended" in given and (turn.recommended or None) != expect.recommended:
        fail("recommended", expect.recommended, turn.recommended)
    if expect.recommended_not and turn.recommended in expect.recommended_not:
        fail("recommended_not", expect.recommended_not, turn.recommended)
    if "allocated" in given and (
        (expect.allocated is None and booked)
        or (expect.allocated is not None and expect.allocated not in booked)
    ):
        fail("allocated", expect.allocated, booked)
    if expect.allocated_any is not None and bool(booked) != expect.allocated_any:
        fail("allocated_any", expect.allocated_any, booked)
    if expect.allocated_not and set(expect.allocated_not) & set(booked):
        fail("allocated_not", expect.allocated_not, booked)
    for key, needles, text in [
        ("reply_contains", expect.reply_contains, reply),
        ("tool_error_contains", expect.tool_error_contains, errors),
    ]:
        missing = [n for n in _lower(needles or []) if n not in text]
        if missing:
            fail(key, missing, turn.reply if key.startswith("reply") else errors)
    for key, needles, text in [
        ("reply_contains_any", expect.reply_contains_any, reply),
        ("tool_error_contains_any", expect.tool_error_contains_any, errors),
    ]:
        if needles and not any(n in text for n in _lower(needles)):
            fail(key, needles, turn.reply if key.startswith("reply") else errors)
    if "pending" in given:
        title = turn.pending.title if turn.pending else None
        want = expect.pending
        if (want is None) != (title is None) or (
            want and title and want.lower() not in title.lower()
        ):
            fail("pending", want, title)
    present = [n for n in _lower(expect.reply_not_contains or []) if n in reply]
    if present:
        fail("reply_not_contains", present, turn.reply)
    return out


def _pairs(bookings: list[Any]) -> list[tuple[str, str]]:
    return sorted((b.customer_id.upper(), b.treatment_key) for b in bookings)


def check_final(final: Final, ctx: ToolContext) -> list[str]:
    """Every unmet expectation of the ledger's final state, as 'final key: …'."""
    every = list_allocations(ctx, all_days=True, include_released=True, limit=None)
    active = _pairs([a for a in every if a.status == "active"])
    released = _pairs([a for a in every if a.status != "active"])
    out: list[str] = []
    if final.allocations is not None and active != _pairs(final.allocations):
        want = _pairs(final.allocations)
        out.append(f"final allocations: expected {want}, got {active}")
    if final.bookings is not None and len(active) != final.bookings:
        out.append(f"final bookings: expected {final.bookings}, got {len(active)}")
    if final.released is not None and released != _pairs(final.released):
        want = _pairs(final.released)
        out.append(f"final released: expected {want}, got {released}")
    return out
