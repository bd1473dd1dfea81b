"""Which tools answer an intent: one small builder per intent, for one customer."""

from __future__ import annotations

from assistant.approvals.orders import Order, classify_order
from assistant.planner.intent import Ask, Call
from tools.treatment import BASELINE

CHANNELS = ("call", "sms", "email", "push", "app")


def none(ask: Ask, customer: str | None) -> list[Call]:
    """No tool: the answer needs none (help, thanks, unknown)."""
    return []


def recommendation(ask: Ask, customer: str | None) -> list[Call]:
    """A fresh recommendation (explain, cost, options, choose, compare)."""
    return [("recommend_treatment", {"customer_id": customer})]


def recommend(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's record, then the recommendation."""
    return [
        ("get_customer_data", {"customer_id": customer}),
        *recommendation(ask, customer),
    ]


def explain(ask: Ask, customer: str | None) -> list[Call]:
    """Explain the proposal: the alternative searched last, else the recommendation."""
    state, session = ask.session.planner, ask.session
    alt = state.alternative
    top = session.last_recommendation
    if (
        alt
        and alt["customer_id"] == customer
        and session.proposal is not None
        and top is not None
        and session.proposed != top.top.treatment_key
    ):
        return [("find_alternative_treatment", alt)]
    return recommendation(ask, customer)


def alternative_args(ask: Ask, customer: str | None) -> dict[str, object]:
    """The arguments of an alternative search under the message's limits."""
    return {
        "customer_id": customer,
        "exclude_treatments": [],
        "exclude_channels": ask.u.excluded_channels,
        "max_cost": ask.u.max_cost,
    }


def alternative(ask: Ask, customer: str | None) -> list[Call]:
    """The best option under the message's limits (channels, cost)."""
    args = alternative_args(ask, customer)
    ask.session.planner.alternative = args
    return [("find_alternative_treatment", args)]


def why_not(ask: Ask, customer: str | None) -> list[Call]:
    """The recommendation, plus the best option on the channel asked about."""
    calls = recommendation(ask, customer)
    channel = ask.u.channels[0] if ask.u.channels else None
    if channel and not ask.u.treatments:
        args = {
            "customer_id": customer,
            "exclude_treatments": [],
            "exclude_channels": [c for c in CHANNELS if c != channel],
            "max_cost": None,
        }
        ask.session.planner.alternative = args
        calls.append(("find_alternative_treatment", args))
    return calls


def book(ask: Ask, customer: str | None) -> list[Call]:
    """Book the named treatment, else the proposal; then read its capacity.

    Only the proposal made for this customer: "go ahead" after moving to another
    customer calls nothing (a proposal never follows the conversation elsewhere).
    """
    key = booking_key(ask, customer)
    if confirms_nothing(ask):
        return []
    if not key or key == BASELINE or not customer:
        return []
    return [
        ("allocate_treatment", {"customer_id": customer, "treatment_key": key}),
        ("check_availability", {"treatment_key": key}),
    ]


def confirms_nothing(ask: Ask) -> bool:
    """A plain "yes" / "go ahead" with no pending action: nothing to run."""
    reading = classify_order(ask.u.text, ask.config)
    return (
        isinstance(reading, Order)
        and reading.kind == "confirm"
        and ask.session.pending is None
    )


def booking_key(ask: Ask, customer: str | None) -> str | None:
    """The treatment a booking order means: named, else proposed for ``customer``."""
    if ask.u.treatments:
        return ask.u.treatments[0]
    session = ask.session
    return session.proposed if session.proposal_for == customer else None


def book_refused(ask: Ask, customer: str | None) -> list[Call]:
    """After a refused booking (not by approval), look for the best alternative."""
    r = ask.results
    key = ask.u.treatments[0] if ask.u.treatments else ask.session.proposed
    refused = next(
        (x for x in r.records if x.name == "allocate_treatment" and not x.ok), None
    )
    if refused is None or refused.rule in (None, "APPROVAL") or not customer:
        return []
    if r.called("find_alternative_treatment"):
        return []
    return [
        (
            "find_alternative_treatment",
            {
                "customer_id": customer,
                "exclude_treatments": [key] if key else [],
                "exclude_channels": [],
                "max_cost": None,
            },
        )
    ]


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
    """Release the booking meant."""
    booking = booking_to_cancel(ask)
    return (
        [] if booking is None else [("release_allocation", {"allocation_id": booking})]
    )


def bookings(ask: Ask, customer: str | None) -> list[Call]:
    """Today's bookings (of the customers named, else everyone's)."""
    everyone = not ask.u.customers and not ask.u.has(r"\b(his|her|their|its)\b")
    today = not ask.u.has(r"\b(all|every|ever|any day|so far)\b") or ask.u.has("today")
    targets: list[str | None] = [None] if everyone else [*ask.customers] or [None]
    return [("list_bookings", {"customer_id": c, "today_only": today}) for c in targets]


def capacity(ask: Ask, customer: str | None) -> list[Call]:
    """Availability of the treatments or channel named, else every constraint."""
    config = ask.config
    keys = ask.u.treatments or [
        k
        for k, t in config.treatments.items()
        if t.channel in ask.u.channels and k in config.constraints
    ]
    if keys:
        return [("check_availability", {"treatment_key": k}) for k in keys]
    return [("get_constraints", {})]


def catalogue(ask: Ask, customer: str | None) -> list[Call]:
    """The treatment catalogue."""
    return [("list_treatments", {})]


def facts(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's record and journey signals."""
    return [
        ("get_customer_data", {"customer_id": customer}),
        ("analyze_journey", {"customer_id": customer}),
    ]


def journey(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's journey and its signals."""
    return [
        ("build_journey", {"customer_id": customer}),
        ("analyze_journey", {"customer_id": customer}),
    ]
