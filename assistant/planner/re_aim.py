"""An order that re-aims the action pending at another customer or channel.

"no wait, wrong customer, I meant U128" and "scrap that, do U123 instead" mean the
same treatment for the customer named instead; "yes but by email not by call" and
"do it as a text instead" mean the best lawful option on the channel named
instead; "no, do the family plan for him instead" and "book a call-back for him
instead" mean that treatment (or the best lawful one of that kind) for the same
customer. Each is read as a booking order: proposed and shown with its
consequences, run only on a confirmation. The action pending before is replaced
(dropping never writes). A question ("what if we did it by email?") re-aims
nothing; a correction of whom re-aims only a booking the analyst ordered (after a
recommendation, "no sorry, U127 I meant" asks the last question again:
:func:`corrected_customer`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.pending import PendingAction
from assistant.planner.book_calls import kind_named
from assistant.planner.intent import Ask
from tools.patterns import compiled

# a correction of whom: the customer named is meant instead of the pending one
_INSTEAD_OF_WHOM = compiled(
    r"\b(?:instead|i meant|i mean|meant|should (?:be|have been)|not u-?\d+|rather|"
    r"wrong (?:customer|one|person|guy|id|number|account))\b",
    re.I,
)
# a change of how: the channel named is meant instead of the pending one's
_INSTEAD_OF_HOW = compiled(
    r"\b(?:but|instead|rather|not|as an?|switch|swap|change|make it)\b", re.I
)
# a question re-aims nothing ("what if we did it by email?"); "do it by email" is
# an order, not a question
_ASKS = compiled(
    r"\?|^\W*(?:(?:ok|okay|so|and|but|hmm|right|well|then)\W+)*"
    r"(?:what|what's|whats|why|how|when|where|who|which|would|could|can|should|"
    r"shall|will|is|are|was|were|does|did)\b|\b(?:why not|what about|how about)\b",
    re.I,
)
# a change of what: the treatment (or kind) named is meant instead of the pending one
_INSTEAD_OF_WHAT = compiled(r"\b(?:instead|rather)\b", re.I)
_NOT_WHAT = compiled(r"\b(?:not|instead of|rather than|no)\b", re.I)
_NOT_ID = compiled(r"\b(?:not|instead of|rather than)\s+(?:for\s+)?(u-?\d{3,})\b")


@dataclass(frozen=True)
class ReAim:
    """What the pending booking becomes.

    For ``customer``: ``treatment``, else the best lawful option on ``channel``.
    """

    customer: str
    treatment: str | None = None
    channel: str | None = None


def re_aimed(ask: Ask) -> ReAim | None:
    """The pending booking re-aimed by this message, or None."""
    pending = pending_before(ask)
    u = ask.u
    if pending is None or pending.tool != "allocate_treatment" or _ASKS.search(u.text):
        return None
    was, key = pending.customers[0], str(pending.arguments["treatment_key"])
    if u.treatments or kind_named(u.text, ask.config) is not None:
        # "no, do the family plan for him instead": that treatment (or the best of
        # the kind named) for the pending booking's customer
        named = u.treatments[0] if u.treatments else None
        others = [c for c in u.customers if c != was]
        instead = _INSTEAD_OF_WHAT.search(u.norm) and named != key and not others
        swap = [t for t in u.treatments if t != key]
        if len(u.treatments) == 2 and len(swap) == 1 and _NOT_WHAT.search(u.norm):
            # "not data boost, do loyalty points": the other one named
            named, instead = swap[0], not others
        return ReAim(was, treatment=named) if instead else None
    others = _others(ask, was)
    if others:
        # only a booking the analyst ordered is re-aimed; a proposal that came with
        # a recommendation is not ("no sorry, U127 I meant" asks the question again)
        ordered = ask.memory.intent == "book"
        one = len(others) == 1 and not u.channels and ordered
        return ReAim(others[0], treatment=key) if one and _instead(u.norm) else None
    treatment = ask.config.treatments.get(key)
    channel = treatment.channel if treatment else None
    if (
        len(u.channels) == 1
        and u.channels[0] != channel
        and _INSTEAD_OF_HOW.search(u.norm)
    ):
        return ReAim(was, channel=u.channels[0])
    return None


def pending_before(ask: Ask) -> PendingAction | None:
    """The action pending when the message came.

    Still pending, or expired this turn because the message named another customer.
    """
    session = ask.session
    if session.pending is not None:
        return session.pending
    dropped = session.dropped
    if (
        dropped is not None
        and session.dropped_turn == session.turns
        and session.closed.get(dropped.id, "").startswith("the conversation moved")
    ):
        return dropped
    return None


def _others(ask: Ask, was: str | None) -> list[str]:
    """The customers named besides ``was``, leaving out those named as not meant."""
    negated = {m.upper().replace("-", "") for m in _NOT_ID.findall(ask.u.norm)}
    return [c for c in ask.u.customers if c != was and c not in negated]


def corrected_customer(ask: Ask) -> str | None:
    """The one customer a correction names instead ("no sorry, U127 I meant").

    None unless the message corrects whom and names exactly one other customer
    than the conversation's; never a question.
    """
    if _ASKS.search(ask.u.text) or not _instead(ask.u.norm):
        return None
    others = _others(ask, ask.session.customer_id)
    return others[0] if len(others) == 1 else None


def _instead(norm: str) -> bool:
    """Whether the message corrects whom the booking is for."""
    return _INSTEAD_OF_WHOM.search(norm) is not None


def apply(ask: Ask, aim: ReAim) -> None:
    """Read the message on as the booking order it re-aims the pending one to."""
    ask.customers = [aim.customer]
    ask.u.customers = [aim.customer]
    if aim.treatment is not None:
        ask.u.treatments = [aim.treatment]
    elif aim.channel is not None:
        ask.u.channels = [aim.channel]
