"""The UI's messages that carry buttons, each button only a server-issued id.

The recommendation card (Book, Alternative, Why?, Journey) and the pending action's
approval question (Approve / Cancel). What a button stands for stays in the session
(:mod:`assistant.ui.ids`); the callbacks that answer them are
:mod:`assistant.ui.app`'s.
"""

from __future__ import annotations

import chainlit as cl

from assistant.api import Assistant
from assistant.core.pending import PendingAction
from assistant.ui.ids import issue
from assistant.views.card import recommendation_card
from tools.treatment import BASELINE


async def send_choices(bot: Assistant) -> None:
    """The closest readings of an unsure turn, one button each (ids only)."""
    offered, asked = bot.choices(), bot.asked()
    if not offered:
        return
    actions = [
        cl.Action(
            name="choose_reading",
            payload=issue("reading", {"intent": intent, "text": asked}),
            label=f"{n}. {what}",
        )
        for n, (intent, what) in enumerate(offered, 1)
    ]
    await cl.Message(content="Or pick one:", actions=actions).send()


async def send_card(bot: Assistant) -> None:
    """The recommendation card with Book, Alternative, Why? and Journey.

    Each button carries only an id the server issued; what it stands for stays in
    the session.
    """
    card = recommendation_card(bot.session, bot.ctx.config)
    if card is None or bot.session.proposed == BASELINE:
        return
    pending = bot.session.pending
    customer = bot.session.customer_id
    actions = []
    if (
        pending
        and pending.tool == "allocate_treatment"
        and pending.customers == (customer,)
    ):
        actions.append(
            cl.Action(
                name="book",
                payload=issue("book", {"action_id": pending.id}),
                label="Book",
                icon="calendar-check",
            )
        )
    card_ref = {"customer_id": customer}
    actions += [
        cl.Action(
            name="alternative", payload=issue("card", card_ref), label="Alternative"
        ),
        cl.Action(name="why", payload=issue("card", card_ref), label="Why?"),
        cl.Action(name="journey", payload=issue("card", card_ref), label="Journey"),
    ]
    await cl.Message(content=card, actions=actions).send()


async def ask_approval(pending: PendingAction) -> cl.Message:
    """The pending action as a question with Approve / Cancel (ids only)."""
    ref = {"action_id": pending.id}
    lines = [f"**{pending.title}?**", *[f"- {d}" for d in pending.details]]
    lines.append("The contact rules are checked again when it runs.")
    return await cl.Message(
        content="\n".join(lines),
        actions=[
            cl.Action(name="approve", payload=issue("approve", ref), label="Approve"),
            cl.Action(name="decline", payload=issue("decline", ref), label="Cancel"),
        ],
    ).send()
