"""Answers about the ledger and the catalogue: book, cancel, bookings, capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.book_calls import (
    booking_key,
    kind_named,
    kind_options,
    which_of_several,
)
from assistant.planner.intent import Ask, Results
from assistant.planner.ledger_calls import described_booking, dropping_proposal
from assistant.views.text import CHANNEL_NAMES, money
from tools.allocation import Availability, ConstraintsReport
from tools.allocation_results import Allocation
from tools.bookings import Bookings
from tools.recommendation import Alternative
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from tools.catalogue import Catalogue


def declined(ask: Ask, customer: str | None, results: Results) -> str:
    """The analyst said no: drop what is pending (dropping never writes)."""
    pending = ask.session.pending
    if pending is None:
        return "Understood: nothing is pending, and nothing was booked or cancelled."
    ask.session.drop("the analyst declined it")
    return f"Not done: {pending.title} was dropped. Nothing was written."


def affirmed(ask: Ask, customer: str | None, results: Results) -> str:
    """A "yes" in the analyst's own words: it never writes; say what would."""
    pending = ask.session.pending
    if pending is None:
        return (
            "Nothing is waiting for your confirmation, so nothing was done. Ask for "
            "the action first (for example 'what should we offer U124?'); I will show "
            "it and its consequences, and your 'yes' then books it."
        )
    return (
        f"Nothing was done yet: to go ahead with **{pending.title}**, reply **yes** "
        "(or **confirm**) on its own."
    )


def book(ask: Ask, customer: str | None, results: Results) -> str:
    """The booking proposed for confirmation, or why it cannot be booked."""
    key = booking_key(ask, customer)
    held = results.held("allocate_treatment")
    if held is not None:
        # an override of the analyst's own order is said before they confirm
        warning = [d for d in held.details if d.startswith("Warning:")]
        return " ".join(
            [
                f"{held.title}: ready for your confirmation (nothing is booked yet).",
                *warning,
                *also_of_kind(ask, customer, held.arguments["treatment_key"]),
                *replaced(ask, held.id),
            ]
        )
    if not results.called("allocate_treatment"):
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


def cancel(ask: Ask, customer: str | None, results: Results) -> str:
    """The cancellation proposed for confirmation, or why not."""
    if not results.called("release_allocation"):
        if ask.u.allocation_id is None and dropping_proposal(ask):
            return declined(ask, customer, results)
        if results.called("list_bookings"):
            return _which_of(ask, customer, described_booking(ask))
        return (
            "Which booking? There is no booking in this conversation yet; give its "
            'id, e.g. "cancel booking #3", or say "show today\'s bookings".'
        )
    held = results.held("release_allocation")
    if held is not None:
        return f"{held.title}: ready for your confirmation (nothing is cancelled yet)."
    return f"Nothing cancelled: {results.failure('release_allocation')}"


def _which_of(ask: Ask, customer: str | None, matching: list[Allocation]) -> str:
    """No booking, or several, match the one the analyst described: say which."""
    named = " or ".join(ask.name(k) for k in ask.u.treatments)
    if matching:
        listed = "; ".join(f"#{a.allocation_id} {a.display_name}" for a in matching)
        return (
            f"{customer} has several bookings today ({listed}): which one? Give its id."
        )
    found = ask.results.one("list_bookings")
    others = "; ".join(
        f"#{a.allocation_id} {a.display_name}" for a in getattr(found, "bookings", [])
    )
    tail = f" (today: {others})" if others else ""
    what = f"no {named} booked" if named else "no booking"
    return f"Nothing to cancel: {customer} has {what} today{tail}."


def _booking_count(found: Bookings) -> str:
    """How many bookings match and, when fewer are shown, how to see them all."""
    shown = len(found.bookings)
    if found.total <= shown:
        return f"{found.total:,}"
    if found.customer_id:
        flags = f" --customer-id {found.customer_id}"
        flags += f" --day {found.day}" if found.today_only else ""
    else:
        flags = f" --day {found.day}" if found.today_only else " --all"
    return (
        f"{found.total:,} active; showing the newest {shown:,} "
        f"(all of them: `cvm allocations{flags}`, a page at a time)"
    )


def bookings(ask: Ask, customer: str | None, results: Results) -> str:
    """The active bookings asked for, newest first."""
    out = []
    for found in results.all("list_bookings"):
        assert isinstance(found, Bookings)
        who = found.customer_id or "all customers"
        when = f"today ({found.day})" if found.today_only else "(every day)"
        if not found.bookings:
            out.append(f"**No active bookings {when} for {who}.**")
            continue
        out.append(f"**Bookings for {who} {when}:** {_booking_count(found)}")
        out += [
            f"- #{a.allocation_id} {a.customer_id}: {a.display_name} "
            f"({CHANNEL_NAMES.get(a.channel, a.channel)}, {money(a.cost)}), "
            f"{a.day}, approved by {a.approved_by}"
            for a in found.bookings
        ]
    if not out:
        return f"I could not read the bookings: {results.failure()}"
    out.append("")
    out.append("Say **cancel booking #N** to release one.")
    return "\n".join(out)


def _availability_line(a: Availability) -> str:
    if a.max_per_day is None:
        return f"- {a.display_name}: {a.used} booked today, no daily limit"
    line = (
        f"- {a.display_name}: **{a.remaining} left** of {a.max_per_day} ({a.used} used)"
    )
    if a.reserved_for_high_value:
        line += f", {a.reserved_for_high_value} reserved for high-value customers"
    if a.daily_budget is not None:
        line += f"; budget {money(a.spent)} of {money(a.daily_budget)} spent"
    return line


def capacity(ask: Ask, customer: str | None, results: Results) -> str:
    """Today's capacity of the treatments asked about (or all)."""
    report: ConstraintsReport | None = results.one("get_constraints")
    items: list[Availability] = (
        [a for a in report.treatments if a.treatment_key != BASELINE]
        if report
        else results.all("check_availability")
    )
    if not items:
        return f"I could not read the capacity: {results.failure()}"
    return "\n".join(
        [f"**Capacity today ({items[0].day}):**", *map(_availability_line, items)]
    )


def catalogue(ask: Ask, customer: str | None, results: Results) -> str:
    """The treatment catalogue grouped by purpose."""
    cat: Catalogue = results.one("list_treatments")
    rows = [
        "| treatment | channel | purpose | cost | daily capacity |",
        "|---|---|---|---|---|",
    ]
    for t in cat.treatments:
        if t.treatment_key == BASELINE:
            continue
        cap = "no limit" if t.max_per_day is None else str(t.max_per_day)
        off = " (off)" if not t.enabled else ""
        rows.append(
            f"| {t.display_name}{off} | {CHANNEL_NAMES.get(t.channel, t.channel)} | "
            f"{t.purpose} | {money(t.cost)} | {cap} |"
        )
    count = len(rows) - 2
    return "\n".join(
        [
            f"**{count} treatments** (plus no action):",
            *rows,
            "",
            'Ask "what should we offer U124?" to see which are lawful and worth '
            "doing for a customer.",
        ]
    )
