"""The answer to a booking order: the proposal shown, or why there is none."""

from __future__ import annotations

from assistant.planner.answers.ledger import bookings
from assistant.planner.book_calls import (
    booking_key,
    kind_named,
    kind_options,
    which_of_several,
)
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import Alternative
from tools.treatment import BASELINE


def book(ask: Ask, customer: str | None, results: Results) -> str:
    """The booking proposed for confirmation, or why it cannot be booked."""
    key = booking_key(ask, customer)
    held = results.held("allocate_treatment")
    if held is not None:
        # an override of the analyst's own order is said before they confirm
        warning = [d for d in held.details if d.startswith("Warning:")]
        facts = [f"- {d}" for d in held.details if not d.startswith("Warning:")]
        head = " ".join(
            [
                f"{held.title}: ready for your confirmation (nothing is booked yet).",
                *warning,
                *also_of_kind(ask, customer, held.arguments["treatment_key"]),
                *replaced(ask, held.id),
            ]
        )
        return "\n".join([head, *facts])  # what it is worth, the rules, when
    if not results.called("allocate_treatment"):
        return _not_proposed(ask, customer, key, results)
    lines = [
        f"**Not booked:** {ask.name(key)} for {customer} cannot be booked. "
        f"{results.failure('allocate_treatment')}"
    ]
    alt: Alternative | None = results.one("find_alternative_treatment")
    best = alt.alternative if alt else None
    if best and best.treatment_key != BASELINE:
        lines.append(
            f"The best lawful alternative is **{best.display_name}** "
            f"({money(best.score.expected_value)}): say **book "
            f"{best.display_name}** to propose it."
        )
    return "\n".join(lines)


def replaced(ask: Ask, held: str) -> list[str]:
    """The pending action this proposal replaced this turn, said (never written)."""
    session = ask.session
    before = session.dropped
    if (
        before is None
        or before.id == held
        or session.dropped_turn != session.turns
        or session.closed.get(before.id) == "it was carried out"
    ):
        return []
    return [f"{before.title}, pending before, was dropped: nothing was written."]


def also_of_kind(ask: Ask, customer: str | None, proposed: str) -> list[str]:
    """The other lawful treatments of the kind the order named, if several.

    When none of the kind is lawful and the best lawful option on its channel was
    proposed instead, that is said.
    """
    named = kind_named(ask.u.text, ask.config)
    if named is not None and customer and proposed not in named[1]:
        channel = ask.config.treatments[proposed].channel
        return [
            f"No {named[0]} is lawful for {customer}; {ask.name(proposed)} is the "
            f"best lawful {CHANNEL_NAMES.get(channel, channel)} option."
        ]
    others = [k for k in kind_options(ask, customer) or [] if k != proposed]
    if not others or not customer:
        return []
    names = ", ".join(ask.name(k) for k in others)
    return [
        f"It is the best lawful one of that kind for {customer}; also lawful: "
        f'{names} (say e.g. "book {ask.name(others[0])}" to propose it instead).'
    ]


def no_option_on(ask: Ask, customer: str, channel: str) -> str:
    """No lawful option on the channel the analyst asked for: nothing proposed.

    The proposal pending before is dropped (it is not what they asked for), so a
    "yes" now books nothing; dropping never writes.
    """
    pending = ask.session.pending
    name = CHANNEL_NAMES.get(channel, channel)
    text = (
        f"There is no lawful {name} option for {customer}, so nothing was proposed. "
        'Ask for "the top 3 options" to see what is possible.'
    )
    if pending is not None and pending.tool == "allocate_treatment":
        ask.session.drop(f"the analyst asked for a {name} option instead")
        text += f" {pending.title} is dropped; nothing was written."
    return text


def _not_proposed(
    ask: Ask, customer: str | None, key: str | None, results: Results
) -> str:
    """Why no booking was proposed: which one is meant, none lawful, or no order."""
    if results.called("list_bookings"):  # a question about what is booked
        return bookings(ask, customer, results)
    several = which_of_several(ask)
    if several:
        return (
            f"Which customer: {' or '.join(several)}? Nothing is proposed yet; "
            f'say e.g. "book for {several[-1]}" and I will show that booking for '
            "your confirmation."
        )
    kind = kind_options(ask, customer) if customer else None
    named = kind_named(ask.u.text, ask.config)
    if kind == [] and customer and named:  # "book the call-back": none lawful
        return no_option_on(ask, customer, named[0])
    if kind:  # "book the call-back for U124": which of the lawful ones?
        names = [ask.name(k) for k in kind]
        listed = ", ".join(names[:-1]) + f" or {names[-1]}"
        return (
            f"Which one for {customer}: {listed}? Nothing is proposed yet; say "
            f'e.g. "book {names[0]} for {customer}" and I will show it with its '
            "consequences for your confirmation."
        )
    rec = ask.session.last_recommendation
    if (
        key is None
        and len(ask.u.channels) == 1
        and customer
        and (
            ask.session.proposal_for == customer
            or (rec is not None and rec.customer_id == customer)
        )
    ):
        return no_option_on(ask, customer, ask.u.channels[0])
    if key == BASELINE:
        return (
            "The recommendation is **no action**, so there is nothing to book. "
            "Ask for an alternative if you want to contact the customer anyway."
        )
    return (
        "There is nothing to book yet: ask for a recommendation first, or name "
        'the treatment (e.g. "book retention_email for U124").'
    )
