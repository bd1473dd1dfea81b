"""The catalogue intents' answers: the change held, why not, what is missing."""

from __future__ import annotations

from assistant.planner.catalogue_slots import CHANNEL_MOVE, SET_PATTERN
from assistant.planner.intent import Ask, Results

CHANGES = ("add_treatment", "change_treatment", "rollback_catalogue")
_ADD_HELP = (
    "To add a treatment I need its **name, channel** (sms, email, call, push, app), "
    "**purpose** (marketing, service, billing), **cost per contact** and, if it has "
    "one, its **daily capacity**, e.g. *add a treatment: 10% discount SMS, "
    "marketing, £1 a contact, 200 a day*."
)



def proposed(ask: Ask, customer: str | None, results: Results) -> str:
    """The change held for approval, why it cannot be made, or what is missing."""
    for tool in CHANGES:
        held = results.held(tool)
        if held is not None:
            return (
                f"{held.title}: ready for your approval (nothing has changed yet; "
                "approving needs the catalogue role)."
            )
        if results.called(tool):
            return f"**Not changed:** {results.failure(tool)}"
    if ask.u.has(r"\b(add|new|create)\b"):
        return _ADD_HELP + _moved_on(ask)
    if len(ask.u.treatments) == 1 and ask.u.has(CHANNEL_MOVE) and not ask.u.has(
        SET_PATTERN
    ):
        return _channel_fixed(ask) + _moved_on(ask)
    if len(ask.u.treatments) != 1:
        return (
            "Which treatment? Name one, e.g. *disable the marketing call back* or "
            "*set the retention SMS capacity to 500*." + _moved_on(ask)
        )
    return (
        "What should change, and to what? e.g. *set its daily capacity to 8*, *its "
        "cost to £0.40*, *its budget to £500*, or *disable it*. Nothing has changed."
        + _moved_on(ask)
    )


def _channel_fixed(ask: Ask) -> str:
    """Why a treatment's channel is not changed, and what to do instead."""
    name = ask.name(ask.u.treatments[0])
    return (
        f"A treatment's channel is part of what it is, so **{name}** keeps its "
        "channel (its consent, contact rules and capacity follow it). To offer it "
        "on another channel, add a new treatment on that channel, e.g. *add a "
        f"treatment: {name} by email, marketing, £0.50 a contact*, and disable "
        f"this one (*disable {name}*) if it should stop. Nothing has changed."
    )


def _moved_on(ask: Ask) -> str:
    """Drop an action left pending: the analyst moved on to a catalogue change.

    A "go ahead" after this clarification means the change being described, never
    a booking shown turns ago (nothing is written either way).
    """
    pending = ask.session.pending
    if pending is None:
        return ""
    ask.session.drop("the analyst moved on to a catalogue change")
    return f"\n\n(No longer pending: {pending.title}. Nothing was booked.)"


def history(ask: Ask, customer: str | None, results: Results) -> str:
    """The catalogue's versions, newest first."""
    found = results.one("catalogue_history")
    if found is None:
        return f"I could not read the catalogue history: {results.failure()}"
    lines = [f"**Catalogue version {found.in_force} is in force.**"]
    for v in found.versions:
        who = f" by {v.created_by}" if v.created_by else ""
        lines.append(f"- v{v.version}{who} {v.created_at}: {v.action} — {v.reason}")
        lines += [f"  - {c}" for c in v.changes]
    return "\n".join(lines)
