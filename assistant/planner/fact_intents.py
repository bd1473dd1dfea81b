"""The planner's fact intents: the treatment catalogue, a customer's facts, journey."""

from __future__ import annotations

from assistant.planner import calls
from assistant.planner.answers import facts, ledger
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.utterance import Utterance


def _no_customer(u: Utterance, ask: Ask) -> bool:
    return not u.customers


FACT_INTENTS: list[Intent] = [
    Intent(
        name="catalogue",
        cues=cue(
            r"\bwhat (treatments|offers|actions|products)\b",
            r"\b(list|show|which|all|every) (the |our |of the )?(treatments?|offers|"
            r"actions|products)\b",
            r"\bcatalog(ue)?\b",
            r"\b(treatments|offers|actions) (do |can |could )?we (have|offer|run)\b",
            r"\bwhat (can|could) we (offer|send)\W*$",
            r"\b(kinds?|types?|sorts?) of (treatments?|offers?|actions?)\b",
            r"\btreatments? (are there|exist|available)\b",
            weight=3.0,
        )
        + cue(r"\btreatments\b", r"\bportfolio\b", r"\brange\b", weight=1.5),
        when=_no_customer,
        needs_customer=False,
        calls=calls.catalogue,
        answer=ledger.catalogue,
        examples=("what treatments do we have?", "list the treatments", "catalogue"),
    ),
    Intent(
        name="facts",
        cues=(),
        when=lambda u, ask: bool([f for f in u.facets if f != "journey"]),
        bonus=lambda u, ask: (
            2.0
            + 0.5 * len(u.facets)
            + 1.0 * u.has(r"\b(show|tell|what|how|list|give|explain|check|see)\b")
        ),
        calls=calls.facts,
        answer=facts.facts,
        examples=("explain U126's contact permissions", "show U124's bills"),
    ),
    Intent(
        name="journey",
        cues=cue(
            r"\bjourney\b",
            r"\btimeline\b",
            r"\bwhat('s| has)? happened\b",
            r"\btouch ?points?\b",
            r"\bbeen up to\b",
            weight=3.0,
        )
        + cue(r"\bhistory\b", r"\bevents\b", weight=2.0),
        calls=calls.journey,
        answer=facts.journey,
        examples=("U124's journey", "show the timeline for U125"),
    ),
]
