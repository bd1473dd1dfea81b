"""The typed reading of one analyst message: normalised words and filled slots.

Typos are corrected word by word against the planner's vocabulary
(:mod:`assistant.planner.typos`), so "wat shud we ofer u124" reads as "what should
we offer u124"; treatment names are then matched on the corrected text, channels
named and ruled out by :mod:`assistant.planner.channel_slots`. Nothing here knows
about intents: the table in :mod:`assistant.planner.intents` reads the slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from assistant.core.mentions import customer_ids_in, treatments_named
from assistant.planner.amounts import count_value, money_after, word_number
from assistant.planner.channel_slots import channels_in, excluded_channels
from assistant.planner.thresholds import Found, find_thresholds
from assistant.planner.typos import WORD, correct
from assistant.planner.vocabulary import FACETS
from tools.config import CVMConfig
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.base_queries.models import Threshold

Reference = Literal["it", "them", "that", "both"]

_LOOSE_ID = compiled(
    r"\b(?:customer|cust|client|subscriber|account)s?\s+(?:id\s+|number\s+|no\.?\s+)?"
    r"#?([a-z0-9-]*\d[a-z0-9-]*)\b",
    re.I,
)
_COST = compiled(
    r"\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|"
    r"no more than|within|not over|not more than)\b",
    re.I,
)
_ALLOCATION_ID = compiled(r"(?:#|\ballocation\s+|\bbooking\s+|\bid\s+)(\d+)", re.I)
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
    "final": -1,
    "bottom": -1,
    "cheapest": 0,
    "cheaper": 0,
}
_N = (
    r"\d{1,5}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ]\w+)?|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"a hundred|hundred"
)
_COUNT = compiled(
    rf"\b(?:top|best|first|riskiest|biggest)\s+(?P<a>{_N})\b|"
    rf"\b(?:show|list|give|get|find)(?: me| us)?(?: the)?\s+(?P<b>{_N})\b|"
    rf"(?<![\w.£])(?P<c>{_N})\s+(?:best\s+|top\s+|cheapest\s+|riskiest\s+|most "
    r"\w+\s+)?(?:options|alternatives|choices|treatments|offers|ideas|customers|"
    r"people|accounts|names|rows|of them|of those)\b",
    re.I,
)
_ORDINAL = compiled(
    r"\b(?P<back>second|2nd|third|3rd) (?:to |from )?(?:last|bottom)\b|"
    r"\b(?P<penult>penultimate|last but one)\b|"
    r"\b(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    r"last|final|cheapest|cheaper)\b(?:\s+(?:one|option|choice|alternative))?|"
    r"(?<![\w#])(?P<nth>\d{1,2})(?:st|nd|rd|th)\b|"
    r"\b(?:option|number|choice|no\.?)\s*(?P<num>\d{1,2}\b|one|two|three|four|five|"
    r"six|seven|eight|nine|ten)\b|"
    r"\b(?P<bottom>bottom)\s+(?:one|option)\b",
    re.I,
)
_NARROW = compiled(
    r"\b(?:of|among(?:st)?|from|out of|within|in) (?:those|them|these|that list|"
    r"the list|this list|that lot|the last list|the ones? (?:above|listed|shown)|"
    r"(?:that|this|the|the same) (?:group|cohort|bunch|set|segment))\b|"
    r"\b(?:which|who|how many|any|all|none) of (?:them|those|these)\b|"
    r"\b(?:those|these|the same) (?:customers|people|ones|accounts)\b|"
    r"\b(?:narrow|filter|restrict) (?:it|that|them|those|the list|that list)\b",
    re.I,
)
_REFERENCES: list[tuple[str, Reference]] = [
    (r"\b(both|each of them|all of them|all three|either)\b", "both"),
    (r"\b(them|they|their|those)\b", "them"),
    (r"\b(that one|this one|that option|this option|that|this)\b", "that"),
    (r"\b(it|its|him|her|he|she|the customer)\b", "it"),
]


@dataclass
class Utterance:
    """One analyst message with its slots filled.

    Attributes:
        text: The message as typed.
        norm: Lower-case text with typos corrected (what intents' cues match).
        customers: Customer ids named, in order ("customer 124" reads as U124).
        treatments: Treatment keys named (by key or display name, typos fixed).
        channels: Channels mentioned and not excluded.
        excluded_channels: Channels the analyst wants to avoid.
        max_cost: Cost limit per contact ("under £5", "less than a fiver").
        count: How many options or customers ("top 3", "show me 20 customers").
        ordinal: Which option of the last list ("the second one", "2nd", "number
            two" = 2; last = -1, second to last = -2; cheapest = 0).
        thresholds: Numeric filters ("churn above 0.5", "over £50 a month",
            "less than 3 months tenure"), see :mod:`assistant.planner.thresholds`.
        narrows: The message narrows the last list shown ("of those", "which of
            them", "those customers").
        references: Pronoun references found ("it", "them", "that", "both").
        allocation_id: A booking id ("#3", "booking 3").
        facets: Customer facts asked about (consents, bills, usage, ...).
        corrected: Words the typo correction changed (typed → read as).
    """

    text: str
    norm: str
    customers: list[str] = field(default_factory=list)
    treatments: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    excluded_channels: list[str] = field(default_factory=list)
    max_cost: float | None = None
    count: int | None = None
    ordinal: int | None = None
    thresholds: list[Threshold] = field(default_factory=list)
    narrows: bool = False
    references: list[Reference] = field(default_factory=list)
    allocation_id: int | None = None
    facets: list[str] = field(default_factory=list)
    corrected: dict[str, str] = field(default_factory=dict)

    def has(self, pattern: str) -> bool:
        """Whether the normalised text matches a regular expression."""
        return compiled(pattern).search(self.norm) is not None

    @property
    def other_words(self) -> int:
        """How many words the message has besides customer ids."""
        return len(WORD.findall(compiled(r"\bu-?\d+s?\b").sub(" ", self.norm)))


def _count(norm: str) -> int | None:
    """How many are asked for ("top 3", "show me twenty customers")."""
    for m in _COUNT.finditer(norm):
        raw = m.group("a") or m.group("b") or m.group("c")
        if raw.lower() == "one" and not m.group("b"):
            continue  # "the first one" is an ordinal, "one of them" a member
        value = count_value(raw)
        if value:
            return value
    return None


def _ordinal(norm: str) -> int | None:
    """Which item of the last list ("2nd", "the third one", "number two", "last")."""
    m = _ORDINAL.search(norm)
    if m is None:
        return None
    if m.group("back"):
        return -(ORDINALS.get(m.group("back").lower()) or int(m.group("back")[0]))
    if m.group("penult"):
        return -2
    if m.group("word"):
        return ORDINALS[m.group("word").lower()]
    if m.group("nth"):
        return int(m.group("nth"))
    if m.group("num"):
        raw = m.group("num")
        return int(raw) if raw.isdigit() else int(word_number(raw) or 0) or None
    return -1  # "the bottom one"


def _max_cost(norm: str, thresholds: list[Found]) -> float | None:
    """The cost limit ("under £5", "less than a fiver").

    A comparison with money that no threshold took ("spending under £40" is a
    revenue threshold, not a cost limit).
    """
    for m in _COST.finditer(norm):
        if any(start <= m.start() < end for _, start, end in thresholds):
            continue
        value = money_after(norm, m.end(), within=3)
        if value is not None:
            return value
    return None


def _without_treatment_names(norm: str, config: CVMConfig) -> str:
    """The text with the catalogue's treatment names blanked out."""
    for key, t in config.treatments.items():
        for name in (t.display_name.lower(), key.replace("_", " ")):
            norm = re.sub(rf"\b{re.escape(name)}s?\b", " ", norm)
    return norm


def read(
    text: str, config: CVMConfig, known: frozenset[str] = frozenset()
) -> Utterance:
    """Read an analyst message into an utterance with its slots.

    Args:
        text: The analyst's message.
        config: The configuration (treatments, channels).
        known: Words typos are corrected to besides the built-in vocabulary (the
            planner passes its intents' cue words).
    """
    norm, corrected = correct(text, config, known)
    customers = customer_ids_in(text)
    customers += [
        f"U{m}" if m.isdigit() else m.upper()
        for m in _LOOSE_ID.findall(text)
        if not customer_ids_in(m)
    ]
    u = Utterance(text=text, norm=norm, corrected=corrected)
    u.customers = list(dict.fromkeys(customers))
    u.treatments = treatments_named(norm, config)
    u.excluded_channels = excluded_channels(norm)
    u.channels = [c for c in channels_in(norm) if c not in u.excluded_channels]
    found = find_thresholds(norm)
    u.thresholds = [t for t, _, _ in found]
    u.max_cost = _max_cost(norm, found)
    u.count = _count(norm)
    u.ordinal = _ordinal(norm)
    u.narrows = _NARROW.search(norm) is not None
    u.references = [
        ref
        for pattern, ref in _REFERENCES
        if compiled(pattern).search(norm) is not None
    ]
    alloc = _ALLOCATION_ID.search(norm)
    u.allocation_id = int(alloc.group(1)) if alloc else None
    plain = _without_treatment_names(norm, config)  # "Bill Review Call" is no bill
    u.facets = [f for f, p in FACETS.items() if compiled(p, re.I).search(plain)]
    return u
