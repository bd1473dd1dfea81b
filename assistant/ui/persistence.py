"""Conversations that persist (login on): Chainlit's SQLAlchemy data layer.

With login on (``CVM_USERS``), :func:`install` registers Chainlit's own
``SQLAlchemyDataLayer`` (``@cl.data_layer``) over the thread store of
:mod:`tools.thread_store`: a SQLite file in the state dir through aiosqlite by
default, PostgreSQL through psycopg when ``CVM_LEDGER_URL`` names the ledger there.
The tables are created at start-up. Chainlit then stores every thread, message and
step, lists the analyst's past conversations in the sidebar and calls
``@cl.on_chat_resume`` with the thread.

The assistant's own memory of a conversation (customer in focus, last
recommendation, lists, plan) is saved after every turn as typed data
(:class:`~assistant.core.state.SessionState`, JSON) in the thread's
metadata under ``cvm_state``, and read back on resume
(:mod:`assistant.ui.persistence_resume`).

Elements (charts, CSV files) are not stored: Chainlit's SQLAlchemy layer keeps an
element only through a storage client, and Chainlit ships clients for S3, GCS and
Azure only (none for a local folder). The plan a thread was about is in the ledger
and its id in the saved state, so on resume :func:`plan_again` draws its card
(chart, CSV, Book plan) again from the stored plan.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import chainlit as cl
from chainlit.config import config
from chainlit.data import get_data_layer
from chainlit.element import ElementDict
from pydantic import ValidationError

from assistant.core.session import Session
from assistant.core.state import SessionState, to_state
from assistant.ui.plan import send_plan
from tools.config import CVMConfig
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.planning.store import plan_store
from tools.thread_store import STATE_KEY, create_tables

if TYPE_CHECKING:  # imported when login is on (it brings SQLAlchemy, aiohttp)
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

log = logging.getLogger(__name__)


def make_data_layer(config: CVMConfig) -> SQLAlchemyDataLayer:
    """Chainlit's SQLAlchemy data layer on the thread store (tables created).

    Raises:
        StorageError: The store cannot be reached or its tables created.
    """
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

    where = create_tables(config)
    return SQLAlchemyDataLayer(conninfo=where.async_)


def install(config: CVMConfig) -> None:
    """Store threads through Chainlit's data layer (called when login is on).

    The tables are created now, so a bad store stops start-up in one line.

    Raises:
        StorageError: The store cannot be reached or its tables created.
    """
    layer = make_data_layer(config)

    @cl.data_layer
    def _layer() -> SQLAlchemyDataLayer:
        return layer


async def save(session: Session) -> None:
    """Save the conversation's state with its thread (no-op without a data layer).

    Also kept in the chat's user session, which Chainlit writes to the thread's
    metadata when the chat disconnects (so that write carries the same state).
    Nothing is written before Chainlit's first interaction (the analyst's first
    message or button): Chainlit creates the thread, with its user, only then, and
    an earlier write (the approvals inbox at chat start) would store a thread
    with no user. The turn of that first interaction saves the state.
    """
    layer = get_data_layer()
    if layer is None or not cl.context.session.has_first_interaction:
        return
    state = to_state(session).model_dump(mode="json")
    cl.user_session.set(STATE_KEY, state)
    thread_id = cl.context.session.thread_id
    await layer.update_thread(thread_id=thread_id, metadata={STATE_KEY: state})


def show_on_resume(thread: Any, messages: list[cl.Message]) -> None:
    """Show messages sent while resuming: add them to the thread the page gets.

    Chainlit sends the stored thread to the page after ``on_chat_resume`` returns,
    and the page replaces its messages with the thread's steps; messages sent
    during the hook (stored like any other) are added to that thread dict so the
    page shows them now too.
    """
    if not isinstance(thread, dict):
        return
    steps, elements = thread.get("steps"), thread.get("elements")
    if isinstance(steps, list):
        steps.extend(m.to_dict() for m in messages)
    if elements is None:
        elements = thread["elements"] = []
    if isinstance(elements, list):  # the page replaces its elements with these
        elements.extend(_shown(e.to_dict()) for m in messages for e in m.elements)


def _shown(element: ElementDict) -> ElementDict:
    """An element sent now, with the URL the page reads it from.

    For an element event the page makes the URL itself from the element's key and
    the chat's session; for the elements of a resumed thread it reads ``url``.
    """
    key = element.get("chainlitKey")
    if not element.get("url") and key:
        root = config.run.root_path.rstrip("/")
        session_id = quote(cl.context.session.id)
        element["url"] = f"{root}/project/file/{quote(key)}?session_id={session_id}"
    return element


async def plan_again(session: Session, ctx: ToolContext) -> cl.Message | None:
    """The card of the plan the resumed conversation was about, drawn again.

    Returns:
        The message sent, or None: no plan in the saved state, or the ledger no
        longer holds it (a reset ledger).
    """
    if session.plan_id is None:
        return None
    try:
        plan = plan_store(ctx).get(session.plan_id)
    except ToolInputError:
        log.info("resume: the conversation's plan is no longer in the ledger")
        return None
    return await send_plan(plan, ctx, session.plan_id)


def saved_state(thread: Any) -> SessionState | None:
    """The saved state in a thread dict's metadata (None: absent or unreadable)."""
    meta = thread.get("metadata") if isinstance(thread, dict) else None
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = None
    raw = meta.get(STATE_KEY) if isinstance(meta, dict) else None
    if raw is None:
        return None
    try:
        return SessionState.model_validate(raw)
    except ValidationError as exc:
        log.warning(
            "resume: saved conversation state unreadable (%d errors)", exc.error_count()
        )
        return None
