"""Answers to questions across customers: who matched, or why nothing was read."""

from __future__ import annotations

import re

from assistant.planner.answers.base import describe, find_answer, summary_answer
from assistant.planner.answers.figures import figures_answer
from assistant.planner.base_calls import find_args, within_top
from assistant.planner.base_filters import has_condition, unapplied
from assistant.planner.figures import unread_measure
from assistant.planner.intent import Ask, Results


def _unread(ask: Ask) -> str:
    """What to say when the condition asked about the last list was not read."""
    u = ask.u
    nearest = ""
    if u.has(r"\b(average|avg|mean|median|sum|totals?)\b"):
        return (
            "I can't work out averages or totals over a list of customers here. "
            "Each customer's bills are in their record (\"show U124's bills\"), "
            'the list itself goes to a spreadsheet with "export that list" '
            '(monthly revenue included), and "breakdown by segment" counts the '
            "customers and the value of their best actions."
        )
    if u.has(r"\bbook(ed|ings?)?\b|\ballocat"):
        nearest = (
            ' Bookings are kept apart from the list: say "show today\'s bookings".'
        )
    elif u.has(r"\bplan\b|\bcampaign\b"):
        nearest = (
            ' A plan is kept apart from the list: say "who should we call today?" to '
            "see the plan."
        )
    return (
        "I can't tell which customers on the last list that applies to: I found no "
        "condition in it that I can check on their records, so I have not filtered "
        "the list. I can narrow it by churn or value (bands or thresholds), segment, "
        "plan, signals such as a billing dispute, poor network or bill shock, "
        "consent or lawful contact by channel, objection to marketing, vulnerability "
        'or the best action, e.g. "of those, who can we email?".' + nearest
    )


# a qualifier that should have selected customers ("only the ones on postpaid",
# "with falling usage") when no condition was read at all
_QUALIFIER = re.compile(
    r"\b(?:only|just)\b[^.?!]*|\b(?:with|on|who|that|where|having|without|"
    r"excluding)\b\s+(?!the (?:highest|most|lowest|top|biggest)\b)[^.?!]*",
    re.I,
)


def not_applied(ask: Ask, results: Results | None = None) -> str:
    """A line naming each part of the message that was read as no condition.

    Parts joined by "and" are checked one by one; a message that qualifies the
    customers ("only the ones on postpaid") while no condition at all was read says
    so too: never a silently unfiltered list.
    """
    missed = unapplied(ask.u, ask.config)
    args = find_args(results) if results is not None else None
    if not missed and args is not None and not has_condition(args):
        qualifier = _QUALIFIER.search(ask.u.norm)
        missed = [qualifier.group(0).strip()] if qualifier else []
    if not missed:
        return ""
    parts = ", ".join(f"“{m}”" for m in missed)
    return (
        f"\n\n**Not applied:** I could not read {parts} as a condition on the "
        "customers' records, so the answer is not filtered by it."
    )


def answer_find(ask: Ask, customer: str | None, results: Results) -> str:
    """A count and/or a ranked table of the customers found (or the figures)."""
    if results.called("base_figures") or unread_measure(ask.u):
        return figures_answer(ask, results)
    return _answer_find(ask, results) + not_applied(ask, results)


def _answer_find(ask: Ask, results: Results) -> str:
    if not results.called("find_customers"):
        return _unread(ask)
    found = results.all("find_customers")
    args = find_args(results)
    if not found or args is None:
        return f"I could not search the base: {results.failure() or 'no result'}."
    ask.session.focus.found_metric = (
        args.thresholds[-1].metric if args.thresholds else None
    )
    consent = find_args(results, 1)
    if len(found) > 1 and consent is not None:
        return "\n\n".join(
            [
                f"No {describe(args)} today: a contact rule (such as service before "
                "selling, a frequency cap or vulnerability) holds back every "
                "treatment on that channel for each of them.",
                find_answer(ask, consent, within_top(ask, consent, found[1])),
            ]
        )
    return find_answer(ask, args, within_top(ask, args, found[0]))


def summary_or_figures(ask: Ask, customer: str | None, results: Results) -> str:
    """The base's breakdown, or the figures an average or total asked for."""
    if results.called("base_figures") or unread_measure(ask.u):
        return figures_answer(ask, results)
    if results.called("find_customers"):  # a condition stated: who matches
        return answer_find(ask, customer, results)
    return summary_answer(ask, customer, results)
