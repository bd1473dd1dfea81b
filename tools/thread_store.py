"""The stored conversations: Chainlit's thread tables, where they live, their care.

With login on, the UI keeps its conversations (threads, their steps and messages)
through Chainlit's own SQLAlchemy data layer (:mod:`assistant.ui.persistence`). The
tables are Chainlit's documented schema, declared once here with SQLAlchemy so the
same definition creates them on SQLite (a ``threads.db`` file in the state dir, the
default) and on PostgreSQL (next to the ledger when ``CVM_LEDGER_URL`` names one).
Column names are Chainlit's (its SQL quotes them: ``"threadId"``).

This module also holds the two verbs retention and erasure need
(:func:`purge_threads`, :func:`erase_customer_threads`); they are used by
:mod:`tools.retention` and never import the UI.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError

from tools.config import CVMConfig
from tools.errors import StorageError
from tools.ledger import ledger_url
from tools.ledger.model import erased

log = logging.getLogger(__name__)
FILE_NAME = "threads.db"
STATE_KEY = "cvm_state"  # the conversation's saved state, in a thread's metadata

_ID = Text().with_variant(postgresql.UUID(as_uuid=False), "postgresql")
_JSON = JSON().with_variant(postgresql.JSONB(), "postgresql")
_TAGS = Text().with_variant(postgresql.ARRAY(Text), "postgresql")

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("identifier", Text, nullable=False, unique=True),
    Column("metadata", _JSON, nullable=False),
    Column("createdAt", Text),
)
threads = Table(
    "threads",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("createdAt", Text),
    Column("name", Text),
    Column("userId", _ID, ForeignKey("users.id", ondelete="CASCADE")),
    Column("userIdentifier", Text),
    Column("tags", _TAGS),
    Column("metadata", _JSON),
)
steps = Table(
    "steps",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column(
        "threadId",
        _ID,
        ForeignKey("threads.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("parentId", _ID),
    Column("streaming", Boolean, nullable=False),
    Column("waitForAnswer", Boolean),
    Column("isError", Boolean),
    Column("metadata", _JSON),
    Column("tags", _TAGS),
    Column("input", Text),
    Column("output", Text),
    Column("createdAt", Text),
    Column("command", Text),
    Column("modes", _JSON),
    Column("start", Text),
    Column("end", Text),
    Column("generation", _JSON),
    Column("showInput", Text),
    Column("language", Text),
    Column("indent", Integer),
    Column("defaultOpen", Boolean),
    Column("autoCollapse", Boolean),
)
elements = Table(
    "elements",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("threadId", _ID, ForeignKey("threads.id", ondelete="CASCADE")),
    Column("type", Text),
    Column("url", Text),
    Column("chainlitKey", Text),
    Column("name", Text, nullable=False),
    Column("display", Text),
    Column("objectKey", Text),
    Column("size", Text),
    Column("page", Integer),
    Column("language", Text),
    Column("forId", _ID),
    Column("mime", Text),
    Column("props", _JSON),
)
feedbacks = Table(
    "feedbacks",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("forId", _ID, nullable=False),
    Column(
        "threadId", _ID, ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    ),
    Column("value", Integer, nullable=False),
    Column("comment", Text),
)


class ThreadStoreURL(NamedTuple):
    """Where the threads are: a SQLAlchemy URL for each driver kind."""

    sync: str
    async_: str
    path: Path | None  # the SQLite file (None on PostgreSQL)


def store_url(config: CVMConfig) -> ThreadStoreURL:
    """The threads' store: PostgreSQL beside the ledger, else ``threads.db``.

    Raises:
        StorageError: ``CVM_LEDGER_URL`` is set but is not a PostgreSQL URL.
    """
    url = ledger_url()
    if url is not None:
        rest = url.split("://", 1)[1]
        return ThreadStoreURL(
            f"postgresql+psycopg://{rest}", f"postgresql+psycopg://{rest}", None
        )
    path = (config.state_path / FILE_NAME).resolve()
    return ThreadStoreURL(f"sqlite:///{path}", f"sqlite+aiosqlite:///{path}", path)


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return create_engine(url)


def create_tables(config: CVMConfig) -> ThreadStoreURL:
    """Create Chainlit's thread tables where they are missing (idempotent).

    Raises:
        StorageError: The store cannot be reached or written (one line).
    """
    where = store_url(config)
    if where.path is not None:
        where.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        metadata.create_all(_engine(where.sync), checkfirst=True)
    except SQLAlchemyError as exc:
        raise StorageError(f"thread store: {_first_line(exc)}") from None
    return where


def _open(config: CVMConfig) -> Engine | None:
    """The store's engine, or None when no thread was ever stored there."""
    where = store_url(config)
    if where.path is not None and not where.path.exists():
        return None
    engine = _engine(where.sync)
    try:
        if not inspect(engine).has_table("threads"):
            return None
    except SQLAlchemyError as exc:
        raise StorageError(f"thread store: {_first_line(exc)}") from None
    return engine


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)


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
    engine = _open(config)
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
        raise StorageError(f"thread store: {_first_line(exc)}") from None
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
    engine = _open(config)
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
        raise StorageError(f"thread store: {_first_line(exc)}") from None
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
