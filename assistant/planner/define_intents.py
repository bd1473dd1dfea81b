"""The planner's row for what the product's words mean ("what does capacity mean?").

A question about a term (churn score, capacity, vulnerable, consent, network
quality, expected value, service before selling, how plans are prioritised) or the
difference between treatments is answered from the configuration
(:mod:`assistant.planner.answers.glossary`); it never asks "which customer?".
"""

from __future__ import annotations

from assistant.planner import calls
from assistant.planner.answers.glossary import define, terms_in
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.utterance import Utterance

ASKS_MEANING = cue(
    r"\bwhat (exactly )?(does|do|did)\b.{0,60}\b(mean|means|stand for|represent|refer "
    r"to|cover|count)\b",
    r"\bwhat (is|are) meant by\b|\bwhat do you mean by\b|\bmeaning of\b",
    r"\b(definition|define|defined)\b",
    r"\bhow (is|are|do you|does it|do we)\b.{0,40}\b(counted|measured|calculated|"
    r"defined|worked out|scored|computed|decided)\b",
    r"\bper day or (per )?week\b|\bdaily or weekly\b",
    r"\bwhat (range|scale|units?)\b|\bwhat is the unit\b",
    r"\b(treated|counted) as (a )?(marketing|service)\b",
    r"\bon what basis\b|\bwhat criteria\b|\bset out the criteria\b",
    weight=6.0,
)


def _about_a_term(u: Utterance, ask: Ask) -> bool:
    """A term of the glossary, or two treatments to tell apart, is asked about."""
    if u.has(
        r"\bwho\b|\bwhich (customers|ones|people)\b|\bhow many\b|^\W*(list|show)\b|"
        r"\b(list|show) (me|us|all|everyone|the customers)\b"
    ):
        return False  # "on that definition, who is classed as vulnerable?" is a list
    return bool(terms_in(u.norm)) or len(u.treatments) > 1


def _tells_apart(u: Utterance, ask: Ask) -> float:
    """Two treatments to tell apart ("the difference between X and Y")."""
    differ = u.has(r"\bdifference between\b|\bdiffer\b|\bhow is .{1,40} different\b")
    return 6.0 if differ and len(u.treatments) > 1 else 0.0


DEFINE_INTENTS: list[Intent] = [
    Intent(
        name="define",
        cues=ASKS_MEANING,
        when=_about_a_term,
        bonus=_tells_apart,
        needs_customer=False,
        calls=calls.none,
        answer=define,
        priority=2,
        examples=(
            "what does the churn score represent?",
            "what does capacity mean here - per day or per week?",
            "what definition of vulnerable are you using?",
            "what's the difference between a service call back and a marketing "
            "call back?",
        ),
    ),
]
