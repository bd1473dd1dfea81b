"""Which tools answer an intent: one small builder per intent, for one customer.

Builders return typed calls (:func:`assistant.planner.intent.call`: the tool's spec
and its validated arguments). A proposal (``proposes``) is a WRITE call the guard
holds for the analyst's confirmation: the planner never decides that a write runs.
Here: recommendations, alternatives and customer facts; booking orders are in
:mod:`assistant.planner.book_calls`, the ledger's reads and releases in
:mod:`assistant.planner.ledger_calls`.
"""

from __future__ import annotations

from assistant.planner.intent import Ask, Call, call
from tools.patterns import compiled
from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE

CHANNELS = ("call", "sms", "email", "push", "app")


def none(ask: Ask, customer: str | None) -> list[Call]:
    """No tool: the answer needs none (help, thanks, unknown)."""
    return []


def focus_named(ask: Ask, customer: str | None) -> list[Call]:
    """A message not understood that names one customer: look the customer up.

    Nothing is answered from it, but the customer is in focus afterwards (the
    record's effect), so "what should we do with them?" knows whom it is about.
    """
    named = ask.u.customers
    return [call("get_customer_data", customer_id=named[0])] if len(named) == 1 else []


def recommendation(ask: Ask, customer: str | None) -> list[Call]:
    """A fresh recommendation (explain, cost, options, choose, compare)."""
    return [call("recommend_treatment", customer_id=customer)]


def recommend(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's record, then the recommendation."""
    record = call("get_customer_data", customer_id=customer)
    return [record, *recommendation(ask, customer)]


def booking(customer: str | None, option: RankedTreatment | None) -> Call | None:
    """Booking ``option`` for ``customer``, to be held for confirmation."""
    if customer is None or option is None or option.treatment_key == BASELINE:
        return None
    return call(
        "allocate_treatment", customer_id=customer, treatment_key=option.treatment_key
    )


def propose_top(ask: Ask, customer: str | None) -> Call | None:
    """Propose booking the recommendation's top pick."""
    rec: Recommendation | None = ask.results.one("recommend_treatment")
    return booking(customer, rec.top if rec else None)


def explain(ask: Ask, customer: str | None) -> list[Call]:
    """Explain the proposal: the alternative searched last, else the recommendation."""
    session = ask.session
    alt = session.focus.alternative
    top = session.last_recommendation
    if (
        alt
        and alt["customer_id"] == customer
        and session.proposal is not None
        and top is not None
        and session.proposed != top.top.treatment_key
    ):
        return [call("find_alternative_treatment", **alt)]
    return recommendation(ask, customer)


def alternative_args(ask: Ask, customer: str | None) -> dict[str, object]:
    """The arguments of an alternative search under the message's limits.

    "anything cheaper?" about the option under discussion caps the cost below its
    own (an alternative that costs more is not cheaper).
    """
    max_cost = ask.u.max_cost
    held = ask.held if ask.held_for == customer else None
    if max_cost is None and held is not None and CHEAPER.search(ask.u.norm):
        treatment = ask.config.treatments.get(held.treatment_key)
        if treatment is not None and treatment.cost > 0:
            max_cost = round(treatment.cost - 0.01, 2)
    return {
        "customer_id": customer,
        "exclude_treatments": [],
        "exclude_channels": ask.u.excluded_channels,
        "max_cost": max_cost,
    }


# "cheaper?", "bit dear that": one shared reading of asking for less cost
CHEAPER = compiled(
    r"\b(?:cheap\w*|less expensive|lower cost|too (?:dear|pricey|expensive)|"
    r"dear|pricey|more cost[- ]effective|costs? less)\b"
)


def alternative(ask: Ask, customer: str | None) -> list[Call]:
    """The best option under the message's limits (channels, cost)."""
    args = alternative_args(ask, customer)
    ask.session.focus.alternative = args
    return [call("find_alternative_treatment", **args)]


def propose_alternative(ask: Ask, customer: str | None) -> Call | None:
    """Propose booking the alternative found."""
    alt = ask.results.one("find_alternative_treatment")
    pick = alt.alternative if alt else None
    if customer and pick is not None:  # "book it" next means this one
        ask.session.offer(customer, pick.treatment_key)
    return booking(customer, pick)


MAX_CHANNELS = 3  # channels one why-not answers about


def why_not(ask: Ask, customer: str | None) -> list[Call]:
    """The recommendation, plus the best option on each channel asked about."""
    calls = recommendation(ask, customer)
    if ask.u.treatments:
        return calls
    for channel in ask.u.channels[:MAX_CHANNELS]:  # "can we email them, or call?"
        args = {
            "customer_id": customer,
            "exclude_treatments": [],
            "exclude_channels": [c for c in CHANNELS if c != channel],
            "max_cost": None,
        }
        calls.append(call("find_alternative_treatment", **args))
    return calls


def catalogue(ask: Ask, customer: str | None) -> list[Call]:
    """The treatment catalogue, or the card of the one treatment asked about.

    One treatment named ("what's the acceptance rate on the family plan set to?"),
    or none named while a booking is pending ("which channel is that going out
    on?"): that treatment's card (channel, purpose, cost, capacity, budget, prior).
    """
    key = treatment_asked_about(ask)
    if key is not None:
        return [call("show_treatment", treatment_key=key)]
    return [call("list_treatments")]


def treatment_asked_about(ask: Ask) -> str | None:
    """The one treatment named, else the pending booking's (None: neither)."""
    if len(ask.u.treatments) == 1:
        return ask.u.treatments[0]
    pending = ask.session.pending
    if ask.u.treatments or pending is None or pending.tool != "allocate_treatment":
        return None
    key = pending.arguments.get("treatment_key")
    return key if isinstance(key, str) else None


def facts(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's record and journey signals (and contact times, if asked)."""
    times = (
        [call("next_contact_times", customer_id=customer)]
        if "contact_time" in ask.u.facets
        else []
    )
    return [
        call("get_customer_data", customer_id=customer),
        call("analyze_journey", customer_id=customer),
        *times,
    ]


def journey(ask: Ask, customer: str | None) -> list[Call]:
    """The customer's journey and its signals."""
    return [
        call("build_journey", customer_id=customer),
        call("analyze_journey", customer_id=customer),
    ]
