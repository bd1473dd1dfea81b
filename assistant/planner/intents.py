"""The planner's table: every intent it understands, one entry each.

Each group of intents sits in its own module (the decisions about one customer in
:mod:`assistant.planner.decision_intents`; conversation, ledger, facts, plan, base
and the rest beside it) and joins the table in order; the follow-on ("and U126?"),
clarification and unknown rows are here.

Read :mod:`assistant.planner` for how to add one.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.planner import calls
from assistant.planner.answers import talk
from assistant.planner.approval_intents import APPROVAL_INTENTS
from assistant.planner.base_intents import BASE_INTENTS
from assistant.planner.base_words import SLOT_PATTERNS
from assistant.planner.catalogue_intents import CATALOGUE_INTENTS
from assistant.planner.decision_intents import DECISION_INTENTS
from assistant.planner.define_intents import DEFINE_INTENTS
from assistant.planner.export_intents import EXPORT_INTENTS
from assistant.planner.fact_intents import FACT_INTENTS
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.ledger_intents import LEDGER_INTENTS
from assistant.planner.outcome_intents import OUTCOME_INTENTS
from assistant.planner.plan_intents import PLAN_INTENTS
from assistant.planner.talk_intents import TALK_INTENTS
from assistant.planner.typos import WORD, pattern_words
from assistant.planner.utterance import Utterance
from tools.patterns import compiled


def _repeat(u: Utterance, ask: Ask) -> bool:
    """Only a customer and a linking word: "and U126?", "same for U127".

    Or only a channel or treatment after a question that takes one: "and sms?"
    after "how many call-backs are left?", "what about email?" after "why not an
    SMS?" (the last question again, for that channel or treatment).
    """
    last = ask.memory.intent
    most = 6 if _SAME.search(u.norm) else 4  # "and the same for U128 please"
    if u.customers:
        return u.other_words <= most and last in REPEATABLE
    slot = bool(u.channels or u.treatments) and not u.excluded_channels
    return slot and len(WORD.findall(u.norm)) <= most and last in BY_SLOT


# questions a channel or treatment alone repeats ("and sms?")
BY_SLOT = frozenset({"capacity", "why_not"})


_SAME = compiled(r"\bsame\b", re.I)


TABLE: list[Intent] = [
    *TALK_INTENTS,
    *DECISION_INTENTS,
    *LEDGER_INTENTS,
    *FACT_INTENTS,
]

TABLE += PLAN_INTENTS
TABLE += BASE_INTENTS
TABLE += EXPORT_INTENTS
TABLE += CATALOGUE_INTENTS
TABLE += OUTCOME_INTENTS
TABLE += APPROVAL_INTENTS
TABLE += DEFINE_INTENTS

REPEATABLE = {
    i.name
    for i in TABLE
    if i.needs_customer and i.name not in {"book", "choose", "compare"}
}

FOLLOW_ON = Intent(
    name="repeat",
    cues=cue(
        r"^\W*(and|what about|how about|same (for|with)|now|then|ok,? (and|now))\b",
        r"^\W*u-?\d+\W*(too|as well|also)\W*$",
        r"\bsame (?:again |thing |q |question |one |deal )?(?:for|with)\b",
        weight=3.0,
    ),
    when=_repeat,
    calls=calls.none,
    answer=talk.unknown,
    priority=3,
    examples=("and U126?", "what about U125?", "same for U127"),
)
CLARIFY = Intent(
    name="clarify",
    cues=(),
    calls=calls.focus_named,  # the customer named stays in focus for the choice
    answer=talk.clarify,
    needs_customer=False,
    examples=(),
)
UNKNOWN = Intent(
    name="unknown",
    cues=(),
    calls=calls.focus_named,
    answer=talk.unknown,
    needs_customer=False,
    examples=("asdf qwerty",),
)
BY_NAME = {i.name: i for i in [*TABLE, FOLLOW_ON, UNKNOWN, CLARIFY]}


@cache
def cue_words() -> frozenset[str]:
    """Plain words in the cues and the filters (the typo corrector's vocabulary)."""
    words: set[str] = set()
    for pattern in SLOT_PATTERNS:
        words |= pattern_words(pattern)
    for intent in [*TABLE, FOLLOW_ON]:
        for pattern, _ in intent.cues:
            words |= pattern_words(pattern)
    return frozenset(words)
