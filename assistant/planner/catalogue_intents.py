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

from assistant.planner.amounts import amount_after
from assistant.planner.intent import Ask, Call, Intent, Results, call, cue

MONEY = r"£\s*(\d+(?:\.\d+)?)"
CHANNEL_WORDS = (
    (r"\b(sms|text(s| message)?)\b", "sms"),
    (r"\be-?mails?\b", "email"),
    (r"\b(call(-| )?backs?|calls?|phone)\b", "call"),
    (r"\bpush\b", "push"),
    (r"\bapp\b", "app"),
)
FIELD_WORDS = (
    (r"\b(capacity|limit|slots?|per day|a day|daily cap)\b", "max_per_day"),
    (r"\bbudget\b", "daily_budget"),
    (r"\b(cost|price)\b", "cost"),
    (r"\b(propensity|prior|take-?up|acceptance)\b", "base_propensity"),
    (r"\bpriority\b", "priority"),
)
CHANGES = ("add_treatment", "change_treatment", "rollback_catalogue")
_ADD_HELP = (
    "To add a treatment I need its **name, channel** (sms, email, call, push, app), "
    "**purpose** (marketing, service, billing), **cost per contact** and, if it has "
    "one, its **daily capacity**, e.g. *add a treatment: 10% discount SMS, "
    "marketing, £1 a contact, 200 a day*."
)


def new_treatment(text: str) -> dict[str, Any]:
    """The slots of "add a treatment: NAME, purpose, £cost a contact, N a day"."""
    low = text.lower()
    found: dict[str, Any] = {}
    name = re.search(
        r"\b(?:treatment|offer|action)\b\s*(?:called|named)?\s*[:\-]?\s*"
        r"[\"'“]?([^,\"”;]+)",
        text,
        re.I,
    )
    if name and name.group(1).strip():
        found["display_name"] = name.group(1).strip().rstrip(".")
    where = found.get("display_name", "").lower() + " " + low
    for pattern, channel in CHANNEL_WORDS:
        if re.search(pattern, where):
            found["channel"] = channel
            break
    purpose = re.search(r"\b(marketing|service|billing)\b", low)
    if purpose:
        found["purpose"] = purpose.group(1)
    budget = re.search(MONEY + r"\s*(?:a|per|/)\s*day|budget (?:of )?" + MONEY, low)
    if budget:
        found["daily_budget"] = float(budget.group(1) or budget.group(2))
    cost = re.search(MONEY + r"(?!\s*(?:a|per|/)\s*day)", low)
    pence = re.search(r"\b(\d+)\s*(?:p|pence)\b", low)
    if cost:
        found["cost"] = float(cost.group(1))
    elif pence:
        found["cost"] = int(pence.group(1)) / 100
    elif re.search(r"\bfree\b|\bno cost\b", low):
        found["cost"] = 0.0
    per_day = re.search(r"(?<![£\d.])(\d[\d,]*)\s*(?:a|per|/)\s*day\b", low)
    if per_day:
        found["max_per_day"] = int(per_day.group(1).replace(",", ""))
    prior = re.search(r"(\d+(?:\.\d+)?)\s*%\s*(?:take-?up|acceptance|propensity)", low)
    if prior:
        found["base_propensity"] = float(prior.group(1)) / 100
    return found


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


def field_change(text: str) -> dict[str, Any]:
    """The field and new value of "raise the call-back capacity to 8".

    The value is the first amount right after a "to", read as the planner reads
    every amount (:mod:`assistant.planner.amounts`): "to 1,000", "to 40p" (£0.40),
    "to ten", "to 15%" (0.15).
    """
    low = text.lower()
    after_to = (
        amount_after(low, to.end(), within=2)
        for to in re.finditer(r"\bto\b|\bmake it\b|\bshould be\b|\bset it at\b", low)
    )
    value = next((a for a in after_to if a is not None), None)
    if value is None:
        return {}
    for pattern, field in FIELD_WORDS:
        if re.search(pattern, low):
            number = value.value / (100 if value.percent else 1)
            if field in ("max_per_day", "priority"):
                return {field: int(number)}
            return {field: number}
    return {}


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


_CHANGE_WORDS = r"(raise|increase|lower|reduce|cut|set|change|make|bump|drop|put)"
SET_PATTERN = (
    r"\b" + _CHANGE_WORDS + r"\b.{0,60}\b(capacity|limit|budget|cost|price|"
    r"propensity|prior|priority|slots|acceptance|take-?up)\b.{0,40}\bto\b"
)
# an order to change a field ("set the acceptance rate of retention sms to 12%"),
# never a question about how it did
SET_ORDER = (
    r"^\W*((please|pls|kindly|can (you|u)|could (you|u)|ok|okay|now|right)\W+)*"
    + SET_PATTERN
)
# "move the service call back to the app channel": a treatment's channel is part of
# what it is (not a field to change); the answer says how to do it instead
CHANNEL_MOVE = (
    r"\b(move|switch|change|make|put|shift)\b.{0,60}\b(to|onto|by|via|over to|go by)"
    r" (the )?(sms|text|e-?mail|app|push|phone|call)s?\b"
)
HISTORY_WORDS = (
    r"\b(history|versions?|(who|what|when)\b.{0,20}\b(changed|edited|updated))\b"
)


_ASKING = (
    r"\?\s*$|^\W*(?:um\W+)?(?:what|how|why|which|who|is|are|does|do|did|has|have)\b"
)


def sets_a_field(u: Any) -> bool:
    """One treatment named, a field and "to" a value, not a question.

    "acceptance rate loyalty app to 0.12", "um put the acceptance rate on the
    personalised offer to twelve percent": an order to change it.
    """
    return (
        len(u.treatments) == 1
        and not u.customers
        and bool(field_change(u.text))
        and not u.has(_ASKING)
    )


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
