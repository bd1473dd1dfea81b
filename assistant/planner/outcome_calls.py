"""Which tools answer an outcome message: the outcome and period it states.

Recording proposes ``record_outcome`` (a WRITE held for the analyst's
confirmation) for the booking named by id, or reads the customer's bookings first
and proposes it for the one the message describes.
"""

from __future__ import annotations

import re

from assistant.planner.intent import Ask, Call, call
from tools.bookings import Bookings

STATUS_WORDS = (
    (
        r"\b(unreachable|could ?n[o']?t (reach|contact|get hold of)|not reachable|"
        r"wrong number|bounced|no answer)\b",
        "unreachable",
    ),  # fmt: skip
    (
        r"\b(no response|no reply|did ?n[o']?t (respond|reply|answer)|never "
        r"(responded|replied|answered)|ignored (it|the))\b",
        "no_response",
    ),  # fmt: skip
    (
        r"\b(declined|turned (it |that |this )?down|rejected|refused|said no|"
        r"not interested)\b",
        "declined",
    ),  # fmt: skip
    (
        r"\b(accepted|took (it |that |this |the offer )?up|said yes|signed up|"
        r"converted|agreed to)\b",
        "accepted",
    ),  # fmt: skip
)
_VALUE = (
    r"(?:worth|value[d]?(?: of| at)?|realis(?:ed|ing)|for)\s*£\s*(\d[\d,]*(?:\.\d+)?)"
)


def status_in(text: str) -> str | None:
    """The outcome a message states (None: none)."""
    for pattern, status in STATUS_WORDS:
        if re.search(pattern, text):
            return status
    return None


def _value(text: str) -> float | None:
    found = re.search(_VALUE, text) or re.search(r"£\s*(\d[\d,]*(?:\.\d+)?)", text)
    return float(found.group(1).replace(",", "")) if found else None


def record(ask: Ask, customer: str | None) -> list[Call]:
    """The outcome proposed for the booking named, else the customer's bookings read."""
    status = status_in(ask.u.norm)
    if status is None:
        return []
    if ask.u.allocation_id is not None:
        return [
            call(
                "record_outcome",
                allocation_id=ask.u.allocation_id,
                status=status,
                value=_value(ask.u.norm),
            )
        ]
    target = ask.customers[:1]  # named, else the customer in focus ("he accepted")
    return [call("list_bookings", customer_id=c, today_only=False) for c in target]


def _described(ask: Ask) -> list[int]:
    found = ask.results.one("list_bookings")
    if not isinstance(found, Bookings):
        return []
    named = set(ask.u.treatments)
    return [
        a.allocation_id for a in found.bookings if not named or a.treatment_key in named
    ]


def record_found(ask: Ask, customer: str | None) -> list[Call]:
    """After reading the customer's bookings: the outcome for the one described."""
    if ask.results.called("record_outcome"):
        return []
    matching = _described(ask)
    status = status_in(ask.u.norm)
    if len(matching) != 1 or status is None:
        return []  # none or several: the answer says which there are
    return [
        call(
            "record_outcome",
            allocation_id=matching[0],
            status=status,
            value=_value(ask.u.norm),
        )
    ]


def period_in(text: str) -> str | None:
    """The named period a message asks about (None: all time)."""
    for pattern, name in (
        (r"\blast month\b", "last_month"),
        (r"\bthis month\b", "this_month"),
        (r"\byesterday'?s?\b", "yesterday"),
        (r"\btoday'?s?\b", "today"),
        (r"\b(last|past|this) week\b|\b(last|past) 7 days\b", "last_7_days"),
        (r"\b(last|past) (30 days|four weeks|4 weeks)\b", "last_30_days"),
    ):
        if re.search(pattern, text):
            return name
    return None


def report(ask: Ask, customer: str | None) -> list[Call]:
    """The take-up of the treatment or channel named, over the period said."""
    key = ask.u.treatments[0] if len(ask.u.treatments) == 1 else None
    channel = ask.u.channels[0] if key is None and len(ask.u.channels) == 1 else None
    return [
        call(
            "outcome_report",
            period=period_in(ask.u.norm),
            treatment_key=key,
            channel=channel,
        )
    ]


def check(ask: Ask, customer: str | None) -> list[Call]:
    """What came of each of the customer's bookings."""
    return [call("customer_outcomes", customer_id=customer)] if customer else []
