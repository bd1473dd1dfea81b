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


# --- vocabulary ---------------------------------------------------------------

_FILLER = re.compile(
    r"^(?:ok(?:ay)?|alright|all right|right|fine|great|good|cool|perfect|sure|so|"
    r"now|then|and|please|pls|plz|just|kindly|well|thanks|thank you|excellent|"
    r"brilliant|lovely|nice|hmm|go on and|"
    r"i'?d like (?:you )?to|i would like (?:you )?to|i want (?:you )?to|"
    r"i need (?:you )?to|let'?s|let us|can you please|could you please|"
    r"i)\b[\s,!.:-]*",
    re.I,
)
_BOOK = (
    r"book|allocate|schedule|arrange|reserve|assign|lock(?: it| that| this)? in|"
    r"set up"
)
_CANCEL = (
    r"cancel|release|undo|revoke|withdraw|un-?book|drop|remove|delete|scrap|"
    r"call off|reverse"
)
_CONFIRM = (
    r"yes|yep|yeah|yup|aye|y|approve|approved|confirm|confirmed|go ahead|proceed|"
    r"do it|do that|go for it|make it so|sounds good|agreed|ship it|let'?s do it|"
    r"that'?s fine|fine by me|ok(?:ay)? go"
)
_VERB = re.compile(
    rf"^(?:(?P<book>{_BOOK})|(?P<cancel>{_CANCEL})|(?P<confirm>{_CONFIRM}))\b", re.I
)
_ANY_VERB = re.compile(
    rf"\b(?:{_BOOK}|{_CANCEL}|{_CONFIRM}|booked|booking|cancelled|canceled)\b", re.I
)
_QUESTION_START = re.compile(
    r"^(?:what|what's|whats|why|how|when|where|who|whom|which|whose|did|"
    r"do(?! it\b| that\b| not\b)|does|"
    r"is|are|was|were|can|could|would|should|shall|will|has|have|had|may|might|"
    r"am|isn'?t|aren'?t|didn'?t|doesn'?t|won'?t|wouldn'?t|shouldn'?t|hasn'?t|"
    r"haven'?t|any idea|tell me whether|i wonder|wondering)\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(?:no|nope|nah|not|never|don'?t|dont|do not|doesn'?t|won'?t|wouldn'?t|"
    r"shouldn'?t|can'?t|cannot|mustn'?t|hold off|hold on|hang on|wait|stop|"
    r"no need|never mind|nevermind|forget it|refuse|decline|declined|without)\b",
    re.I,
)
_REFUSAL = re.compile(
    r"^(?:no(?=\W*$|\W+(?:thanks|thank you|don'?t|do not|not|wait|stop)\b)|"
    r"nope|nah|never|not (?:now|yet|today|this one|that one|ready|interested)|"
    r"hold off|hold on|hang on|wait|stop|forget it|never mind|nevermind|decline|"
    r"refuse)\b",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|suppose|supposing|assuming|assume|imagine|hypothetically|"
    r"in case|provided|as long as|what if|say we|once|whenever|when|as soon as|"
    r"in theory)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|might|not sure|unsure|i guess|"
    r"i suppose|in principle)\b",
    re.I,
)
_DEFERRED = re.compile(
    r"\b(?:tomorrow|later|next (?:week|month|time|monday|tuesday|wednesday|"
    r"thursday|friday)|tonight|in an? (?:hour|minute|bit|while)|in \d+ \w+|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"at some point|eventually|after (?:the|we|i|you|lunch)|not now|not yet|"
    r"end of (?:the )?(?:day|week))\b",
    re.I,
)
_REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|telling|asked|asks|asking|wrote|writes|"
    r"replied|replies|mentioned|mentions|claims?|claimed|requested|according to|"
    r"quote|quoted|wants us to|wanted us to|typed|texted|emailed)\b",
    re.I,
)
_QUOTED = re.compile(r"\"[^\"]+\"|(?:^|(?<=\s))'[^']+'(?=$|[\s.,!?;:])")
_REFERENCE = re.compile(
    r"^(?:it|that|this|them|that one|this one|the one|the first one|the top one|"
    r"the recommendation|the recommended one|the recommended (?:treatment|action)|"
    r"the proposal|the proposed (?:one|treatment|action|booking)|the suggestion|"
    r"the suggested one|the action|the booking|that booking|this booking|"
    r"the last booking|the last one|my booking|the allocation|that allocation|"
    r"the pending (?:one|action|booking)|the offer|that offer|the treatment|"
    r"an? slot|the slot|a booking|one|"
    r"that treatment|what you (?:proposed|recommended|suggested))$",
    re.I,
)
_VAGUE = re.compile(
    r"\b(?:whatever|whichever|anything|something|everything|everyone|all|"
    r"best|what you think|what'?s best|as you see fit|any|some)\b",
    re.I,
)
_BOOKING_WORDS = re.compile(r"\b(?:booking|bookings|allocation|allocations)\b", re.I)
_OTHER_SENSE = re.compile(
    r"\b(?:options?|list|table|order|sort|by cost|by value|by channel|by price|"
    r"alphabetical\w*|results?|explanation|analysis|reasoning|details?|status|"
    r"consents?|permissions?|whether|that the|address|identity|data|numbers?|"
    r"figures?|meeting|call with|chat|question|subject|topic|idea|filter|column|"
    r"channel|channels|from the|next customer|next one|review of|summary|report|"
    r"understanding|email address|phone number|is|are|was|were|matters?|looks?|"
    r"seems?)\b",
    re.I,
)
# Words that may surround an order's object without changing it.
_TRAILING = re.compile(
    r"\b(?:please|pls|now|today|right away|straight away|immediately|asap|then|"
    r"for me|for us|thanks|thank you|as proposed|as recommended|as suggested|"
    r"as planned|for (?:them|him|her|the customer|this customer|that customer)|"
    r"for today|again|too|as well|right now|already|after all|"
    r"for (?:u-?\d+)|to (?:u-?\d+)|(?:u-?\d+)'?s?|with it|on it|with that|"
    r"with the booking|with booking|with the action|with (?:u-?\d+))\b",
    re.I,
)
_CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?;:])\s+|\s*[;,]\s*|\s+[-\u2013\u2014]+\s+|"
    r"\s+\b(?:and then|and|then|but|so)\b\s+",
    re.I,
)


def _strip_fillers(clause: str) -> str:
    previous = None
    while previous != clause:
        previous = clause
        clause = _FILLER.sub("", clause, count=1).strip()
    return clause


def _object_of(rest: str) -> str:
    rest = re.sub(r"[\"'`]", "", rest)
    rest = _TRAILING.sub(" ", rest)
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
    mentions_verb = bool(_ANY_VERB.search(clause))
    bare = _strip_fillers(clause.rstrip("?").strip())
    if (
        clause.endswith("?")
        or _QUESTION_START.match(clause)
        or _QUESTION_START.match(bare)
    ):
        return _Clause("question" if mentions_verb or "?" in clause else "neutral")
    if _REFUSAL.match(bare):
        return _Clause("negated")
    if _NEGATION.search(bare) and mentions_verb:
        return _Clause("negated")
    if (_CONDITIONAL.search(bare) or _HEDGE.search(bare)) and mentions_verb:
        return _Clause("conditional")
    if _DEFERRED.search(bare):
        return _Clause("deferred")
    verb = _VERB.match(bare)
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
        if not obj or _REFERENCE.match(obj) or _BOOKING_WORDS.search(obj):
            return _Clause("confirm")
        return _Clause("other_sense", obj)
    if kind == "confirm" and _VERB.match(_strip_fillers(rest)):
        return _clause(rest, config)  # "yes please book it", "approve, cancel it"
    obj = _object_of(rest)
    named = named_treatments(obj, config) if config else []
    if kind == "confirm":
        if not obj or _REFERENCE.match(obj) or _BOOKING_WORDS.search(obj) or named:
            return _Clause("confirm", obj)
        return _Clause("other_sense", obj)
    if kind == "cancel":
        loose = re.match(r"^(?:drop|remove|delete|scrap)", bare, re.I)
        if (
            (not obj and not loose)
            or (_REFERENCE.match(obj) and not loose)
            or _BOOKING_WORDS.search(obj)
            or booking_ids_in(rest)
            or named
        ):
            return _Clause("cancel", obj)
        return _Clause("other_sense", obj)
    if not obj or _REFERENCE.match(obj) or named:
        return _Clause("book", obj)
    if _VAGUE.search(obj):
        return _Clause("vague", obj)
    if _OTHER_SENSE.search(obj):
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
    if _CONDITIONAL.match(text) and not re.match(r"^when\b.*\?$", text, re.I):
        return NotAnOrder("conditional", "", customers)
    if _HEDGE.search(text) and _ANY_VERB.search(text):
        return NotAnOrder("conditional", "hedged", customers)
    if _QUOTED.search(text) and any(_ANY_VERB.search(q) for q in _QUOTED.findall(text)):
        return NotAnOrder("reported", "an order inside quotes", customers)
    if _REPORTED.search(text) and (
        _ANY_VERB.search(text) or re.search(r"\byes\b", text, re.I)
    ):
        return NotAnOrder("reported", "reported speech", customers)
    clauses = [_clause(c, config) for c in _CLAUSE_SPLIT.split(text) if c.strip()]
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
    elif obj and not _REFERENCE.match(obj) and not _BOOKING_WORDS.search(obj):
        reference = "phrase"
    return Order(
        kind=kind,
        customers=customers,
        treatments=treatments,
        booking_ids=bookings,
        reference=reference,
        phrase=obj if reference == "phrase" else "",
    )
