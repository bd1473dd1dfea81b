"""Which tools read or release the ledger: bookings listed, cancels, capacity."""

from __future__ import annotations

import re

from assistant.planner.intent import Ask, Call, call
from tools.allocation_results import Allocation
from tools.bookings import Bookings


def dropping_proposal(ask: Ask) -> bool:
    """Whether a cancel means the booking only proposed (pending), not a booked one."""
    pending = ask.session.pending
    if pending is None or pending.tool != "allocate_treatment":
        return False
    named = ask.u.treatments
    return not named or pending.arguments["treatment_key"] in named


def booking_to_cancel(ask: Ask) -> int | None:
    """The booking a cancel refers to: the id given, else the last one booked."""
    if ask.u.allocation_id is not None:
        return ask.u.allocation_id
    mine = [
        a
        for a in ask.session.allocations
        if not ask.u.customers or a.customer_id in ask.u.customers
    ]
    return mine[-1].allocation_id if mine else None


def cancel(ask: Ask, customer: str | None) -> list[Call]:
    """Propose releasing the booking meant (held, not run).

    While a booking is only proposed, "cancel it" / "cancel the booking" means that
    proposal (the answer drops it), unless a booking id is named.
    """
    if ask.u.allocation_id is None and dropping_proposal(ask):
        return []
    booking_id = booking_to_cancel(ask)
    if booking_id is None:  # a customer's booking described: look in the ledger
        return [
            call("list_bookings", customer_id=c, today_only=True)
            for c in ask.customers[:1]
        ]
    return [call("release_allocation", allocation_id=booking_id)]


def described_booking(ask: Ask) -> list[Allocation]:
    """The customer's bookings today that match the treatments the message named."""
    found = ask.results.one("list_bookings")
    if not isinstance(found, Bookings):
        return []
    named = set(ask.u.treatments)
    return [a for a in found.bookings if not named or a.treatment_key in named]


def cancel_found(ask: Ask, customer: str | None) -> list[Call]:
    """After reading the customer's bookings: release the one the message described."""
    if ask.results.called("release_allocation"):
        return []
    matching = described_booking(ask)
    if len(matching) != 1:
        return []  # none or several: the answer says which there are
    return [call("release_allocation", allocation_id=matching[0].allocation_id)]


def bookings(ask: Ask, customer: str | None) -> list[Call]:
    """Today's bookings (of the customers named, else everyone's)."""
    everyone = not ask.u.customers and not ask.u.has(r"\b(his|her|their|its)\b")
    today = not ask.u.has(
        r"\b(all|every|ever|any day|so far|to date|week|month|in total)\b"
    ) or ask.u.has("today")
    targets: list[str | None] = [None] if everyone else [*ask.customers] or [None]
    ago = days_ago(ask.u.norm)
    return [
        call("list_bookings", customer_id=c, today_only=today, days_ago=ago)
        for c in targets
    ]


_DAYS_AGO = re.compile(
    r"\b(?:(?P<before>day before yesterday)|(?P<yesterday>yesterday|yday)|"
    r"(?P<n>\d{1,2}|two|three|four|five|six|seven) days ago)\b"
)
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def days_ago(norm: str) -> int | None:
    """The day asked about, in days before today ("yesterday": 1); None: none."""
    m = _DAYS_AGO.search(norm)
    if m is None:
        return None
    if m.group("before"):
        return 2
    if m.group("yesterday"):
        return 1
    n = m.group("n")
    return int(n) if n.isdigit() else _SMALL[n]


def capacity(ask: Ask, customer: str | None) -> list[Call]:
    """Availability of the treatments or channel named, else every constraint."""
    config = ask.config
    keys = ask.u.treatments or [
        k
        for k, t in config.treatments.items()
        if t.channel in ask.u.channels and k in config.constraints
    ]
    if keys:
        return [call("check_availability", treatment_key=k) for k in keys]
    return [call("get_constraints")]
