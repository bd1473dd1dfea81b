"""The Chainlit analyst UI: a thin adapter over :class:`assistant.api.Assistant`.

Every decision is the assistant's (loop, guard, tools); this module only shows tool
steps, streams the answer, renders the recommendation card and charts, and turns
the Book / Approve buttons into an explicit approval. Buttons carry only ids the
server issued (looked up in the session); no payload text ever becomes an analyst
message, and no button waits on an ask (so nothing can leave the UI frozen). Run
with ``make run``.
"""

from __future__ import annotations

import os
from typing import Any

import chainlit as cl
from chainlit.server import app as server_app

from assistant.api import Assistant
from assistant.approvals.second import awaiting_others
from assistant.conversation.loop import Hooks
from assistant.core.session import Turn
from assistant.logs import setup_logging
from assistant.ui import persistence
from assistant.ui.buttons import ask_approval, send_card, send_choices
from assistant.ui.charts import send_tool_charts
from assistant.ui.ids import lookup
from assistant.ui.login import check_password, load_users
from assistant.ui.persistence_resume import resume_session
from assistant.ui.plan import send_plan_card, solving_step
from assistant.ui.sessions import UnknownSessionGuard
from assistant.ui.steps import ToolSteps
from assistant.ui.tables import send_catalogue_table
from tools.config import get_config
from tools.context import ToolContext
from tools.data import customer_ids
from tools.errors import CVMError
from tools.retention import enforce_retention

STARTERS = [
    ("Offer for U124", "What should we offer U124?"),
    ("Call-backs left", "How many call-backs are left today?"),
    ("U126 permissions", "Explain U126's contact permissions"),
    ("U125 network", "How is U125's network?"),
    ("Today's plan", "Who should we call today?"),
]


def check_setup() -> None:
    """Stop start-up with one line: bad config, dataset, log file or ledger.

    Also applies the retention (:mod:`tools.retention`) once at start-up.
    """
    try:
        config = get_config()
        setup_logging(config)
        customer_ids(config)
        enforce_retention(ToolContext.create(config))  # what is past retention goes
    except CVMError as exc:
        raise SystemExit(f"cvm: {exc}") from None


check_setup()
server_app.add_middleware(UnknownSessionGuard)  # actions for unknown chats: 404
USERS = load_users()
if USERS:
    if not os.environ.get("CHAINLIT_AUTH_SECRET"):
        raise SystemExit(
            "CVM_USERS is set but CHAINLIT_AUTH_SECRET is not: run "
            "`chainlit create-secret` and export the value."
        )

    @cl.password_auth_callback
    async def auth(username: str, password: str) -> cl.User | None:
        """Log in an analyst from CVM_USERS / CVM_USERS_FILE."""
        if check_password(USERS, username, password):
            return cl.User(identifier=username, metadata={"provider": "credentials"})
        return None

    try:  # login on: conversations persist (assistant/ui/persistence.py)
        persistence.install(get_config())
    except CVMError as exc:
        raise SystemExit(f"cvm: {exc}") from None

    @cl.on_chat_resume
    async def resume(thread: Any) -> None:
        """Resume a stored conversation: its context back, nothing approvable."""
        config = get_config()
        user = cl.user_session.get("user")
        bot = Assistant.create(config=config, approver=user.identifier, login=True)
        cl.user_session.set("issued", {})  # a past server's buttons approve nothing
        resumed = resume_session(bot, persistence.saved_state(thread))
        cl.user_session.set("bot", bot)
        shown = [await cl.Message(content=resumed.line).send()]
        card = await persistence.plan_again(bot.session, bot.ctx)  # chart again
        shown += [card] if card is not None else []
        if resumed.pending is not None:
            shown.append(await ask_approval(resumed.pending))
        persistence.show_on_resume(thread, shown)
        await persistence.save(bot.session)


def _bot() -> Assistant:
    bot = cl.user_session.get("bot")
    assert isinstance(bot, Assistant), "the chat was not started"
    return bot


@cl.set_starters
async def starters(user: cl.User | None = None) -> list[cl.Starter]:
    """The common questions, one click each."""
    return [cl.Starter(label=label, message=message) for label, message in STARTERS]


@cl.on_chat_start
async def start() -> None:
    """One assistant per chat; the logged-in user (or 'analyst') approves bookings.

    With login on, the big plans awaiting this user's second approval are shown
    first (the oldest proposed, with Approve).
    """
    config = get_config()
    setup_logging(config)
    user = cl.user_session.get("user")
    approver = user.identifier if user else "analyst"
    login = bool(USERS) and user is not None
    bot = Assistant.create(config=config, approver=approver, login=login)
    cl.user_session.set("bot", bot)
    if login and awaiting_others(bot.session, bot.ctx):  # big plans to approve
        await _request("approvals_inbox", "(UI) What needs my approval?")


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Answer the analyst's message."""
    await respond(message.content)


async def respond(text: str) -> Turn:
    """Run one turn: tool steps as they happen, the answer streamed, then extras."""
    bot = _bot()
    answer = cl.Message(content="")
    turn: Turn = await cl.make_async(bot.ask)(text, _hooks(answer))
    await _show_turn(bot, turn, answer)
    return turn


def _hooks(answer: cl.Message) -> Hooks:
    steps = ToolSteps()
    return Hooks(
        on_token=lambda t: cl.run_sync(answer.stream_token(t)),
        on_tool_start=lambda name, _args: cl.run_sync(solving_step(name)),
        on_tool_end=lambda r: None if r.held else cl.run_sync(steps.show(r)),
    )


async def _show_turn(bot: Assistant, turn: Turn, answer: cl.Message) -> None:
    if not answer.content or turn.stopped:  # a stopped turn may have streamed part
        answer.content = turn.reply
    pending = turn.pending
    if pending is not None and not turn.pending_new:
        answer.content += f"\n\n_{pending.reminder()}_"
    await answer.send()
    if turn.recommended:
        await send_card(bot)
    elif pending is not None and turn.pending_new:
        await ask_approval(pending)
    await send_plan_card(turn, bot.ctx, bot.session.plan_id)
    await send_tool_charts(turn)
    await send_catalogue_table(turn)
    await send_choices(bot)
    await persistence.save(bot.session)  # login on: the thread keeps the context


@cl.action_callback("choose_reading")
async def on_choose_reading(action: cl.Action) -> None:
    """Answer the message asked with the reading the analyst picked (no write)."""
    entry = lookup(action, "reading")
    if entry is None or entry["text"] != _bot().asked():
        stale = "That choice is no longer open; ask again. Nothing was done."
        await cl.Message(content=_stale(None) if entry is None else stale).send()
        return
    bot = _bot()
    answer = cl.Message(content="")
    turn: Turn = await cl.make_async(bot.request)(
        entry["intent"], entry["text"], None, _hooks(answer), True
    )
    await _show_turn(bot, turn, answer)


@cl.action_callback("book")
async def on_book(action: cl.Action) -> None:
    """Ask for explicit approval of the pending action the button stands for."""
    entry = lookup(action, "book")
    pending = _bot().session.pending if entry else None
    if entry is None or pending is None or pending.id != entry["action_id"]:
        await cl.Message(content=_stale(entry)).send()
        return
    await ask_approval(pending)


def _stale(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "That button is not one I issued in this chat; nothing was done."
    why = _bot().session.closed.get(entry.get("action_id", ""), "it is not pending")
    return f"That action can no longer be approved: {why}. Nothing was written."


@cl.action_callback("approve")
async def on_approve(action: cl.Action) -> None:
    """Run exactly the pending action this button's id stands for."""
    entry = lookup(action, "approve")
    if entry is None:
        await cl.Message(content=_stale(None)).send()
        return
    bot = _bot()
    answer = cl.Message(content="")
    turn = await cl.make_async(bot.approve)(entry["action_id"], _hooks(answer))
    await _show_turn(bot, turn, answer)


@cl.action_callback("decline")
async def on_decline(action: cl.Action) -> None:
    """Drop the pending action this button's id stands for; nothing is written."""
    entry = lookup(action, "decline")
    if entry is None:
        await cl.Message(content=_stale(None)).send()
        return
    await cl.Message(content=_bot().decline(entry["action_id"])).send()
    await persistence.save(_bot().session)


def _card_customer(action: cl.Action) -> str | None:
    entry = lookup(action, "card")
    return entry["customer_id"] if entry else None


@cl.action_callback("book_plan")
async def on_book_plan(action: cl.Action) -> None:
    """Propose booking the plan this button's id stands for (held, shown)."""
    entry = lookup(action, "book_plan")
    if entry is None:
        await cl.Message(content=_stale(None)).send()
        return
    if entry["plan_id"] != _bot().session.plan_id:
        await cl.Message(content="That plan is not the one on screen any more.").send()
        return
    await _request("plan_book", f"(UI) Book plan {entry['plan_id']}")


async def _request(intent: str, label: str, customer: str | None = None) -> Turn:
    """Run a button's intent as a turn: same dispatch, guard and failure boundary."""
    bot = _bot()
    answer = cl.Message(content="")
    turn: Turn = await cl.make_async(bot.request)(
        intent, label, customer, _hooks(answer)
    )
    await _show_turn(bot, turn, answer)
    return turn


async def _card_request(action: cl.Action, intent: str, label: str) -> None:
    cid = _card_customer(action)
    if cid is None:
        await cl.Message(content=_stale(None)).send()
        return
    await _request(intent, f"(UI) {label} for {cid}", cid)


@cl.action_callback("alternative")
async def on_alternative(action: cl.Action) -> None:
    """The best other option for the card's customer (find_alternative_treatment)."""
    await _card_request(action, "alternative", "Alternative")


@cl.action_callback("why")
async def on_why(action: cl.Action) -> None:
    """Explain the card's proposal."""
    await _card_request(action, "explain", "Why")


@cl.action_callback("journey")
async def on_journey(action: cl.Action) -> None:
    """The card customer's journey, in words and as a chart."""
    await _card_request(action, "journey", "Journey")
