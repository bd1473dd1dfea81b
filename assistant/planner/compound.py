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

from typing import TYPE_CHECKING

from assistant.planner.parts import parts_of

if TYPE_CHECKING:
    from assistant.core.session import Session
    from assistant.planner.intent import Ask, Intent
    from assistant.planner.state import PlannerState
    from tools.config import CVMConfig

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
# what a part that only tells may be read as: nothing sure, or small talk
TELLING = frozenset({"clarify", "unknown", "thanks", "help", "affirm"})
PROPOSING = frozenset(
    {"recommend", "alternative", "choose", "book", "plan_book", "plan_what_if"}
)


def read_parts(
    text: str,
    session: Session,
    memory: PlannerState,
    config: CVMConfig,
    likeliest: str | None = None,
) -> list[tuple[Intent, Ask]] | None:
    """Each part's intent and slots, or None when the message is not read as parts.

    ``likeliest``: the whole message's likeliest reading (a question read alone
    must be read as it too).
    """
    parts = parts_of(text)
    if len(parts) < 2:
        return None
    read: list[tuple[Intent, Ask]] = []
    here = session.customer_id
    try:
        for part in parts:
            if read and read[-1][1].customers:  # "…, and can we call them?"
                session.customer_id = read[-1][1].customers[0]
            read.append(_read_part(part, session, memory, config))
    finally:
        session.customer_id = here
    names = [intent.name for intent, _ in read]
    if all(n in ANSWERS for n in names):
        if len(set(names)) < len(names) or len(PROPOSING.intersection(names)) > 1:
            return None
        return read
    return _the_question(parts, read, likeliest)


def _read_part(
    part: str, session: Session, memory: PlannerState, config: CVMConfig
) -> tuple[Intent, Ask]:
    from assistant.planner.reading import read_message, recognise

    ask = read_message(part, session, memory, config)
    return recognise(ask).intent, ask


def _the_question(
    parts: list[str], read: list[tuple[Intent, Ask]], likeliest: str | None
) -> list[tuple[Intent, Ask]] | None:
    """The one question (or order) of a message that only tells around it, alone.

    "I've got U129 on the line and they sound quite upset. What do we know about
    them?": the question is read surely and answered (about the customer the
    message names) when it is also the whole message's likeliest reading; the other
    parts are read as nothing sure and nothing that would change anything (a
    report such as "they don't want the offer" keeps the whole message a
    clarification). "Ok, leave it as recommended then. Book it." is the order.
    """
    sure = [i for i, (intent, _) in enumerate(read) if intent.name in ANSWERS]
    questions = [i for i, p in enumerate(parts) if p.rstrip().endswith("?")]
    if len(sure) != 1 or (questions and questions != sure):
        return None  # a question asked besides is never left unanswered
    intent, ask = read[sure[0]]
    if intent.name != likeliest:
        return None
    others = [read[i][0].name for i in range(len(read)) if i != sure[0]]
    if any(n not in TELLING for n in others):
        return None
    if not ask.u.customers:
        named = [c for _, a in read for c in a.u.customers]
        ask.customers = list(dict.fromkeys(named)) or ask.customers
    return [(intent, ask)]
