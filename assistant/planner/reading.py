"""Reading a message: its slots, then its intent by the learned classifier.

:func:`read_message` fills the typed :class:`~assistant.planner.intent.Ask` (slots,
the customers meant). :func:`recognise` asks the classifier
(:mod:`assistant.planner.classifier`) for P(intent), removes the intents the
conversation makes impossible (``Intent.requires``: "the second one" needs a list
shown), and acts only when the best reading's probability reaches the calibrated
threshold. Below it, the reading is a clarification offering the two or three
closest readings: never a guess. "and U126?" after a question repeats it (a rule:
the follow-on needs the last question, which the classifier does not see).
The rules combined with the model are in :mod:`assistant.planner.reading_rules`,
the readings a clarification offers in :mod:`assistant.planner.reading_choices`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.mentions import points_at_customer_row
from assistant.core.session import Session
from assistant.planner import re_aim
from assistant.planner import reading_pairs as pairs
from assistant.planner import reading_rules as rules
from assistant.planner.classifier import Weights, probabilities, weights
from assistant.planner.features import features
from assistant.planner.intent import Ask, Intent
from assistant.planner.intents import (
    BY_NAME,
    CLARIFY,
    FOLLOW_ON,
    REPEATABLE,
    TABLE,
    UNKNOWN,
    cue_words,
)
from assistant.planner.questions import (
    asks_what_is_booked,
)
from assistant.planner.reading_choices import MIN_CHOICE, NOT_NEAR, offered_choices
from assistant.planner.reading_first import ruled
from assistant.planner.state import PlannerState
from assistant.planner.utterance import Utterance, read
from tools.config import CVMConfig
from tools.patterns import compiled

MIN_CUE_SCORE = 1.0  # a cue reading needs at least this score


@dataclass(frozen=True)
class Reading:
    """What a message is read as: an intent, how sure, and the closest others."""

    intent: Intent
    confidence: float
    choices: tuple[str, ...] = ()
    nearest: str | None = None


# one customer compared with the conversation's: "how does that compare to U126",
# "line him up against U125"
_COMPARED_WITH = compiled(
    r"\b(?:compare[sd]?|comparison|vs\.?|versus|against|side by side)\b", re.I
)


def customers_meant(u: Utterance, session: Session) -> list[str]:
    """The customers a message is about.

    Named, else a row of the list last shown ("the top one": the message then reads
    as if that id were typed), else "them", else the focus.
    """
    focus = session.focus
    here = session.customer_id
    series, focus.row_series = focus.row_series, False
    if len(u.customers) == 1 and here not in (None, *u.customers):
        if _COMPARED_WITH.search(u.norm):  # "how does that compare to U126?"
            return [str(here), *u.customers]
    if u.customers:
        return u.customers
    focus.row_series = series  # "and the second one?" after "…the first one?"
    norm, listed = focus.listed(u.norm)  # "pick the top one" of the customers listed
    focus.row_series = listed is not None
    if listed:  # read on as if the id had been typed
        u.norm, u.customers, u.ordinal = norm, [listed], None
        return [listed]
    if points_at_customer_row(u.norm):  # a row not shown: nobody, not an option
        u.ordinal = None
        return []
    if len(focus.customers) > 1 and ({"them", "both"} & set(u.references)):
        return list(focus.customers)
    if session.customer_id:
        return [session.customer_id]
    pending = session.pending  # "book it instead": the pending action's customer
    return list(pending.customers) if pending and pending.customers else []


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
    aim = re_aim.re_aimed(ask)
    if aim is not None:  # "wrong customer, I meant U128"; "but by email, not a call"
        re_aim.apply(ask, aim)
        return Reading(BY_NAME["book"], 1.0)
    who = re_aim.corrected_customer(ask)
    if who is not None and ask.memory.intent in REPEATABLE:
        # "no sorry, U127 I meant": the last question again, for the customer meant
        ask.customers, ask.u.customers = [who], [who]
        return Reading(FOLLOW_ON, 1.0)
    w = weights()
    cued = cue_reading(ask)
    if cued is not None and cued not in w.classes:
        # an intent no labelled message teaches the model yet (an admin command
        # such as "roll back the catalogue") is read by its cues alone
        return Reading(BY_NAME[cued], 1.0)
    decided = ruled(ask)  # a rule on the message's words
    if decided is not None:
        return Reading(BY_NAME[decided[0]], 1.0, (), decided[1])
    ranked, total = _ranked(ask, w, cued)
    p = ranked[0][1] / total
    nearest = next(
        (
            n
            for n, q in ranked
            if n in BY_NAME and n not in NOT_NEAR and q / total >= MIN_CHOICE
        ),
        None,
    )
    acted = _acted_on(ask, w, cued, ranked, total)
    if acted == "book" and rules.book_means_plan(ask):  # "book it" after a plan
        acted = "plan_book"
    if acted == "options" and rules.cheaper_alternative(ask, ranked, total):
        acted = "alternative"  # "owt cheaper?": one option cheaper than this one
    if acted is not None:
        return Reading(BY_NAME.get(acted, UNKNOWN), p, (), nearest)
    choices = offered_choices(ranked, total, cued)
    if not choices:
        return Reading(UNKNOWN, p, (), nearest)
    return Reading(CLARIFY, p, choices, nearest)


def _ranked(
    ask: Ask, w: Weights, cued: str | None
) -> tuple[list[tuple[str, float]], float]:
    """The model's readings the conversation allows, likeliest first, and their sum.

    A label with no intent here (e.g. a request the product cannot serve yet)
    stays possible: read as it, the answer is an honest "can't", never another
    intent's answer.
    """
    probs = probabilities(features(ask), w)
    possible = {
        n: p
        for n, p in probs.items()
        if (n not in BY_NAME or BY_NAME[n].possible(ask.u, ask))
        and not (n == "compare" and cued != "compare" and rules.not_compared(ask))
    }
    total = sum(possible.values()) or 1.0
    return sorted(possible.items(), key=lambda kv: (-kv[1], kv[0])), total


def _acted_on(
    ask: Ask,
    w: Weights,
    cued: str | None,
    ranked: list[tuple[str, float]],
    total: float,
) -> str | None:
    """The reading acted on: by the calibrated threshold or one of the rules.

    None: no reading is sure enough; the closest are offered instead.
    """
    best, p = ranked[0][0], ranked[0][1] / total
    if best == "decline" and rules.undoes_last_booking(ask):  # "scrap that"
        return "cancel"
    if p >= w.threshold or (p >= w.agree_floor and best == cued):
        return best
    if best == "bookings" and asks_what_is_booked(ask.u):  # "did we book U124?"
        return best
    if best == "unknown" and p >= rules.CANT_FLOOR:  # an honest can't, not a menu
        return best
    if best in BY_NAME and rules.low_floor(ask, best, p):
        return best
    if rules.why_not_named(ask, best, p):  # "why this one and not a SMS?"
        return best
    if pairs.channel_allowed(ask, ranked, total):  # "can we email U126?"
        return best
    alone = cued in (None, best) and rules.only_reading(best, p, ranked, total)
    if alone or pairs.same_answer(ask, cued, ranked, total, w.threshold):
        return best
    if rules.cue_override(ask, cued, ranked, total):
        return str(cued)
    if best == cued and (
        p >= rules.AGREE_FLOORS.get(best, 1.0)
        or (p >= rules.ORDER_FLOOR and rules.plain_order(ask, best))
    ):
        return best
    if cued in rules.ORDERS_ON_PENDING and rules.order_on_pending(ask):
        # "allocate it", "withdraw it" with an action pending and shown: the cues
        # read the order; it only shows the pending action again for its
        # confirmation (book) or drops it (cancel), never writes
        return cued
    return None
