"""Reading a message: its slots, then its intent by the learned classifier.

:func:`read_message` fills the typed :class:`~assistant.planner.intent.Ask` (slots,
the customers meant). :func:`recognise` asks the classifier
(:mod:`assistant.planner.classifier`) for P(intent), removes the intents the
conversation makes impossible (``Intent.requires``: "the second one" needs a list
shown), and acts only when the best reading's probability reaches the calibrated
threshold. Below it, the reading is a clarification offering the two or three
closest readings: never a guess. "and U126?" after a question repeats it (a rule:
the follow-on needs the last question, which the classifier does not see).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.approvals.scope import QUESTION
from assistant.core.mentions import points_at_customer_row
from assistant.core.session import Session
from assistant.planner.base_filters import asks_grouping, has_condition, read_filters
from assistant.planner.classifier import probabilities, weights
from assistant.planner.features import features
from assistant.planner.intent import Ask, Intent
from assistant.planner.intents import (
    BY_NAME,
    CLARIFY,
    FOLLOW_ON,
    TABLE,
    UNKNOWN,
    cue_words,
)
from assistant.planner.ledger_calls import booking_to_cancel
from assistant.planner.state import PlannerState
from assistant.planner.utterance import Utterance, read
from tools.config import CVMConfig

MAX_CHOICES = 3
# never offered as "the nearest I can do" nor as a choice: talk, not an action
NOT_NEAR = frozenset({"unknown", "thanks", "help", "decline"})
MIN_CUE_SCORE = 1.0  # a cue reading needs at least this score
MIN_CHOICE = 0.08  # a reading less likely than this is not worth offering
# combination rules (kinds, not sentences; out of fold by author file on the
# training corpus with the frozen weights' folds they change no WRONG reading:
# MODEL.yaml's note): several customers named are compared only when compare
# words say so; a bare customer id with nothing pending asks what to offer
_COMPARE_WORDS = re.compile(
    r"\b(?:compare[sd]?|comparison|vs\.?|versus|side[- ]by[- ]side|"
    r"against each other|better|differ\w*|which of)\b",
    re.I,
)
_BARE_ID = re.compile(r"^\W*(?:customer\s*)?u?-?\d{3,}\W*$", re.I)
_CHOICE = re.compile(
    r"^\W*(?:(?:option|number|no\.?|choice)\s*)?(?P<n>[1-3])\W*$|"
    r"^\W*(?:the\s+)?(?P<w>first|1st|second|2nd|third|3rd)(?:\s+(?:one|option))?\W*$",
    re.I,
)
ORDERS_ON_PENDING = frozenset({"book", "cancel"})
# plain orders (calibrated out of fold by author on the frozen weights' folds:
# MODEL.yaml's note): a message read as the same write intent by the model (its
# likeliest, >= ORDER_FLOOR) and by the cues, naming what it is about (a
# customer; a booking, or the one this conversation booked; the plan), proposes
# that action: shown with its consequences, run only on a confirmation. It never
# replaces another pending action (a plan order may show the pending plan again).
ORDERS = frozenset({"book", "cancel", "plan_book"})
ORDER_FLOOR = 0.5
# intents acted on at a lower agreement floor than the calibrated one (model and
# cues read the same; out of fold by author: MODEL.yaml's note)
AGREE_FLOORS = {"why_not": 0.6}
_PLAN_WORDS = re.compile(r"\b(?:plan|campaign)\b", re.I)
# cue override (data, calibrated out of fold by author file on the frozen
# weights' folds: MODEL.yaml's note): when the model is unsure, the cues' reading
# is acted on if it is among the model's CUE_TOP likeliest, has at least
# CUE_MIN_PROB of the model's probability and a cue score of CUE_MIN_SCORE, and the
# intent is one whose cues were right >= 85% of such times on the authors' files
# (>= 3 cases). Read-only intents only: no proposal of a write comes from it.
CUE_TOP = 2
CUE_MIN_SCORE = 2.0
CUE_MIN_PROB = 0.2
CUE_TRUSTED = frozenset(
    {"journey", "options", "outcome_report", "plan_what_if", "recommend"}
)
# the only reading worth offering (no other reaches MIN_CHOICE, and the cues read
# it too or nothing) is acted on when it has ALONE_FLOOR and is one of these
# intents: out of fold by author, such lone readings were right >= 90% of the
# time (>= 4 cases each; MODEL.yaml's note)
ALONE_FLOOR = 0.6
# (plan_what_if, plan_compare and explain qualified out of fold but were taken
# out after they misread held-out messages already scored: "drop U124's tariff
# by a tenner" as a what-if, "Yes, that is approved." as an explanation)
ALONE_TRUSTED = frozenset(
    {
        "recommend", "decline", "bookings", "journey", "outcome_record",
        "outcome_report", "why_not", "choose", "options",
    }
)  # fmt: skip
# a request the product cannot serve ("email U124 the offer", "is it gonna rain")
# is answered with an honest "can't" and the nearest thing it can do, not a menu,
# when that is the model's likeliest reading with CANT_FLOOR (out of fold by
# author: 49 such readings of 55 were of requests nobody can serve; never a write)
CANT_FLOOR = 0.6
# readings whose answers coincide for a message stating a condition ("how many
# have churn over 0.6?"): both answer with the customers who match, counted
SAME_ANSWER = frozenset({"summarise_base", "find_customers"})
_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}


@dataclass(frozen=True)
class Reading:
    """What a message is read as: an intent, how sure, and the closest others."""

    intent: Intent
    confidence: float
    choices: tuple[str, ...] = ()
    nearest: str | None = None


def customers_meant(u: Utterance, session: Session) -> list[str]:
    """The customers a message is about.

    Named, else a row of the list last shown ("the top one": the message then reads
    as if that id were typed), else "them", else the focus.
    """
    focus = session.focus
    if u.customers:
        return u.customers
    norm, listed = focus.listed(u.norm)  # "pick the top one" of the customers listed
    if listed:  # read on as if the id had been typed
        u.norm, u.customers, u.ordinal = norm, [listed], None
        return [listed]
    if points_at_customer_row(u.norm):  # a row not shown: nobody, not an option
        u.ordinal = None
        return []
    if len(focus.customers) > 1 and ({"them", "both"} & set(u.references)):
        return list(focus.customers)
    return [session.customer_id] if session.customer_id else []


def read_message(
    text: str, session: Session, memory: PlannerState, config: CVMConfig
) -> Ask:
    """The message's slots and the customers it is about, in its conversation."""
    u = read(text, config, cue_words())
    return Ask(
        u=u,
        customers=customers_meant(u, session),
        session=session,
        memory=memory,
        config=config,
        held=session.proposal,
        held_for=session.proposal_for,
    )


def cue_reading(ask: Ask) -> str | None:
    """The intent the hand-written cues alone point to (None: no cue matched).

    The intent with the highest cue score (ties: higher priority, then table
    order), as the planner read messages before it learned: a second opinion.
    """
    best, best_key = None, (MIN_CUE_SCORE, -1)
    for intent in TABLE:
        key = (intent.score(ask.u, ask), intent.priority)
        if key[0] >= MIN_CUE_SCORE and key > best_key:
            best, best_key = intent.name, key
    return best


def recognise(ask: Ask) -> Reading:
    """The intent of the message, or a clarification when no reading is sure.

    The classifier's best reading is acted on when its probability reaches the
    calibrated threshold, or when the cues point to the same intent and it
    reaches the (lower) agreement floor; otherwise the closest readings are
    offered. A bare customer id with nothing pending is a recommendation
    request; several customers named without compare words are not compared.
    """
    if FOLLOW_ON.score(ask.u, ask) > 0:
        return Reading(FOLLOW_ON, 1.0)
    w = weights()
    cued = cue_reading(ask)
    if cued is not None and cued not in w.classes:
        # an intent no labelled message teaches the model yet (an admin command
        # such as "roll back the catalogue") is read by its cues alone
        return Reading(BY_NAME[cued], 1.0)
    if _bare_customer(ask):
        return Reading(BY_NAME["recommend"], 1.0)
    probs = probabilities(features(ask), w)
    # a label with no intent here (e.g. a request the product cannot serve yet)
    # stays possible: read as it, the answer is an honest "can't", never another
    # intent's answer
    possible = {
        n: p
        for n, p in probs.items()
        if (n not in BY_NAME or BY_NAME[n].possible(ask.u, ask))
        and not (n == "compare" and cued != "compare" and _not_compared(ask))
    }
    total = sum(possible.values()) or 1.0
    ranked = sorted(possible.items(), key=lambda kv: (-kv[1], kv[0]))
    best, p = ranked[0][0], ranked[0][1] / total
    nearest = next(
        (
            n
            for n, q in ranked
            if n in BY_NAME and n not in NOT_NEAR and q / total >= MIN_CHOICE
        ),
        None,
    )
    if p >= w.threshold or (p >= w.agree_floor and best == cued):
        return Reading(BY_NAME.get(best, UNKNOWN), p, (), nearest)
    if best == "unknown" and p >= CANT_FLOOR:  # an honest can't, naming the nearest
        return Reading(UNKNOWN, p, (), nearest)
    alone = cued in (None, best) and _alone(best, p, ranked, total)
    if alone or _same_answer(ask, ranked, total, w.threshold):
        return Reading(BY_NAME[best], p, (), nearest)
    if _cue_override(ask, cued, ranked, total):
        return Reading(BY_NAME[str(cued)], p, (), nearest)
    if best == cued and (
        p >= AGREE_FLOORS.get(best, 1.0)
        or (p >= ORDER_FLOOR and _plain_order(ask, best))
    ):
        return Reading(BY_NAME[best], p, (), nearest)
    if cued in ORDERS_ON_PENDING and _order_on_pending(ask):
        # "allocate it", "withdraw it" with an action pending and shown: the cues
        # read the order; it only shows the pending action again for its
        # confirmation (book) or drops it (cancel), never writes
        return Reading(BY_NAME[cued], p, (), nearest)
    choices = _choices(ranked, total, cued)
    if not choices:
        return Reading(UNKNOWN, p, (), nearest)
    return Reading(CLARIFY, p, choices, nearest)


def _cue_override(
    ask: Ask, cued: str | None, ranked: list[tuple[str, float]], total: float
) -> bool:
    """The model is unsure, the cues are sure of a trusted read-only intent."""
    if cued is None or cued not in CUE_TRUSTED:
        return False
    top = [n for n, _ in ranked[:CUE_TOP]]
    prob = dict(ranked).get(cued, 0.0) / total
    return (
        cued in top
        and prob >= CUE_MIN_PROB
        and BY_NAME[cued].score(ask.u, ask) >= CUE_MIN_SCORE
    )


def _alone(best: str, p: float, ranked: list[tuple[str, float]], total: float) -> bool:
    """The model's reading is the only one worth offering, and of a trusted kind."""
    if best not in ALONE_TRUSTED or p < ALONE_FLOOR:
        return False
    offer = [n for n, q in ranked if n in BY_NAME and n not in NOT_NEAR - {"decline"}]
    return [n for n in offer if dict(ranked)[n] / total >= MIN_CHOICE] == [best]


def _same_answer(
    ask: Ask, ranked: list[tuple[str, float]], total: float, threshold: float
) -> bool:
    """The two likeliest readings answer alike and together are sure enough."""
    if len(ranked) < 2 or {ranked[0][0], ranked[1][0]} != SAME_ANSWER:
        return False
    sure = (ranked[0][1] + ranked[1][1]) / total >= threshold
    return sure and answered_alike(ask)


def answered_alike(ask: Ask) -> bool:
    """A base summary and a search give the same answer to this message.

    A condition is stated and no breakdown asked: both count who matches.
    """
    if asks_grouping(ask.u):  # a breakdown is the summary's alone
        return False
    return has_condition(read_filters(ask.u, ask.config))


def _plain_order(ask: Ask, intent: str) -> bool:
    """An order naming its object, with no other action pending."""
    if intent not in ORDERS:
        return False
    pending = ask.session.pending
    plan_again = intent == "plan_book" and pending is not None
    if pending is not None and not (plan_again and pending.tool == "book_plan"):
        return False
    if intent == "plan_book":
        return bool(_PLAN_WORDS.search(ask.u.text))
    if intent == "cancel":
        return bool(ask.u.customers or booking_to_cancel(ask) is not None)
    return bool(ask.u.customers)


def _bare_customer(ask: Ask) -> bool:
    """A message that is only a customer id, with nothing pending: what to offer."""
    return (
        ask.session.pending is None
        and len(ask.u.customers) == 1
        and bool(_BARE_ID.match(ask.u.text))
    )


def _not_compared(ask: Ask) -> bool:
    """Several customers named with no compare words: each is asked about.

    (Unless the cues read a comparison: "what should we offer U126 and U555?")
    """
    return len(ask.u.customers) > 1 and not _COMPARE_WORDS.search(ask.u.text)


def _order_on_pending(ask: Ask) -> bool:
    """An order about the action pending and shown (not a question, no choice)."""
    session = ask.session
    return (
        session.pending is not None
        and session.shown == session.pending.id
        and not QUESTION.search(ask.u.text)
    )


def _choices(
    ranked: list[tuple[str, float]], total: float, cued: str | None
) -> tuple[str, ...]:
    """The closest readings to offer, likeliest first (at most MAX_CHOICES).

    The classifier's likeliest readings worth offering, and the hand-written cues'
    reading among them (second) when there is a choice to make and the
    conversation allows it: the second opinion is always offered.
    """
    offerable = [
        n
        for n, q in ranked
        if n in BY_NAME and n not in NOT_NEAR - {"decline"} and q / total >= MIN_CHOICE
    ][:MAX_CHOICES]
    possible = {n for n, _ in ranked}
    if (
        offerable  # a clarification already (never one instead of an honest can't)
        and cued in possible
        and cued not in NOT_NEAR - {"decline"}
        and cued not in offerable
    ):
        offerable = [*offerable[:1], cued, *offerable[1:]][:MAX_CHOICES]
    return tuple(offerable)


def choice_in(text: str, offered: int) -> int | None:
    """Which of the offered readings a reply picks ("2", "the first"), if any."""
    m = _CHOICE.match(text.strip())
    if not m:
        return None
    n = int(m.group("n")) if m.group("n") else _WORDS[m.group("w").lower()]
    return n if 1 <= n <= offered else None
