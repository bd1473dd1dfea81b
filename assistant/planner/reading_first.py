"""Readings decided by the message's words before the model is asked.

A treatment's own facts ("which channel is that going out on?"), a bare customer id,
"what i can offer him?", an order naming a plan id, a greeting, a channel the product
does not have, undoing a catalogue change or a booking, the count of the list just
shown: each read as such whatever the model's probabilities
(:func:`ruled`, used first by :func:`assistant.planner.reading.recognise`).
"""

from __future__ import annotations

import re

from assistant.approvals.scope import QUESTION
from assistant.planner import reading_rules as rules
from assistant.planner.intent import Ask
from assistant.planner.parts import parts_of
from assistant.planner.questions import (
    asks_what_to_offer,
    counts_last_list,
    undoes_a_booking,
    undoes_a_change,
    unsupported_channel,
)

# a question about one treatment's own facts (its channel, cost, capacity, budget,
# the acceptance rate it is set to), of the one named or, naming none, of the
# booking pending ("which channel is that going out on?"): its catalogue card
_CHANNEL_FACT = re.compile(
    r"\b(?:what|which) channel\b|\bgoing out (?:on|by|via)\b|"
    r"\bcall[- ]cent(?:re|er) slots?\b",
    re.I,
)
_FIELD_FACT = re.compile(
    r"\bwhat(?:'s| is) the (?:cost|price|budget|capacity|daily (?:cap|limit))\b|"
    r"\b(?:acceptance|take-?up) rate\b.{0,30}\bset (?:to|at)\b|"
    r"\bassumed (?:acceptance|take-?up)\b|"
    r"\b(?:acceptance|take-?up) rate\b.{0,12}\b(?:are we |we're |we are )?assum|"
    r"\bassum\w* (?:an? |the )?(?:acceptance|take-?up)\b|"
    r"\b(?:acceptance|take-?up) rate\b.{0,12}\b(?:configured|set for|in the catalogue|"
    r"(?:we )?have (?:down|on file|pencilled) for)",
    re.I,
)
# the action's worth is the cost reading's answer, not the catalogue's
_WORTH = re.compile(r"\b(?:expected value|ev|worth|return|margin|pay back|roi)\b", re.I)


def asks_about_treatment(ask: Ask) -> bool:
    """A question about a treatment's own facts (named, or the pending booking's).

    Its channel, of the one named or of the booking pending ("which channel is that
    going out on?"); its cost, capacity, budget or the acceptance rate it is set to,
    of the one named (the cost of the action pending, and its worth, is the cost
    reading's).
    """
    u = ask.u
    asked = "?" in u.text or QUESTION.search(u.text)
    if u.customers or not asked or _WORTH.search(u.norm):
        return False
    named = len(u.treatments) == 1
    if named and (_CHANNEL_FACT.search(u.norm) or _FIELD_FACT.search(u.norm)):
        return True
    pending = ask.session.pending
    booking = pending is not None and pending.tool == "allocate_treatment"
    return not u.treatments and booking and bool(_CHANNEL_FACT.search(u.norm))


def ruled(ask: Ask) -> tuple[str, str | None] | None:
    """The intent a rule on the message's words reads it as, and its nearest.

    None: no such rule; the model reads it.
    """
    if rules.bare_customer(ask):
        return "recommend", None
    if asks_what_to_offer(ask) and len(parts_of(ask.u.text)) == 1:
        return "recommend", None  # "what i can offer him?"
    if rules.orders_a_named_plan(ask):  # "approve plan P20240306-1"
        return "plan_book", None
    if rules.greeting(ask):  # "hiya!"
        return "help", None
    if asks_about_treatment(ask):  # "which channel is that going out on?"
        return "catalogue", None
    channel = unsupported_channel(ask.u.text)
    if channel:  # "send it by WhatsApp instead": an honest can't
        office = channel.lower() in ("teams", "slack")  # a file to share: export
        return "unknown", "export" if office else None
    if undoes_a_change(ask.u.text):  # "cancel the last modification on X"
        return "catalogue_rollback", None
    if undoes_a_booking(ask.u.text):  # "remove the SMS booked for U125"
        return "cancel", None
    if counts_last_list(ask.u, ask):  # "how many are there on that list?"
        return "find_customers", None
    return None
