"""Which tools a booking order calls: the treatment it means, proposed (held).

A booking is only ever proposed here (an ``allocate_treatment`` call the guard
holds for the analyst's confirmation); after a refusal by a contact rule, the
best alternative is looked for instead.
"""

from __future__ import annotations

import re

from assistant.planner.intent import Ask, Call, call
from assistant.planner.ledger_calls import bookings
from assistant.planner.order_picks import first_pick, purpose_on_channel
from assistant.planner.questions import asks_what_is_booked
from assistant.planner.vocabulary import CHANNEL_WORDS
from tools.config import CVMConfig
from tools.config_memo import per_config
from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE


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
    if (
        key is None
        and customer
        and (compared_pick(ask, customer) or ranks_first(ask, customer))
    ):
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


def ranks_first(ask: Ask, customer: str) -> bool:
    """A kind or channel named with no options known for the customer yet.

    "book the retention call for U124", "book a call-back for U123": the
    customer's lawful options are ranked first, then the best of that kind (or
    on that channel) is proposed for confirmation (held, not run).
    """
    rec = ask.session.last_recommendation
    named = kind_named(ask.u.text, ask.config) is not None or (
        len(ask.u.channels) == 1 and only_a_channel_named(ask)
    )
    return named and (rec is None or rec.customer_id != customer)


# words a booking order by channel alone is made of ("book the retention call for
# U124"); any other word may name an offer the catalogue does not have ("book the
# Fibre upgrade email for U132"): that is never swapped for the best on the channel
_ORDER_WORDS = frozenset(
    "book a an the one for to please pls ok okay then now him her them it can you "
    "we lets let's go ahead and just quick new do get put in retention marketing "
    "service outbound contact message msg via by as instead yes yeah ye yep no not "
    "but rather send make switch swap change actually sorry wait that this option "
    "options offer treatment hmm um well so right fine good great".split()
)


def only_a_channel_named(ask: Ask) -> bool:
    """Whether the order names a channel and nothing that could be an offer."""
    text = re.sub(r"\bu-?\d+\b", " ", ask.u.norm)
    for pattern in CHANNEL_WORDS:
        text = re.sub(rf"\b(?:{pattern})\b", " ", text)
    return set(re.findall(r"[a-z']+", text)) <= _ORDER_WORDS


def book_follow_up(ask: Ask, customer: str | None) -> list[Call]:
    """The ranked pick proposed (compared, or of the kind named).

    Else the best alternative after a refusal.
    """
    rec = ask.results.one("recommend_treatment")
    if rec is not None and customer and not ask.results.called("allocate_treatment"):
        key = named_pick(ask, rec)
        if key is None:
            return []
        return [call("allocate_treatment", customer_id=customer, treatment_key=key)]
    return book_refused(ask, customer)


def named_pick(ask: Ask, rec: Recommendation) -> str | None:
    """The best lawful option of the kind or on the channel named, else the top.

    None when nothing lawful fits (the answer then says so; nothing proposed).
    """
    named = kind_named(ask.u.text, ask.config)
    ranked = [r for r in rec.ranked if r.treatment_key != BASELINE]
    if named is not None:
        best = (r.treatment_key for r in ranked if r.treatment_key in named[1])
        return next(best, None) or on_kind_channel(ask, rec)
    if len(ask.u.channels) == 1:
        option = option_on_channel(ask, rec, ask.u.channels[0])
        return option.treatment_key if option else None
    top = rec.top.treatment_key
    return None if top == BASELINE else top


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
    by_purpose = purpose_on_channel(ask, customer)
    if by_purpose is not None:  # "book a service call to check he's ok"
        return by_purpose
    again = just_declined(ask, customer)
    if again is not None and not ask.u.channels:  # "go for it, book it" after "wait"
        return again
    first = first_pick(ask, customer)
    if first is not None:  # "no, go with your first pick after all"
        return first
    offered = session.offered_option(customer, ask.u.text)
    if offered is not None and not ask.u.channels:
        return offered  # "please book it" after an alternative was shown: that one
    held = pending_booking(ask, customer)
    if held is not None and not ask.u.channels:  # "go ahead and post it": shown again
        return held
    rec = session.last_recommendation
    if rec is not None and rec.customer_id == customer:
        proposed = session.proposed if session.proposal_for == customer else None
        kind = kind_options(ask, customer)
        if kind is not None:  # "the call-back": the proposal, else the best lawful
            if proposed in kind:
                return proposed
            return next(iter(kind), None) or on_kind_channel(ask, rec)
        if len(ask.u.channels) == 1 and only_a_channel_named(ask):  # "the sms one"
            option = option_on_channel(ask, rec, ask.u.channels[0])
            return option.treatment_key if option else None
    if session.proposal_for != customer:
        return None
    return session.proposed


def pending_booking(ask: Ask, customer: str | None) -> str | None:
    """The treatment of the booking waiting for confirmation for ``customer``.

    An order that names nothing new ("yes, go ahead and post it", which is not a
    whole-message confirmation) means the booking shown: proposing it again shows
    it again for its confirmation; nothing runs.
    """
    pending = ask.session.pending
    if pending is None or pending.tool != "allocate_treatment" or not customer:
        return None
    if pending.arguments.get("customer_id") != customer:
        return None
    key = pending.arguments.get("treatment_key")
    return key if isinstance(key, str) else None


def on_kind_channel(ask: Ask, rec: Recommendation) -> str | None:
    """None of the kind named is lawful: the best lawful option on its channel.

    ("book the call-back for U124" when no call-back is lawful: the best lawful
    call, said as such in the answer.) None when the kind spans channels.
    """
    named = kind_named(ask.u.text, ask.config)
    if named is None:
        return None
    channels = {ask.config.treatments[k].channel for k in named[1]}
    if len(channels) != 1:
        return None
    option = option_on_channel(ask, rec, channels.pop())
    return option.treatment_key if option else None


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


def kind_options(ask: Ask, customer: str | None) -> list[str] | None:
    """The lawful treatments of the kind a message names ("the call-back"), best first.

    None when it names no kind; lawful and ranked per the customer's last
    recommendation (every one of the kind when there is none for them).
    """
    named = kind_named(ask.u.text, ask.config)
    if named is None:
        return None
    rec = ask.session.last_recommendation
    if rec is None or rec.customer_id != customer:
        return list(named[1])
    return [r.treatment_key for r in rec.ranked if r.treatment_key in named[1]]


def kind_named(text: str, config: CVMConfig) -> tuple[str, tuple[str, ...]] | None:
    """The kind of treatment a message names only by a word their names share.

    ("the call-back"): the kind's words and every treatment of it, or None.
    """
    lowered = " " + " ".join(text.lower().replace("-", " ").split()) + " "
    lowered = lowered.replace(" callback", " call back").replace(" cb ", " call back ")
    said = [(kind, keys) for kind, pattern, keys in _kinds(config)
            if pattern.search(lowered)]  # fmt: skip
    return max(said, key=lambda k: len(k[1]), default=None)


@per_config
def _kinds(
    config: CVMConfig,
) -> tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]:
    """Each kind two or more treatments share: a name's last two words ("call back").

    A one-word kind would be a channel word ("sms", "call"): not a kind.
    """
    kinds: dict[str, list[str]] = {}
    for key, t in config.treatments.items():
        words = t.display_name.lower().split()
        if len(words) > 2:
            kinds.setdefault(" ".join(words[-2:]), []).append(key)
    return tuple(
        (kind, re.compile(rf"\b{re.escape(kind)}s?\b"), tuple(keys))
        for kind, keys in kinds.items()
        if len(keys) > 1
    )
