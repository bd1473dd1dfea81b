"""Answers about the ledger and the catalogue: book, cancel, bookings, capacity."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Results
from assistant.planner.ledger_calls import (
    days_ago,
    described_booking,
    dropping_proposal,
)
from assistant.views.text import CHANNEL_NAMES, money
from tools.allocation import Availability, ConstraintsReport
from tools.allocation_results import Allocation
from tools.bookings import Bookings
from tools.patterns import compiled
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from tools.catalogue import Catalogue, TreatmentDetail


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
        ago = days_ago(ask.u.norm) if found.today_only else None
        when = (
            "(every day)"
            if not found.today_only
            else f"on {found.day}"
            if ago
            else f"today ({found.day})"
        )
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
    lines = [f"**Capacity today ({items[0].day}):**", *map(_availability_line, items)]
    used = sum(a.used for a in items)
    lines.append(
        f"Booked today: {used} across these"
        + ("." if used else ": nothing is used yet, everything above is free.")
    )
    if _BUDGET.search(ask.u.text):  # "and what's left of today's budget?": first
        lines = [budget_summary(items), "", *lines]
    return "\n".join(lines)


_BUDGET = compiled(r"\bbudgets?\b|\bspen[dt]\b|\bmoney\b", re.I)


def budget_summary(items: list[Availability]) -> str:
    """The money budgets today, plainly: which treatments have one, and what is left."""
    budgeted = [a for a in items if a.daily_budget is not None]
    if not budgeted:
        return (
            "None of these treatments has a money budget today: they are limited "
            "by their daily slots only."
        )
    parts = [
        f"{a.display_name} {money(a.daily_budget - a.spent)} left of "
        f"{money(a.daily_budget)}"
        for a in budgeted
        if a.daily_budget is not None
    ]
    return (
        f"**Money budgets today:** {'; '.join(parts)}. The other treatments have no "
        "money budget: they are limited by their daily slots (call treatments by "
        "call-centre slots)."
    )


def catalogue(ask: Ask, customer: str | None, results: Results) -> str:
    """The treatment catalogue grouped by purpose, or one treatment's card."""
    card = results.one("show_treatment")
    if card is not None:
        return treatment_card(card, ask)
    if results.called("show_treatment"):
        return f"I could not read that treatment: {results.failure('show_treatment')}"
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


def treatment_card(t: TreatmentDetail, ask: Ask) -> str:
    """One treatment as the catalogue in force has it (and the booking pending)."""
    cap = "no daily limit" if t.max_per_day is None else f"up to {t.max_per_day} a day"
    budget = "" if t.daily_budget is None else f"; budget {money(t.daily_budget)} a day"
    channel = CHANNEL_NAMES.get(t.channel, t.channel)
    slot = " (uses a call-centre slot)" if t.channel == "call" else ""
    off = "" if t.enabled else " **Disabled**: it is not offered now."
    lines = [
        f"**{t.display_name}** (catalogue version {t.version}): goes out by "
        f"**{channel}**{slot}, {t.purpose}; {money(t.cost)} a contact; {cap}"
        f"{budget}.{off}",
        f"Assumed acceptance (its prior, before the customer's signals): "
        f"**{t.base_propensity:.0%}**; take-up measured from outcomes: ask "
        f'"how did {t.display_name} do?".',
    ]
    if t.description:
        lines.append(t.description)
    pending = ask.session.pending
    held = pending.arguments.get("treatment_key") if pending is not None else None
    if pending is not None and held == t.treatment_key:
        lines.append(f"Still waiting for your confirmation: **{pending.title}**.")
    return "\n".join(lines)
