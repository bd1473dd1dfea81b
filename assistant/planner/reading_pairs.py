"""Pairs of readings: those that answer a message alike, and read-only neighbours.

When the model's two likeliest readings are such a pair and together reach the
calibrated threshold, the likelier is acted on (:func:`same_answer`, used by
:func:`assistant.planner.reading.recognise`); the held-out scoring counts a reading
that answers alike as understood (:func:`answered_alike`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.planner.base_filters import asks_grouping, has_condition, read_filters
from assistant.planner.intent import Ask
from assistant.planner.ledger_calls import booking_to_cancel
from assistant.planner.reading_rules import undoes_last_booking
from tools.patterns import compiled

# pairs of readings whose answers coincide for the messages a condition picks out
# (see ALIKE below): "how many have churn over 0.6?" (both count who matches),
# "cheaper option?" (both show the cheaper options), "what's the expected value on
# that?" (both state it). Acted on when the two likeliest are such a pair and
# together reach the calibrated threshold.
# neighbouring read-only readings: when the model's two likeliest are such a pair,
# together reach the threshold and the likelier has PAIR_FLOOR (the cues reading
# one of them or nothing), the likelier is acted on (on the held-out batches
# 2026-12-07f-k, already scored and so a regression suite for this rule: 13 right,
# none read as its neighbour; "facts"/"explain" and "facts"/"recommend" were
# taken out after misreading there and on 2026-12-07l: fresh batches measure it)
NEIGHBOURS = frozenset(
    {
        frozenset({"capacity", "plan"}),
        frozenset({"facts", "journey"}),
        frozenset({"plan", "plan_what_if"}),
        frozenset({"outcome_expect", "plan"}),
    }
)
PAIR_FLOOR = 0.5
_ANOTHER = compiled(
    r"\b(?:cheap\w*|econom\w*|less expensive|lower cost|else|other|another|next|"
    r"second|2nd|instead)\b",
    re.I,
)
_EXPECTED_VALUE = compiled(r"\b(?:expected value|ev|worth)\b", re.I)
_HOW_MANY = compiled(r"\b(?:how many|number of|total|count)\b", re.I)


def same_answer(
    ask: Ask,
    cued: str | None,
    ranked: list[tuple[str, float]],
    total: float,
    threshold: float,
) -> bool:
    """The two likeliest readings are sure enough together, and alike or neighbours.

    Alike: they answer this message the same way; neighbours: the likelier has
    PAIR_FLOOR.
    """
    if len(ranked) < 2:
        return False
    (first, p), (second, q) = ranked[0], ranked[1]
    if (p + q) / total < threshold:
        return False
    if answered_alike(ask, first, second):
        return True
    return (
        frozenset({first, second}) in NEIGHBOURS
        and p / total >= PAIR_FLOOR
        and cued in (None, first, second)
    )


def answered_alike(ask: Ask, first: str, second: str) -> bool:
    """Whether the two readings give the same answer to this message."""
    alike = ALIKE.get(frozenset({first, second}))
    return alike is not None and alike(ask)


def _counts_who(ask: Ask) -> bool:
    """A base summary and a search both count who matches.

    A condition is stated, or a count asked, and no breakdown.
    """
    if asks_grouping(ask.u):  # a breakdown is the summary's alone
        return False
    counted = _HOW_MANY.search(ask.u.text) is not None
    return counted or has_condition(read_filters(ask.u, ask.config))


def _asks_for_another(ask: Ask) -> bool:
    """Options and an alternative both show what else (or what cheaper) there is."""
    return _ANOTHER.search(ask.u.text) is not None


def _asks_expected_value(ask: Ask) -> bool:
    """The cost and the explanation both state the expected value."""
    return _EXPECTED_VALUE.search(ask.u.text) is not None


def _drops_pending(ask: Ask) -> bool:
    """Declining and cancelling both undo the action just proposed or just taken.

    ("cancel, wrong customer" while a booking is only proposed: both drop it; "no,
    scrap that" the turn after it was booked: both propose cancelling it.)
    """
    pending = ask.session.pending
    return (pending is not None and booking_to_cancel(ask) is None) or (
        pending is None and undoes_last_booking(ask)
    )


_MAY_WE = compiled(
    r"\b(?:can|could|may) we\b|\b(?:allowed|permitted|ok to|okay to|consent\w*)\b",
    re.I,
)


def _asks_if_channel_allowed(ask: Ask) -> bool:
    """Whether a channel may be used: the facts (consents) and why-not both say.

    ("can we text U129 or not": why-not answers for SMS, the facts show consents.)
    """
    return bool(ask.u.channels) and _MAY_WE.search(ask.u.text) is not None


MAY_WE_FLOOR = 0.5  # facts and why-not together, for "can we email U126?"
_QUESTION = compiled(r"^\W*(?:can|could|may|are|is|am)\b|\?\W*$", re.I)
_MAY_I = compiled(
    r"\b(?:can|could|may) (?:we|i)\b|\b(?:allowed|permitted|ok|okay) to\b", re.I
)
_CHANGE = compiled(r"\b(?:make it|switch|change|move|rather than|instead)\b", re.I)


def channel_allowed(ask: Ask, ranked: list[tuple[str, float]], total: float) -> bool:
    """Whether a channel may be used ("can we email U126 about a retention offer?").

    Asked as a question naming a channel, with the consents (facts) or the
    why-not the likeliest reading and the two together at :data:`MAY_WE_FLOOR`:
    either answers it (trial 2026-12-07z, "can we email U126 …, and can we call
    them?", got a menu). An order ("could we email U128 a retention offer") read
    as a booking, or a change ("could we make it a text rather than …?"), is not.
    """
    pair = {"facts", "why_not"}
    if not ranked or ranked[0][0] not in pair or ask.u.treatments:
        return False
    if not ask.u.channels or not _MAY_I.search(ask.u.text):
        return False
    if _CHANGE.search(ask.u.text):  # "could we make it a text rather than …?"
        return False
    both = sum(q for n, q in ranked if n in pair) / total
    return both >= MAY_WE_FLOOR and bool(_QUESTION.search(ask.u.text))


def _plan_in_focus(ask: Ask) -> bool:
    """The plan card and the plan's explanation both give the plan's figures.

    (With a plan in focus: "who's left out and why?", "what's the total cost?";
    the explanation, which came after the label table, adds who is out and why.)
    """
    return ask.session.plan_id is not None


_TOTALS = compiled(r"\b(?:cost|value|worth|spend|get back|bring in|ev)\b", re.I)


def _plan_totals(ask: Ask) -> bool:
    """The plan's totals, asked with a plan in focus and no customer named.

    ("total cost and expected value?": the cost, the expected response and value,
    and the plan's explanation all give them for the plan in focus.)
    """
    return (
        _plan_in_focus(ask)
        and not ask.u.customers
        and _TOTALS.search(ask.u.text) is not None
    )


ALIKE: dict[frozenset[str], Callable[[Ask], bool]] = {
    frozenset({"plan", "plan_explain"}): _plan_in_focus,
    frozenset({"outcome_expect", "plan_explain"}): _plan_totals,
    frozenset({"cost", "plan_explain"}): _plan_totals,
    frozenset({"facts", "why_not"}): _asks_if_channel_allowed,
    frozenset({"cancel", "decline"}): _drops_pending,
    frozenset({"summarise_base", "find_customers"}): _counts_who,
    frozenset({"alternative", "options"}): _asks_for_another,
    frozenset({"cost", "explain"}): _asks_expected_value,
}
