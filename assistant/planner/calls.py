"""Which tools answer an intent: one small builder per intent, for one customer.

Builders return typed calls (:func:`assistant.planner.intent.call`: the tool's spec
and its validated arguments). A proposal (``proposes``) is a WRITE call the guard
holds for the analyst's confirmation: the planner never decides that a write runs.
"""

from __future__ import annotations

import re

from assistant.planner.intent import Ask, Call, call
from assistant.planner.questions import asks_what_is_booked
from tools.allocation_results import Allocation
from tools.bookings import Bookings
from tools.config import CVMConfig
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
    ask.session.focus.alternative = args
    return [call("find_alternative_treatment", **args)]


def propose_alternative(ask: Ask, customer: str | None) -> Call | None:
    """Propose booking the alternative found."""
    alt = ask.results.one("find_alternative_treatment")
    return booking(customer, alt.alternative if alt else None)


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
        calls.append(call("find_alternative_treatment", **args))
    return calls


def book(ask: Ask, customer: str | None) -> list[Call]:
    """Propose booking the named treatment, else the proposal (held, not run).

    Only the proposal made for this customer: "book it" after moving to another
    customer proposes nothing (a proposal never follows the conversation elsewhere).
    A question about what has been booked ("has U126 been booked?") lists the
    bookings instead: a question never proposes a write.
    """
    if asks_what_is_booked(ask.u):
        return bookings(ask, customer)
    if which_of_several(ask):
        return []  # "yes, book" after comparing two: which one is asked
    key = booking_key(ask, customer)
    if key is None and customer and compared_pick(ask, customer):
        return [call("recommend_treatment", customer_id=customer)]
    if not key or key == BASELINE or not customer:
        return []
    return [call("allocate_treatment", customer_id=customer, treatment_key=key)]


def compared_pick(ask: Ask, customer: str) -> bool:
    """A compared customer named: "book for U999" after comparing U123 and U999.

    Only for a customer named in the order and compared last, with no proposal
    for them yet; the pick is then proposed for confirmation (held, not run).
    """
    return (
        customer in ask.u.customers
        and customer in ask.session.focus.compared
        and ask.session.proposal_for != customer
    )


def book_follow_up(ask: Ask, customer: str | None) -> list[Call]:
    """The compared customer's pick proposed, or an alternative after a refusal."""
    rec = ask.results.one("recommend_treatment")
    if (
        rec is not None
        and customer
        and not ask.results.called("allocate_treatment")
        and rec.top.treatment_key != BASELINE
    ):
        key = rec.top.treatment_key
        return [call("allocate_treatment", customer_id=customer, treatment_key=key)]
    return book_refused(ask, customer)


def which_of_several(ask: Ask) -> list[str]:
    """The customers in focus when a booking order names none of several.

    After "compare U123 and U999", a bare "yes, book" could mean either: the
    answer asks which (never proposes one); "book for U999" names it. Empty when
    the order is not ambiguous.
    """
    focus = ask.session.focus.customers
    if ask.u.customers or len(focus) < 2 or ask.session.pending is not None:
        return []
    return list(focus)


def booking_key(ask: Ask, customer: str | None) -> str | None:
    """The treatment a booking order means.

    Named, else the option on the one channel named ("book the sms one"), else the
    proposal for ``customer``. A channel with no such option means nothing: the
    proposal on another channel is never booked in its place.
    """
    if ask.u.treatments:
        return ask.u.treatments[0]
    session = ask.session
    again = just_declined(ask, customer)
    if again is not None and not ask.u.channels:  # "go for it, book it" after "wait"
        return again
    if session.proposal_for != customer:
        return None
    kind = kind_options(ask, customer)
    if kind is not None and session.proposed not in kind:  # "the call-back"
        return kind[0] if len(kind) == 1 else None  # the only lawful one, else ask
    rec = session.last_recommendation
    if rec is not None and len(ask.u.channels) == 1 and kind is None:
        option = option_on_channel(ask, rec, ask.u.channels[0])
        return option.treatment_key if option else None
    return session.proposed


def just_declined(ask: Ask, customer: str | None) -> str | None:
    """The treatment of the booking the analyst declined last turn.

    Only while nothing is pending since: "wait, don't book yet" then "actually, go
    for it. book it" means that booking again (held for a yes, as always).
    """
    session = ask.session
    last = session.declined
    if (
        session.pending is not None
        or last is None
        or last.tool != "allocate_treatment"
        or last.customers != (customer,)
        or session.turns - session.declined_turn > 1
    ):
        return None
    return str(last.arguments["treatment_key"])


def option_on_channel(
    ask: Ask, rec: Recommendation, channel: str
) -> RankedTreatment | None:
    """The option on ``channel`` the analyst means ("the sms one", "the email one").

    The first on that channel among the options last shown for the customer, else
    the best lawful one on it; None when no option uses the channel.
    """
    focus = ask.session.focus
    shown = focus.options if focus.options_for == rec.customer_id else []
    ranked = [r for r in rec.ranked if r.treatment_key != BASELINE]
    order = [r for k in shown for r in ranked if r.treatment_key == k] + ranked
    return next((r for r in order if r.channel == channel), None)


def book_refused(ask: Ask, customer: str | None) -> list[Call]:
    """After a booking refused by a contact rule, look for the best alternative."""
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
        call(
            "find_alternative_treatment",
            customer_id=customer,
            exclude_treatments=[key] if key else [],
            exclude_channels=[],
            max_cost=None,
        )
    ]


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
    return [call("list_bookings", customer_id=c, today_only=today) for c in targets]


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


def catalogue(ask: Ask, customer: str | None) -> list[Call]:
    """The treatment catalogue."""
    return [call("list_treatments")]


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


def kind_options(ask: Ask, customer: str | None) -> list[str] | None:
    """The lawful treatments of the kind a message names ("the call-back"), if any.

    None when it names no kind; lawful per the customer's last recommendation
    (every one of the kind when there is none for them).
    """
    kind = treatments_of_kind(ask.u.text, ask.config)
    if not kind:
        return None
    rec = ask.session.last_recommendation
    if rec is None or rec.customer_id != customer:
        return kind
    lawful = {r.treatment_key for r in rec.ranked}
    return [k for k in kind if k in lawful]


def treatments_of_kind(text: str, config: CVMConfig) -> list[str]:
    """Treatments a message names only by a word their names share ("the call-back").

    A name's last two words ("call back") shared by two or more treatments, said
    without the rest of any name: every one of them.
    """
    lowered = " " + " ".join(text.lower().replace("-", " ").split()) + " "
    lowered = lowered.replace(" callback", " call back").replace(" cb ", " call back ")
    kinds: dict[str, list[str]] = {}
    for key, t in config.treatments.items():
        words = t.display_name.lower().split()
        if len(words) > 2:  # a one-word kind is a channel word ("sms", "call")
            kinds.setdefault(" ".join(words[-2:]), []).append(key)
    shared = [keys for kind, keys in kinds.items() if len(keys) > 1
              and re.search(rf"\b{re.escape(kind)}s?\b", lowered)]  # fmt: skip
    return max(shared, key=len, default=[]) if shared else []
