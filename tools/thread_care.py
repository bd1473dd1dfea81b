"""Retention and erasure of the stored conversations (Chainlit's thread tables).

:func:`purge_threads` deletes threads idle since before a date, with their steps;
:func:`erase_customer_threads` replaces every whole mention of a customer's id.
Used by :mod:`tools.retention`; the tables are :mod:`tools.thread_store`'s, and
neither imports the UI.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from tools.config import CVMConfig
from tools.errors import StorageError
from tools.ledger.model import erased
from tools.thread_store import (
    STATE_KEY,
    elements,
    feedbacks,
    first_line,
    open_existing,
    steps,
    threads,
)


def _when(text: Any) -> datetime | None:
    """Chainlit's ISO timestamps ('...Z', naive UTC) as aware datetimes."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def purge_threads(config: CVMConfig, before: datetime) -> int:
    """Delete the threads whose last activity is before ``before``, with their steps.

    A thread's last activity is its newest step (its creation when it has none).
    Threads without a readable time are kept.
    One transaction: all of them go, or none.

    Raises:
        StorageError: The store refused (nothing deleted).
    """
    engine = open_existing(config)
    if engine is None:
        return 0
    try:
        with engine.begin() as conn:
            newest: dict[str, datetime] = {}
            for tid, at in conn.execute(select(steps.c.threadId, steps.c.createdAt)):
                moment = _when(at)
                if moment is not None:
                    newest[str(tid)] = max(moment, newest.get(str(tid), moment))
            rows = conn.execute(select(threads.c.id, threads.c.createdAt)).all()
            last = {
                str(r.id): newest.get(str(r.id)) or _when(r.createdAt) for r in rows
            }
            old = [t for t, at in last.items() if at is not None and at < before]
            if old:
                _delete(conn, old)
    except SQLAlchemyError as exc:
        raise StorageError(f"thread store: {first_line(exc)}") from None
    return len(old)


def _delete(conn: Any, ids: list[str]) -> None:
    conn.execute(feedbacks.delete().where(feedbacks.c.threadId.in_(ids)))
    conn.execute(elements.delete().where(elements.c.threadId.in_(ids)))
    conn.execute(steps.delete().where(steps.c.threadId.in_(ids)))
    conn.execute(threads.delete().where(threads.c.id.in_(ids)))


class ThreadErasure(NamedTuple):
    """What erasing a customer did to the stored threads."""

    threads: int  # threads that mentioned the customer (their saved state dropped)
    steps: int  # messages and steps whose text was anonymised


def erase_customer_threads(config: CVMConfig, customer_id: str) -> ThreadErasure:
    """Replace every whole mention of ``customer_id`` in stored threads.

    Steps' input and output, thread names and feedback comments get
    ``[erased]`` for the id; a thread that mentions the customer loses its saved
    conversation state (the customer in focus, recommendation, lists) and keeps
    the rest of its metadata with the id erased. One transaction.

    Raises:
        StorageError: The store refused (nothing changed).
    """
    engine = open_existing(config)
    if engine is None:
        return ThreadErasure(0, 0)
    touched: set[str] = set()
    changed = 0
    try:
        with engine.begin() as conn:
            for row in conn.execute(
                select(steps.c.id, steps.c.threadId, steps.c.input, steps.c.output)
            ).all():
                new = {
                    k: erased(v, customer_id)
                    for k, v in (("input", row.input), ("output", row.output))
                    if isinstance(v, str) and erased(v, customer_id) != v
                }
                if new:
                    conn.execute(steps.update().where(steps.c.id == row.id), new)
                    touched.add(str(row.threadId))
                    changed += 1
            changed += _erase_comments(conn, customer_id, touched)
            _erase_thread_rows(conn, customer_id, touched)
    except SQLAlchemyError as exc:
        raise StorageError(f"thread store: {first_line(exc)}") from None
    return ThreadErasure(len(touched), changed)


def _erase_comments(conn: Any, customer_id: str, touched: set[str]) -> int:
    count = 0
    for row in conn.execute(
        select(feedbacks.c.id, feedbacks.c.threadId, feedbacks.c.comment)
    ).all():
        if isinstance(row.comment, str) and erased(row.comment, customer_id) != (
            row.comment
        ):
            conn.execute(
                feedbacks.update().where(feedbacks.c.id == row.id),
                {"comment": erased(row.comment, customer_id)},
            )
            touched.add(str(row.threadId))
            count += 1
    return count


def _erase_thread_rows(conn: Any, customer_id: str, touched: set[str]) -> None:
    for row in conn.execute(
        select(threads.c.id, threads.c.name, threads.c.metadata)
    ).all():
        raw = row.metadata
        text = raw if isinstance(raw, str) else json.dumps(raw or {})
        name = row.name if isinstance(row.name, str) else ""
        if str(row.id) not in touched and erased(text + "\n" + name, customer_id) == (
            text + "\n" + name
        ):
            continue
        touched.add(str(row.id))
        meta = json.loads(erased(text, customer_id)) if text else {}
        if isinstance(meta, dict):
            meta.pop(STATE_KEY, None)
        conn.execute(
            threads.update().where(threads.c.id == row.id),
            {"name": erased(name, customer_id) or row.name, "metadata": meta},
        )
