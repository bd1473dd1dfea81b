"""The planner's ledger intents: list bookings, cancel, book, capacity left."""

from __future__ import annotations

from assistant.planner import book_calls, ledger_calls
from assistant.planner.answers import booking, ledger
from assistant.planner.intent import Intent, cue
from assistant.planner.questions import asks_what_is_booked, counts_last_list

_POLITE = (
    r"^\W*((please|pls|ok(ay)?|yes|yeah|right|fine|great|perfect|then|so|now)\W+)*"
)
BOOK_CUES = cue(
    _POLITE + r"(go ahead and |let'?s |i'?d like to |i want to )?"
    r"(book|allocate|schedule|reserve|lock (it|that|this) in|set up|arrange|assign)\b",
    r"\b(get|have) (it|that|this|them|\w+) booked\b",
    r"\bbook (it|that|this|that one|the \w+)\b",
    r"^\W*(can|could|would|will) (you|we|i) (please |just )?(book|allocate|schedule|"
    r"reserve|arrange|set up|put \w+ (down|in) for|sign \w+ up for)\b"
    r"(?!.*\b(anything|something|cheaper|else|alternatives?|other|options?)\b)",
    _POLITE + r"(put|pencil|sign) \w+ (down |in |up )?for\b",
    r"\b(go ahead|proceed) (and|with)\b.{0,20}\bbook",
    _POLITE + r"(confirm|approve)d?\b(?!.*\b(consent|status|number|count|list)\b)",
    _POLITE + r"(go ahead|proceed|do it|make it so|agreed|sounds good|go for it)\W*"
    r"(with (it|that|the booking|u-?\d+))?\W*(please|thanks|thank you)?\W*$",
    weight=3.5,
) + cue(r"\bbook\b", r"\bbooked\b", weight=1.0)
CANCEL_CUES = cue(
    _POLITE + r"(cancel|release|undo|revoke|un-?book|withdraw|drop|remove|scrap)\b"
    r"(?!.*\b(row|column|filter|sort|order|options?|from the (list|table|options))\b)",
    r"\bcancel (booking|allocation|it|that|#)",
    r"\bget rid of\b.{0,30}\b(booking|one|it|that|them|duplicate)s?\b",
    weight=4.0,
) + cue(r"#\s*\d+", r"\bbooking \d+\b", weight=1.0)


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
        bonus=lambda u, ask: 4.0 * asks_what_is_booked(u),
        needs_customer=False,
        calls=ledger_calls.bookings,
        answer=ledger.bookings,
        examples=(
            "show today's bookings",
            "list allocations",
            "what did we book today?",
        ),
    ),
    Intent(
        name="cancel",
        cues=CANCEL_CUES,
        needs_customer=False,
        calls=ledger_calls.cancel,
        follow_up=ledger_calls.cancel_found,
        answer=ledger.cancel,
        priority=2,
        examples=("cancel it", "cancel booking #3", "release that allocation"),
    ),
    Intent(
        name="book",
        cues=BOOK_CUES,
        when=lambda u, ask: not asks_what_is_booked(u),
        calls=book_calls.book,
        follow_up=book_calls.book_follow_up,
        answer=booking.book,
        priority=1,
        examples=("book it", "book retention_sms for U124", "could we get it booked?"),
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
            r"\b(call cent(re|er)|slots?|call ?backs?)\b.{0,20}\b(full|rammed|maxed|"
            r"swamped|booked up)\b|\b(full|rammed|maxed|swamped)\b.{0,12}\b(on|in) "
            r"the (call cent(re|er)|phones)\b",
            weight=2.5,
        )
        + cue(
            r"\b(is|are)\b.{0,40}\b(full|maxed out|booked up)\b(?! of)",
            r"\butili[sz]ation\b",
            r"\brunning out\b",
            r"\b(?:close to|near|nearly at|nearly out of|running low on) (?:the )?"
            r"(?:cap|limit|capacity|sms|e-?mail|call|slots?)\b",
            r"\bslots?\b.{0,30}\bremain\b",
            weight=5.0,
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
        when=lambda u, ask: "consents" not in u.facets and not counts_last_list(u, ask),
        needs_customer=False,
        calls=ledger_calls.capacity,
        answer=ledger.capacity,
        examples=("how many call-backs are left today?", "capacity?"),
    ),
]
