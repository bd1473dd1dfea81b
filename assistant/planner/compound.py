"""Two questions in one message ("what should we offer U124, and when can we call?").

A message the reader is not sure of as a whole may be two or three plain questions
side by side. :func:`parts_of` splits it where a new question starts (after "?",
"." or "!", or at ", and" / "and" before a question word); :func:`read_parts` reads
each part on its own, in the same conversation, and keeps the split only when every
part is read surely, as different intents that only answer or propose (never a
confirmation, a decline, a cancellation or a catalogue or outcome change), with at
most one part proposing an action. Each part is then answered in turn, one reply
after the other (:mod:`assistant.planner.planner`); a part that names no customer is
about the customer of the part before ("can we email U126, and can we call them?").
Anything else stays one message: read as a whole, or a clarification.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner.intents import BY_NAME
from tools.patterns import compiled

if TYPE_CHECKING:
    from assistant.core.session import Session
    from assistant.planner.intent import Ask, Intent
    from assistant.planner.state import PlannerState
    from tools.config import CVMConfig

MAX_PARTS = 3
MIN_WORDS = 2  # "Book it." is a part; "and?" is not

# intents a part may be read as: answers, and the few that propose an action
ANSWERS = frozenset(
    {
        "recommend", "explain", "cost", "options", "why_not", "alternative",
        "compare", "bookings", "capacity", "catalogue", "facts", "journey", "plan",
        "plan_compare", "plan_what_if", "plan_book", "plan_explain",
        "find_customers", "summarise_base", "outcome_report", "outcome_check",
        "outcome_expect", "define", "choose", "book",
    }
)  # fmt: skip
PROPOSING = frozenset(
    {"recommend", "alternative", "choose", "book", "plan_book", "plan_what_if"}
)

_QUESTION_WORD = (
    r"(?:what|what's|whats|when|where|who|who's|which|why|how|can|could|is|are|"
    r"was|were|do|does|did|will|would|should|has|have|any)"
)
_BREAK = compiled(
    rf"(?<=[?.!])\s+(?=\S)|,?\s+and\s+(?={_QUESTION_WORD}\b)|,\s+(?={_QUESTION_WORD}\b)",
    re.I,
)


def parts_of(text: str) -> list[str]:
    """The questions a message puts side by side (one: not a compound message)."""
    parts = [p.strip(" ,;") for p in _BREAK.split(text.strip())]
    parts = [p for p in parts if p]
    if not 2 <= len(parts) <= MAX_PARTS:
        return [text]
    if any(len(re.findall(r"\w+", p)) < MIN_WORDS for p in parts):
        return [text]
    return parts


def read_parts(
    text: str, session: Session, memory: PlannerState, config: CVMConfig
) -> list[tuple[Intent, Ask]] | None:
    """Each part's intent and slots, or None when the message is not read as parts."""
    from assistant.planner.reading import read_message, recognise

    parts = parts_of(text)
    if len(parts) < 2:
        return None
    read: list[tuple[Intent, Ask]] = []
    for part in parts:
        ask = read_message(part, session, memory, config)
        intent = recognise(ask).intent
        if intent.name not in ANSWERS or intent.name not in BY_NAME:
            return None
        if read and not ask.u.customers and read[-1][1].customers:
            ask.customers = list(read[-1][1].customers)  # "…, and can we call them?"
        read.append((intent, ask))
    names = [intent.name for intent, _ in read]
    if len(set(names)) < len(names) or len(PROPOSING.intersection(names)) > 1:
        return None
    return read
