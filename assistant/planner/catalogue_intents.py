"""The planner's catalogue intents: add, change, disable/enable, roll back, history.

Each change is proposed as the catalogue WRITE tool's call, which the guard holds
as a pending action showing the diff; nothing changes until the analyst approves.
Slots are read from the message itself ("add a treatment: 10% discount SMS,
marketing, £1 a contact, 200 a day"; "raise the call-back capacity to 8"); what is
missing is asked for, never guessed. Joined to the planner's table by one line in
:mod:`assistant.planner.intents`.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.answers.catalogue import history, proposed
from assistant.planner.catalogue_slots import (
    CHANNEL_MOVE,
    HISTORY_WORDS,
    SET_PATTERN,
    field_change,
    new_treatment,
    sets_a_field,
)
from assistant.planner.intent import Ask, Call, Intent, call, cue


def _add(ask: Ask, customer: str | None) -> list[Call]:
    slots = new_treatment(ask.u.text)
    if not {"display_name", "channel", "purpose", "cost"} <= set(slots):
        return []
    return [call("add_treatment", **slots)]


def _one_treatment(ask: Ask) -> str | None:
    return ask.u.treatments[0] if len(ask.u.treatments) == 1 else None


def _switch(enabled: bool) -> Any:
    def calls(ask: Ask, customer: str | None) -> list[Call]:
        key = _one_treatment(ask)
        if key is None:
            return []
        return [call("change_treatment", treatment_key=key, enabled=enabled)]

    return calls


def _set(ask: Ask, customer: str | None) -> list[Call]:
    key, change = _one_treatment(ask), field_change(ask.u.text)
    if key is None or not change:
        return []
    force = bool(re.search(r"\b(force|anyway|even so)\b", ask.u.norm))
    return [call("change_treatment", treatment_key=key, force=force, **change)]


def _rollback(ask: Ask, customer: str | None) -> list[Call]:
    version = re.search(r"\bversion\s*(\d+)\b|\bv(\d+)\b", ask.u.norm)
    to = int(version.group(1) or version.group(2)) if version else None
    return [call("rollback_catalogue", version=to)]


def _history(ask: Ask, customer: str | None) -> list[Call]:
    return [call("catalogue_history", limit=10)]


def _changes_a_treatment(u: Any, ask: Ask) -> bool:
    """A field change, or a channel move of one treatment named (no customer)."""
    if u.has(SET_PATTERN) or sets_a_field(u):
        return True
    return len(u.treatments) == 1 and not u.customers and u.has(CHANNEL_MOVE)


def _about_a_treatment(u: Any, ask: Ask) -> float:
    """History or changes of one treatment named, no customer: its history."""
    return 6.0 * (len(u.treatments) == 1 and not u.customers and u.has(HISTORY_WORDS))


CATALOGUE_INTENTS: list[Intent] = [
    Intent(
        name="catalogue_add",
        cues=cue(
            r"\b(add|create|introduce|launch|set up) (a |an |the )?(new )?"
            r"(treatment|offer|action)\b",
            r"\bnew treatment\b",
            weight=6.0,
        ),
        needs_customer=False,
        calls=_add,
        answer=proposed,
        priority=3,
        examples=(
            "add a treatment: 10% discount SMS, marketing, £1 a contact, 200 a day",
            "add a new treatment",
        ),
    ),
    Intent(
        name="catalogue_disable",
        cues=cue(
            r"\b(disable|switch off|turn off|retire|deactivate|pause|suspend|stop "
            r"offering)\b",
            weight=5.0,
        ),
        needs_customer=False,
        calls=_switch(False),
        answer=proposed,
        priority=3,
        examples=("disable the marketing call back", "switch off retention sms"),
    ),
    Intent(
        name="catalogue_enable",
        cues=cue(
            r"\b(enable|re-?enable|switch on|turn on|reactivate|resume|start "
            r"offering)\b",
            r"\b(turn|switch|put)\b.{0,40}\b(back )?on( again)?\b",
            weight=5.0,
        ),
        needs_customer=False,
        calls=_switch(True),
        answer=proposed,
        priority=3,
        examples=("enable the marketing call back", "turn retention sms back on"),
    ),
    Intent(
        name="catalogue_set",
        cues=cue(SET_PATTERN, weight=6.0),
        when=_changes_a_treatment,
        bonus=lambda u, ask: 2.0 * (len(u.treatments) == 1),  # a treatment named
        needs_customer=False,
        calls=_set,
        answer=proposed,
        priority=3,
        examples=(
            "raise the marketing call back capacity to 8 today",
            "set the retention sms cost to £0.40",
        ),
    ),
    Intent(
        name="catalogue_rollback",
        cues=cue(
            r"\broll ?back\b.{0,40}\b(catalog(ue)?|treatments?)\b",
            r"\b(undo|revert)\b.{0,40}\bcatalog(ue)?\b",
            r"\bcatalog(ue)?\b.{0,30}\b(back to|roll ?back)\b",
            weight=7.0,
        ),
        needs_customer=False,
        calls=_rollback,
        answer=proposed,
        priority=3,
        examples=(
            "roll back the catalogue",
            "roll back the catalogue to version 1",
            "undo the last catalogue change",
        ),
    ),
    Intent(
        name="catalogue_history",
        cues=cue(
            r"\bcatalog(ue)? (history|versions?|changes?)\b",
            r"\b(who|what) changed\b.{0,30}\b(catalog(ue)?|treatments?)\b",
            r"\bhistory of the (catalog(ue)?|treatments?)\b",
            weight=6.0,
        ),
        bonus=_about_a_treatment,
        needs_customer=False,
        calls=_history,
        answer=history,
        priority=3,
        examples=("catalogue history", "who changed the catalogue?"),
    ),
]
