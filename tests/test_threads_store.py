"""Stored threads: Chainlit's SQLAlchemy data layer on SQLite and PostgreSQL, their
retention and the erasure of a customer's mentions (issue 24 parts 2 and 3)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import pytest
from sqlalchemy import create_engine, inspect, select

from assistant.cli.main import main
from tests.pg import ledger_backend  # noqa: F401  (a fixture)
from tools import thread_store
from tools.thread_store import STATE_KEY, store_url

OLD, NEW = "2023-06-01T10:00:00.000000Z", "2024-03-05T10:00:00.000000Z"
LATER = "2024-03-05T10:01:00.000000Z"  # a second step after NEW: a defined order


def _run(coro):
    """Run a data-layer call inside a Chainlit context (its decorators read it)."""
    from chainlit.context import ChainlitContext, context_var
    from chainlit.session import HTTPSession

    async def inside():
        session = HTTPSession(id="test", thread_id="t", client_type="webapp")
        context_var.set(ChainlitContext(session))
        return await coro()

    return asyncio.run(inside())


def _conversation(config, user: str, texts: list[tuple[str, str]], state=None) -> str:
    """A thread stored through the data layer: one step per (text, time)."""
    from chainlit.user import User

    from assistant.ui.persistence import make_data_layer

    thread = str(uuid.uuid4())

    async def store():
        layer = make_data_layer(config)
        try:
            who = await layer.create_user(User(identifier=user, metadata={}))
            await layer.update_thread(thread, name=texts[0][0], user_id=who.id)
            for text, at in texts:
                await layer.create_step(
                    {
                        "id": str(uuid.uuid4()),
                        "threadId": thread,
                        "name": user,
                        "type": "user_message",
                        "output": text,
                        "createdAt": at,
                        "start": at,
                        "end": at,
                        "streaming": False,
                        "metadata": {},
                    }
                )
            if state is not None:
                await layer.update_thread(thread, metadata={STATE_KEY: state})
        finally:
            await layer.close()

    _run(store)
    return thread


def _listed(config, user: str) -> list[dict]:
    from chainlit.types import Pagination, ThreadFilter

    from assistant.ui.persistence import make_data_layer

    async def listing():
        layer = make_data_layer(config)
        try:
            who = await layer.get_user(user)
            page = await layer.list_threads(
                Pagination(first=20), ThreadFilter(userId=who.id)
            )
            return [await layer.get_thread(t["id"]) for t in page.data]
        finally:
            await layer.close()

    return _run(listing)


def _check_store_and_list(config) -> None:
    first = _conversation(config, "ana", [("What should we offer U128?", NEW)])
    _conversation(config, "bob", [("bob's own chat", NEW)])
    second = _conversation(
        config, "ana", [("and U127?", NEW)], state={"customer_id": "U127"}
    )
    threads = _listed(config, "ana")
    assert {t["id"] for t in threads} == {first, second}  # only ana's
    by_id = {t["id"]: t for t in threads}
    assert by_id[first]["name"] == "What should we offer U128?"
    assert [s["output"] for s in by_id[first]["steps"]] == [
        "What should we offer U128?"
    ]
    meta = by_id[second]["metadata"]
    meta = json.loads(meta) if isinstance(meta, str) else meta
    assert meta[STATE_KEY] == {"customer_id": "U127"}


def test_sqlite_data_layer_stores_and_lists_threads_in_the_state_dir(config):
    _check_store_and_list(config)
    assert store_url(config).path == (config.state_path / "threads.db").resolve()
    assert store_url(config).path.is_file()


def test_postgres_data_layer_stores_and_lists_threads(pg_server, monkeypatch):
    monkeypatch.setenv("CVM_LEDGER_URL", pg_server.new_schema())
    from tools.config import get_config

    config = get_config()
    assert store_url(config).path is None
    _check_store_and_list(config)
    assert not (config.state_path / "threads.db").exists()
    columns = inspect(create_engine(store_url(config).sync)).get_columns("threads")
    kinds = {c["name"]: type(c["type"]).__name__ for c in columns}
    assert (kinds["id"], kinds["metadata"], kinds["tags"]) == ("UUID", "JSONB", "ARRAY")


def _write_days(write_config, days: int):
    return write_config(
        lambda r: r["settings"].update(threads={"retention_days": days})
    )


def test_retention_deletes_threads_idle_past_the_configured_days(
    ledger_backend,  # noqa: F811  (SQLite file, then PostgreSQL beside the ledger)
    config,
    write_config,
    monkeypatch,
    capsys,
):
    old = _conversation(config, "ana", [("U128 then", OLD), ("and later", OLD)])
    mixed = _conversation(config, "ana", [("U127 then", OLD), ("again now", NEW)])
    assert main(["retention", "--json"]) == 0  # default 90 days before 2024-03-06
    report = json.loads(capsys.readouterr().out)
    assert report["threads_deleted"] == 1
    assert report["threads_before"].startswith("2023-12-07")
    assert [t["id"] for t in _listed(config, "ana")] == [mixed]
    assert old not in {t["id"] for t in _listed(config, "ana")}
    engine = create_engine(store_url(config).sync)
    with engine.connect() as conn:  # its steps went with it
        left = conn.execute(select(thread_store.steps.c.threadId)).scalars().all()
    assert set(left) == {mixed}
    monkeypatch.setenv("CVM_CONFIG", str(_write_days(write_config, 1)))
    assert main(["retention"]) == 0
    assert "1 stored conversation(s)" in capsys.readouterr().out
    assert _listed(config, "ana") == []


def test_retention_without_a_thread_store_creates_none(config, capsys):
    assert main(["retention", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["threads_deleted"] == 0
    assert not (config.state_path / "threads.db").exists()


def test_erase_anonymises_a_customers_mentions_in_stored_threads(
    ledger_backend,  # noqa: F811  (SQLite file, then PostgreSQL beside the ledger)
    config,
    capsys,
):
    state = {"customer_id": "U128", "turns": 1}
    mention = _conversation(
        config,
        "ana",
        [("What should we offer U128?", NEW), ("compare U1280 with U128", LATER)],
        state=state,
    )
    other = _conversation(
        config, "ana", [("What should we offer U127?", NEW)], state={"turns": 2}
    )
    assert main(["erase", "--customer-id", "u128", "--yes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["threads_anonymised"] == 1
    assert report["thread_steps_anonymised"] == 2
    by_id = {t["id"]: t for t in _listed(config, "ana")}
    assert [s["output"] for s in by_id[mention]["steps"]] == [
        "What should we offer [erased]?",
        "compare U1280 with [erased]",
    ]
    assert by_id[mention]["name"] == "What should we offer [erased]?"
    meta = by_id[mention]["metadata"]
    meta = json.loads(meta) if isinstance(meta, str) else meta
    assert STATE_KEY not in meta  # the saved context went with the mentions
    assert re.search(r"\bU128\b", json.dumps(by_id[mention])) is None
    kept = by_id[other]["metadata"]
    kept = json.loads(kept) if isinstance(kept, str) else kept
    assert kept[STATE_KEY] == {"turns": 2}
    assert [s["output"] for s in by_id[other]["steps"]] == [
        "What should we offer U127?"
    ]


@pytest.mark.parametrize("days", [0, 40_000])
def test_an_impossible_thread_retention_stops_in_one_line(
    write_config, monkeypatch, capsys, days
):
    monkeypatch.setenv("CVM_CONFIG", str(_write_days(write_config, days)))
    assert main(["retention"]) == 2
    err = capsys.readouterr().err
    assert "settings.threads.retention_days" in err and "Traceback" not in err


def test_no_thread_is_saved_before_chainlits_first_interaction(config, monkeypatch):
    """The approvals inbox at chat start saves nothing: no thread without a user."""
    from chainlit.context import ChainlitContext, context_var
    from chainlit.session import HTTPSession
    from chainlit.user import User

    from assistant.api import Assistant
    from assistant.ui import persistence

    layer = persistence.make_data_layer(config)
    monkeypatch.setattr(persistence, "get_data_layer", lambda: layer)
    bot = Assistant.create(model="offline", config=config, approver="ana", login=True)
    thread = str(uuid.uuid4())

    async def chat():
        session = HTTPSession(id="s", thread_id=thread, client_type="webapp")
        context_var.set(ChainlitContext(session))
        try:
            await persistence.save(bot.session)  # at chat start
            before = await layer.get_thread(thread)
            session.has_first_interaction = True  # Chainlit makes the user's thread
            who = await layer.create_user(User(identifier="ana", metadata={}))
            await layer.update_thread(thread, name="first", user_id=who.id)
            await persistence.save(bot.session)  # the first turn's save
            return before, await layer.get_thread(thread)
        finally:
            await layer.close()

    before, after = asyncio.run(chat())
    assert before is None
    assert after is not None and after["userIdentifier"] == "ana"
    meta = after["metadata"]
    meta = json.loads(meta) if isinstance(meta, str) else meta
    assert meta[STATE_KEY]["turns"] == 0 and meta[STATE_KEY]["customer_id"] is None
