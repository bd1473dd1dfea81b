"""Answers that need no tool: help, thanks, and what to say when lost."""

from __future__ import annotations

from assistant.planner.gists import gist
from assistant.planner.intent import Ask, Results
from assistant.planner.questions import unsupported_channel

HELP = """I can help you with:
- **Recommend**: "What should we offer U124?", "U124 - best next action?", \
"customer 124"
- **Explain**: "Why?", "What would it cost?", "Why not an SMS?"
- **Options**: "Give me the top 3 options for U128", "anything cheaper?", \
"go with the second one"
- **Alternatives**: "Something that doesn't use the call centre", "under £5"
- **Compare**: "Compare U124 and U126"
- **Book or cancel**: "Book it", "Cancel booking #3", "Show today's bookings"
- **Capacity and catalogue**: "How many call-backs are left today?", \
"What treatments do we have?"
- **Customer facts**: "Explain U126's contact permissions", "Show U124's bills", \
"How is U125's network?", "U124's journey"
Sample customers: U123–U133 and U999."""


def can_do_for(customer: str) -> str:
    """What the planner can do for one customer, as suggestions."""
    return (
        f'For {customer} I can: recommend the next best action ("what should we '
        f'offer {customer}?"), explain it or its cost, list the top options, find an '
        "alternative without a channel or under a cost, show consents, bills, "
        "usage, network, interactions or the journey, and book or cancel once you "
        "confirm."
    )


def help_text(ask: Ask, customer: str | None, results: Results) -> str:
    """What the assistant can do."""
    return HELP


def thanks(ask: Ask, customer: str | None, results: Results) -> str:
    """A courtesy reply that points to what comes next."""
    return (
        "You're welcome. Ask about another customer, or say **cancel it** "
        "to undo the last booking."
    )


def unknown(ask: Ask, customer: str | None, results: Results) -> str:
    """An honest "can't", naming the nearest thing the assistant can do."""
    missing = results.failure("get_customer_data")
    if missing:  # the one customer named could not be looked up
        return f"I did not catch what you need, and {missing}"
    focus = customer or (ask.customers[0] if ask.customers else None)
    nearest = ask.memory.nearest
    near = f"The nearest I can do is {gist(nearest, focus)}. " if nearest else ""
    channel = unsupported_channel(ask.u.text)
    if channel:  # "send it by WhatsApp": no such channel here
        pending = ask.session.pending
        kept = (
            f" Nothing was changed: **{pending.title}** is still waiting."
            if (pending)
            else ""
        )
        return (
            f"I can't use {channel[0].upper() + channel[1:]}: treatments here go "
            "out only by call, SMS, "
            f"e-mail, push or app, each within the customer's consent.{kept} " + near
        ).strip()
    if focus:
        return "I can't do that here. " + near + can_do_for(focus)
    return "I can't do that here, or I did not follow it. " + near + HELP


def clarify(ask: Ask, customer: str | None, results: Results) -> str:
    """The closest readings, numbered: never a guess."""
    missing = results.failure("get_customer_data")
    if missing:  # the one customer named could not be looked up
        return f"I did not catch what you need, and {missing}"
    options = [f"{n}. {what}" for n, what in enumerate(ask.memory.choice_gists, 1)]
    pending = ask.session.pending
    kept = (
        [f"Nothing was changed: **{pending.title}** is still waiting for you."]
        if pending is not None
        else []
    )
    return "\n".join(
        [
            "I'm not sure what you mean. Did you want me to:",
            *options,
            "Reply with the number, or put it another way.",
            *kept,
        ]
    )


def which_customer(ask: Ask) -> str:
    """The question asked when an intent needs a customer and none is known.

    With a campaign plan pending (it has no one customer), the reply says first
    that nothing was booked and how to book the plan as shown.
    """
    ask_id = 'Which customer do you mean? Give an id such as U124 (or "customer 124").'
    pending = ask.session.pending
    if pending is not None and pending.tool == "book_plan":
        return f"{plan_pending(ask)} {ask_id}"
    return ask_id


def plan_pending(ask: Ask) -> str:
    """Nothing was booked, and how to book the plan pending (if one is)."""
    pending = ask.session.pending
    if pending is None or pending.tool != "book_plan":
        return "Nothing was booked."
    return (
        f"Nothing was booked. Pending: {pending.title} as shown — say "
        f"'{pending.confirmations[0]}' to book it, or 'no'."
    )
