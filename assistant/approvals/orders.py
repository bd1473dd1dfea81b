"""Reading an analyst's message: is it an order to book or cancel, or a confirmation?

Deterministic (regular expressions over clauses, no model). An *order* is an
imperative to book or cancel a named or just-proposed action, or a plain
confirmation ("yes", "approve", "go ahead"). Everything else is a
:class:`NotAnOrder` with the reason it is not one:

- ``question``: "What did we book today?", "Could you book it?", "Book it?"
- ``negated``: "no, don't go ahead", "I'm not ready to book", "hold off"
- ``conditional``: "if I said book it, what would it cost?"
- ``deferred``: "book it tomorrow", "not now, later"
- ``reported``: "the customer said 'book it' in the chat", "she said yes"
- ``other_sense``: "confirm the customer's consent status", "arrange the options
  by cost", "proceed with the explanation", "drop e-mail from the options"
- ``vague``: "book whatever is best" (no named or proposed target)
- ``several``: two customers or two different actions in one message
- ``not_imperative``: "we should book it", "you booked it"
- ``no_order``: no order verb at all ("Why?", "Show U124's bills")

Usage::

    reading = classify_order("Yes, book it for U124", config)
    if isinstance(reading, Order):
        reading.kind, reading.customers, reading.treatments, reading.reference

What an order *approves* (which exact action, for which customer in focus) is
decided by :mod:`assistant.approvals.scope`, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.approvals import vocabulary as words
from tools.config import CVMConfig

OrderKind = Literal["book", "cancel", "confirm"]
Reference = Literal["proposed", "named", "booking", "phrase"]
Reason = Literal[
    "empty",
    "question",
    "negated",
    "conditional",
    "deferred",
    "reported",
    "other_sense",
    "vague",
    "several",
    "not_imperative",
    "no_order",
]

CUSTOMER_ID = re.compile(r"\b[uU]-?\d+\b")
_BOOKING_ID = re.compile(
    r"(?:#\s*|\b(?:allocation|booking|id|number|no\.?)\s*#?\s*)(\d+)\b", re.I
)


@dataclass(frozen=True)
class Order:
    """An explicit order (or confirmation) in the analyst's message.

    Attributes:
        kind: ``book``, ``cancel`` or ``confirm`` (a plain confirmation of what is
            pending).
        customers: Customer ids named in the message (normalised, in order).
        treatments: Treatment keys named in the message.
        booking_ids: Booking (allocation) ids named in the message.
        reference: What the object of the order is: ``proposed`` ("it", "that",
            nothing), ``named`` (a treatment by name), ``booking`` (a booking id),
            ``phrase`` (a noun phrase such as "the call back", to be matched against
            the proposal).
        phrase: The object's words when ``reference`` is ``phrase``.
    """

    kind: OrderKind
    customers: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()
    booking_ids: tuple[int, ...] = ()
    reference: Reference = "proposed"
    phrase: str = ""


@dataclass(frozen=True)
class NotAnOrder:
    """A message that orders nothing, and why."""

    reason: Reason
    detail: str = ""
    customers: tuple[str, ...] = ()

    @property
    def declines(self) -> bool:
        """Whether the message refuses or puts off the action ("no", "not now")."""
        return self.reason in {"negated", "deferred"}


Reading = Order | NotAnOrder


def customer_ids_in(text: str) -> list[str]:
    """Customer ids mentioned in a message, normalised ("u-124" → "U124").

    The one reading of ids in analyst text: the planner and the approval scope
    must agree on which customer a message names.
    """
    out: list[str] = []
    for m in CUSTOMER_ID.findall(text):
        cid = m.upper().replace("-", "")
        if cid not in out:
            out.append(cid)
    return out


def booking_ids_in(text: str) -> list[int]:
    """Booking ids named in a message ("#3", "booking 3", "allocation #3")."""
    return [int(m) for m in _BOOKING_ID.findall(CUSTOMER_ID.sub(" ", text))]


def named_treatments(text: str, config: CVMConfig) -> list[str]:
    """Treatment keys the analyst named, by key or display name."""
    lowered = text.lower().replace("-", " ").replace("_", " ")
    found = []
    for key, t in config.treatments.items():
        names = {key.replace("_", " "), t.display_name.lower()}
        if t.display_name.lower().endswith("personalised offer"):
            names.add("personalized offer")
        if any(re.search(rf"\b{re.escape(n)}s?\b", lowered) for n in names):
            found.append(key)
    return found


def _strip_fillers(clause: str) -> str:
    previous = None
    while previous != clause:
        previous = clause
        clause = words.FILLER.sub("", clause, count=1).strip()
    return clause


def _object_of(rest: str) -> str:
    rest = re.sub(r"[\"'`]", "", rest)
    rest = words.TRAILING.sub(" ", rest)
    rest = re.sub(r"\b(?:a|an|the|our|my|to|for|of|on|in)\b(?=\s*$)", " ", rest)
    return " ".join(rest.replace("!", " ").replace(".", " ").split())


@dataclass(frozen=True)
class _Clause:
    verdict: OrderKind | Reason | Literal["neutral"]
    obj: str = ""


def _clause(text: str, config: CVMConfig | None) -> _Clause:
    raw = text.strip()
    clause = raw.strip(" .!").strip()
    if not clause:
        return _Clause("neutral")
    mentions_verb = bool(words.ANY_VERB.search(clause))
    bare = _strip_fillers(clause.rstrip("?").strip())
    if (
        clause.endswith("?")
        or words.QUESTION_START.match(clause)
        or words.QUESTION_START.match(bare)
    ):
        return _Clause("question" if mentions_verb or "?" in clause else "neutral")
    if words.REFUSAL.match(bare):
        return _Clause("negated")
    if words.NEGATION.search(bare) and mentions_verb:
        return _Clause("negated")
    if (words.CONDITIONAL.search(bare) or words.HEDGE.search(bare)) and mentions_verb:
        return _Clause("conditional")
    if words.DEFERRED.search(bare):
        return _Clause("deferred")
    verb = words.VERB.match(bare)
    if not verb:
        if mentions_verb:
            return _Clause("not_imperative")
        content = _object_of(CUSTOMER_ID.sub(" ", bare))
        return _Clause("neutral", content)
    rest = bare[verb.end() :].strip(" ,")
    kind: OrderKind = (
        "book"
        if verb.group("book")
        else "cancel"
        if verb.group("cancel")
        else "confirm"
    )
    if kind == "confirm" and re.match(r"^(?:and|with)\b", rest, re.I):
        # "go ahead and book it", "proceed with the booking / the explanation"
        inner = re.sub(r"^(?:and|with)\s+", "", rest, flags=re.I)
        sub = _clause(inner, config)
        if sub.verdict in {"book", "cancel", "confirm"}:
            return sub
        obj = _object_of(inner)
        if not obj or words.REFERENCE.match(obj) or words.BOOKING_WORDS.search(obj):
            return _Clause("confirm")
        return _Clause("other_sense", obj)
    if kind == "confirm" and words.VERB.match(_strip_fillers(rest)):
        return _clause(rest, config)  # "yes please book it", "approve, cancel it"
    obj = _object_of(rest)
    named = named_treatments(obj, config) if config else []
    if kind == "confirm":
        if (
            not obj
            or words.REFERENCE.match(obj)
            or words.BOOKING_WORDS.search(obj)
            or named
        ):
            return _Clause("confirm", obj)
        return _Clause("other_sense", obj)
    if kind == "cancel":
        loose = re.match(r"^(?:drop|remove|delete|scrap)", bare, re.I)
        if (
            (not obj and not loose)
            or (words.REFERENCE.match(obj) and not loose)
            or words.BOOKING_WORDS.search(obj)
            or booking_ids_in(rest)
            or named
        ):
            return _Clause("cancel", obj)
        return _Clause("other_sense", obj)
    if not obj or words.REFERENCE.match(obj) or named:
        return _Clause("book", obj)
    if words.VAGUE.search(obj):
        return _Clause("vague", obj)
    if words.OTHER_SENSE.search(obj):
        return _Clause("other_sense", obj)
    return _Clause("book", obj)


_PRIORITY: tuple[Reason, ...] = (
    "reported",
    "negated",
    "conditional",
    "deferred",
    "question",
    "other_sense",
    "vague",
    "not_imperative",
)


def _normalise(message: str) -> str:
    return (
        message.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2026", "...")
        .strip()
    )


_GO_AHEAD_AND = re.compile(r"\b(go ahead|proceed|go on)\s+and\s+", re.I)


def classify_order(message: str, config: CVMConfig | None = None) -> Reading:
    """Whether an analyst's message is an order or a confirmation, and of what.

    Args:
        message: The analyst's message, exactly as typed.
        config: The configuration, to recognise treatments by name (optional).

    Returns:
        An :class:`Order`, or a :class:`NotAnOrder` with its reason.
    """
    text = _GO_AHEAD_AND.sub(r"\1 with ", _normalise(message))
    customers = tuple(customer_ids_in(text))
    if not text:
        return NotAnOrder("empty")
    if words.CONDITIONAL.match(text) and not re.match(r"^when\b.*\?$", text, re.I):
        return NotAnOrder("conditional", "", customers)
    if words.HEDGE.search(text) and words.ANY_VERB.search(text):
        return NotAnOrder("conditional", "hedged", customers)
    if words.QUOTED.search(text) and any(
        words.ANY_VERB.search(q) for q in words.QUOTED.findall(text)
    ):
        return NotAnOrder("reported", "an order inside quotes", customers)
    if words.REPORTED.search(text) and (
        words.ANY_VERB.search(text) or re.search(r"\byes\b", text, re.I)
    ):
        return NotAnOrder("reported", "reported speech", customers)
    clauses = [_clause(c, config) for c in words.CLAUSE_SPLIT.split(text) if c.strip()]
    verdicts = {c.verdict for c in clauses}
    for reason in _PRIORITY:
        if reason in verdicts:
            detail = next((c.obj for c in clauses if c.verdict == reason), "")
            return NotAnOrder(reason, detail, customers)
    kinds = [c for c in clauses if c.verdict in {"book", "cancel", "confirm"}]
    if not kinds:
        return NotAnOrder("no_order", "", customers)
    actions = {c.verdict for c in kinds} - {"confirm"}
    statement = [c.obj for c in clauses if c.verdict == "neutral" and c.obj]
    if not actions and statement:
        # "she is vulnerable, yes": a statement, not a confirmation
        return NotAnOrder("other_sense", statement[0], customers)
    if len(actions) > 1:
        return NotAnOrder("several", "book and cancel in one message", customers)
    if len(customers) > 1:
        return NotAnOrder("several", "several customers in one order", customers)
    kind: OrderKind = actions.pop() if actions else "confirm"  # type: ignore[assignment]
    obj = " ".join(c.obj for c in kinds if c.verdict == kind).strip()
    treatments = tuple(named_treatments(text, config)) if config else ()
    bookings = tuple(booking_ids_in(text))
    if len(treatments) > 1 or len(bookings) > 1:
        return NotAnOrder("several", "several actions in one order", customers)
    reference: Reference = "proposed"
    if bookings:
        reference = "booking"
    elif treatments:
        reference = "named"
    elif obj and not words.REFERENCE.match(obj) and not words.BOOKING_WORDS.search(obj):
        reference = "phrase"
    return Order(
        kind=kind,
        customers=customers,
        treatments=treatments,
        booking_ids=bookings,
        reference=reference,
        phrase=obj if reference == "phrase" else "",
    )
