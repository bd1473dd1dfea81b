"""The planner's ledger intents: list bookings, cancel, book, capacity left."""

from __future__ import annotations

from assistant.approvals.orders import Order, classify_order
from assistant.planner import calls
from assistant.planner.answers import ledger
from assistant.planner.intent import Intent, cue
from assistant.planner.utterance import Utterance
from tools.config import CVMConfig


def is_order(u: Utterance, action: str, config: CVMConfig | None = None) -> bool:
    """Whether the message orders a booking or a cancellation (the one classifier).

    A plain confirmation ("yes", "go ahead") counts as a booking order here; what
    it approves is the guard's business (:mod:`assistant.approvals.scope`).
    """
    reading = classify_order(u.text, config)
    if not isinstance(reading, Order):
        return False
    if action == "book":
        return reading.kind in {"book", "confirm"}
    return reading.kind == "cancel"


LEDGER_INTENTS: list[Intent] = [
    Intent(
        name="bookings",
        cues=cue(
            r"\b(what|which|anything|did|have) (did |have )?we "
            r"(book|booked|allocate|allocated)\b",
            weight=4.0,
        )
        + cue(
            r"\bbookings\b",
            r"\bon the books\b",
            r"\ballocations\b",
            r"\bwhat('s| is| has been| was) (been )?(booked|allocated|scheduled)\b",
            weight=3.0,
        )
        + cue(
            r"\bbooking\b",
            r"\ballocation\b",
            r"\bbooked\b",
            r"\breservations?\b",
            r"\bscheduled\b",
            r"\b(list|show|see)\b",
        ),
        needs_customer=False,
        calls=calls.bookings,
        answer=ledger.bookings,
        examples=(
            "show today's bookings",
            "list allocations",
            "what did we book today?",
        ),
    ),
    Intent(
        name="cancel",
        cues=(),
        when=lambda u, ask: is_order(u, "cancel", ask.config),
        bonus=lambda u, ask: 4.0,
        needs_customer=False,
        calls=calls.cancel,
        answer=ledger.cancel,
        priority=2,
        examples=("cancel it", "cancel booking #3", "release that allocation"),
    ),
    Intent(
        name="book",
        cues=(),
        when=lambda u, ask: is_order(u, "book", ask.config),
        bonus=lambda u, ask: 3.5,
        calls=calls.book,
        follow_up=calls.book_refused,
        answer=ledger.book,
        priority=1,
        examples=("book it", "yes, go ahead", "book retention_sms for U124"),
    ),
    Intent(
        name="capacity",
        cues=cue(
            r"\bcapacity\b",
            r"\bavailability\b",
            r"\bconstraints?\b",
            r"\broom for\b",
            r"\b(budget|capacity|room|slots?|space) (left|remaining|available)\b",
            r"\bquota\b",
            r"\b(at|reached|hit) (the |our )?(limit|cap|capacity)\b",
            r"\bused today\b",
            r"\bslots?\b",
            r"\bwhat('s| is) left\b",
            r"\bhow many .{0,40}\b(left|remaining|available|free)\b",
            r"\bhow many\b.{0,50}\b(can|could) we (still )?(send|do|make|book|use)\b",
            weight=2.5,
        )
        + cue(
            r"\bhow many\b",
            r"\bavailab",
            r"\bremaining\b",
            r"\bleft\b",
            r"\bbudget\b",
            r"\b(room|space)\b",
            r"\blimits?\b",
            r"\bleft (for|today)\b",
        )
        + cue(r"\btoday\b", weight=0.5),
        when=lambda u, ask: "consents" not in u.facets,
        needs_customer=False,
        calls=calls.capacity,
        answer=ledger.capacity,
        examples=("how many call-backs are left today?", "capacity?"),
    ),
]
