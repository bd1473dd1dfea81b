"""What a message asks, whatever intent it is read as: questions that never write.

A question about what has been booked ("how many have been booked this week?",
"has U126 been booked?", "what have we got booked?") is answered from the ledger; a
booking is never proposed from it, whichever reading the planner made of the rest.
"how many is that?" right after a list of customers asks for the list's count, not
for capacity. A channel the product does not have ("send it by WhatsApp") gets an
honest "can't", never another channel's answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner.utterance import Utterance
from tools.patterns import compiled

if TYPE_CHECKING:
    from assistant.planner.intent import Ask

_BOOKED_STATE = compiled(
    r"\b(?:has|have|had|is|are|was|were)\b[^.?!]{0,50}\bbooked\b|"
    r"\b(?:how many|what|which|who|anything|anyone|any|nothing|none)\b"
    r"[^.!]{0,60}\bbooked\b|"
    r"\b(?:did|do|does) (?:we|you|i|they|anyone|u-?\d+)\b[^.?!]{0,40}\bbook(?:ed)?\b|"
    r"\b(?:already|currently|still) booked\b|"
    r"\bbooked (?:so far|already|to date|yet|at the moment|right now|currently)\b|"
    r"\b(?:has|have|had|got)\b[^.?!]{0,20}\bany bookings?\b|"
    r"\b(?:do|did) we have (?:a|any) bookings?\b"
)
# an order that happens to say "booked": "could we get it booked?", "have them booked"
_ORDER = compiled(
    r"\b(?:get|getting|have|having) (?:it|that|this|them|him|her|those|these|"
    r"the \w+|\w+'s \w+) booked\b|"
    r"^\W*(?:(?:please|pls|ok|okay|so|then|right|fine|yes|yeah)\W+)*book\b|"
    r"\b(?:can|could|would|will|shall|should) (?:we|you|i) (?:please )?"
    r"(?:get \w+ )?book\b"
)


def asks_what_is_booked(u: Utterance) -> bool:
    """Whether the message asks what has been booked (a question, never an order).

    "how many treatments have been booked this week?", "anything booked for U124
    yet?", "did we book U126?" ask; "could we get it booked?", "book it" order.
    """
    return bool(_BOOKED_STATE.search(u.norm)) and not _ORDER.search(u.norm)


def counts_last_list(u: Utterance, ask: Ask) -> bool:
    """Whether the message asks for the count of the list of customers just shown.

    "how many is that (total)?", "how many are there on that list?".
    """
    focus = ask.session.focus
    return bool(
        focus.last_list == "customers"
        and focus.found_list
        and not u.customers
        and not u.treatments
        and u.has(r"\bhow many\b|\bhow big\b|\bwhat'?s the (count|number|total)\b")
        and u.has(
            r"\b(that|those|them|these|is it|are there|total|altogether|in all|"
            r"all up|on (the|that) list|we talking)\b"
        )
        and not u.has(r"\b(slots?|capacity|left|remaining|budget|booked|bookings?)\b")
    )


# channels people use that the product has no treatment on
_NO_SUCH_CHANNEL = compiled(
    r"\b(?P<channel>whats ?app|telegram|facebook|instagram|twitter|linked ?in|"
    r"tik ?tok|messenger|wechat|viber|fax|letter|post(?:al)? mail|snail mail|"
    r"teams|slack)\b",
    re.I,
)


def unsupported_channel(text: str) -> str | None:
    """The channel a message names that the product does not have, if any."""
    m = _NO_SUCH_CHANNEL.search(text)
    return m["channel"] if m else None


# taking a booking back: "remove the retention SMS booked for U125", "delete that
# booking", "unbook U124" (a cancellation, proposed and confirmed like any other)
_UNBOOK = compiled(
    r"\b(?:remove|delete|undo|unbook|withdraw|take (?:off|out|back)|pull|storno|"
    r"get rid of)\b"
    r"[^.?!]{0,50}\b(?:booked|booking|bookings|allocation)\b|\bunbook\w*\b|"
    r"\bstorno\b",
    re.I,
)


def undoes_a_booking(text: str) -> bool:
    """Whether the message asks to take a booking back (not to make one)."""
    return _UNBOOK.search(text) is not None


# undoing a catalogue change: "please cancel the last modification on the Early
# Upgrade", "someone changed the data boost price, can you undo it"
_UNDO_CHANGE = compiled(
    r"\b(?:cancel|undo|revert|roll ?back|reverse)\b[^.?!]{0,40}\b(?:last |latest )?"
    r"(?:change|modification|edit|update)\b|"
    r"\b(?:changed|modified|edited|updated)\b[^?!]{0,60}\b(?:undo|revert|roll ?back)\b",
    re.I,
)


def undoes_a_change(text: str) -> bool:
    """Whether the message asks to undo a change to the catalogue (not a booking)."""
    return _UNDO_CHANGE.search(text) is not None and "book" not in text.lower()


# the flagship question in any word order: "what i can offer him?", "what can we
# offer U124", "what should I give her", "what can I do for her"
_WHAT_TO_OFFER = compiled(
    r"\bwhat\b(?:\s+(?:can|could|should|shall|would|do|might))?\s+(?:i|we|you)"
    r"(?:\s+(?:can|could|should|shall|would|might))?\s+(?:offer|give|propose|"
    r"suggest|do for)\b",
    re.I,
)


def asks_what_to_offer(ask: Ask) -> bool:
    """Whether the message asks what to offer one customer, with no limit named.

    (A limit, a treatment, a channel or "why" makes it another question: an
    alternative, a booking, the options on that channel, an explanation; "he's on
    the phone" names no channel to use.)
    """
    u = ask.u
    calling = compiled(r"\bon the (?:phone|line)\b|\bcalling\b", re.I).search(u.norm)
    if len(ask.customers) != 1 or u.treatments or u.excluded_channels:
        return False
    if u.channels and not calling:  # "by email": the options on that channel
        return False
    if u.max_cost is not None or compiled(r"\bwhy\b", re.I).search(u.norm):
        return False
    return _WHAT_TO_OFFER.search(u.norm) is not None
