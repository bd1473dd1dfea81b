"""The stored conversations: Chainlit's thread tables, where they live, their care.

With login on, the UI keeps its conversations (threads, their steps and messages)
through Chainlit's own SQLAlchemy data layer (:mod:`assistant.ui.persistence`). The
tables are Chainlit's documented schema, declared once here with SQLAlchemy so the
same definition creates them on SQLite (a ``threads.db`` file in the state dir, the
default) and on PostgreSQL (next to the ledger when ``CVM_LEDGER_URL`` names one).
Column names are Chainlit's (its SQL quotes them: ``"threadId"``).

The two verbs retention and erasure need (:func:`~tools.thread_care.purge_threads`,
:func:`~tools.thread_care.erase_customer_threads`) are :mod:`tools.thread_care`'s.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

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
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError

from tools.config import CVMConfig
from tools.errors import StorageError
from tools.ledger import ledger_url

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
        raise StorageError(f"thread store: {first_line(exc)}") from None
    return where


def open_existing(config: CVMConfig) -> Engine | None:
    """The store's engine, or None when no thread was ever stored there."""
    where = store_url(config)
    if where.path is not None and not where.path.exists():
        return None
    engine = _engine(where.sync)
    try:
        if not inspect(engine).has_table("threads"):
            return None
    except SQLAlchemyError as exc:
        raise StorageError(f"thread store: {first_line(exc)}") from None
    return engine


def first_line(exc: Exception) -> str:
    """The first line of a database error (at most 300 characters)."""
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
