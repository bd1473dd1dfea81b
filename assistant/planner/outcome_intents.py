"""The planner's outcome intents: record what came of a booking; how treatments did.

* ``outcome_record`` ("U124 accepted the bill review", "record that booking #3
  was declined", "#5 no response"): proposes the ``record_outcome`` WRITE for the
  booking named by id, or, for a customer, the one active booking of theirs the
  message describes (read from the ledger first); held until the analyst confirms.
* ``outcome_check`` ("did U124 accept?", "has he taken it up?"): the READ
  ``customer_outcomes``: the customer's bookings, each with its outcome or none yet.
* ``outcome_report`` ("what's the take-up been like on data boosts?", "how did
  retention SMS do last month?"): the READ ``outcome_report`` for the treatment or
  channel named and the period said, answered with the rate, its count and its 95%
  interval, and what the policy expected.

Joined to the planner's table by one line in :mod:`assistant.planner.intents`.
The calls are in :mod:`assistant.planner.outcome_calls`, the answers in
:mod:`assistant.planner.answers.outcomes`.
"""

from __future__ import annotations

from assistant.planner import outcome_calls
from assistant.planner.answers import outcomes
from assistant.planner.catalogue_slots import SET_ORDER, sets_a_field
from assistant.planner.expect_intents import EXPECT_INTENTS, EXPECT_PATTERN
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.outcome_calls import STATUS_WORDS
from tools.patterns import compiled

STATUS_PATTERN = "|".join(p for p, _ in STATUS_WORDS)
_QUESTION = r"^(what|how|why|which|who|did|does|do|has|have|is|are|was|were)\b|\?\s*$"
_RECORD = r"\b(record|log|mark|note|register|enter|set)\b"


def _states_outcome(u, ask: Ask) -> bool:  # type: ignore[no-untyped-def]
    if not compiled(STATUS_PATTERN).search(u.norm):
        return False
    if compiled(_QUESTION).search(u.norm) and not compiled(_RECORD).search(u.norm):
        return False  # "did U124 accept?", "how many declined?" are questions
    return (
        u.allocation_id is not None
        or bool(u.customers)
        or bool(ask.customers and u.references)  # "he accepted", "they said no"
        or bool(compiled(_RECORD + r"|\boutcome\b").search(u.norm))
    )


RATE_PATTERN = (
    r"\btake-? ?up\b|\buptake\b|\b(acceptance|response|conversion|success|hit) "
    r"(rate|rates)\b|\bconversions?\b|"
    r"\bhow many (people |customers )?(accepted|declined|took (it |them )?up)\b|"
    r"\b(proportion|share|percentage|percent|number) (of (people |customers )?)?"
    r"(who )?(accepted|declined|took (it |them )?up|responded|said yes)\b|"
    r"\b(acceptance|response|take-? ?up|uptake|conversion) (numbers|figures|"
    r"statistics|results)\b|\bany (responses|replies|acceptances|outcomes|results)\b|"
    r"\b(realis|realiz)ed (value|revenue|return)\b|\breturn on (spend|investment)\b|"
    r"\bpaying for itself\b|\broi\b"
)
HOW_DID_PATTERN = (
    r"\bhow (did|has|have|were|was)\b.{0,60}\b(do|done|perform|performed|go|gone|"
    r"work|worked|land|landed)\b|"
    r"\bhow(?:'s| is| are)\b.{0,60}\b(doing|performing|going|working|landing)\b|"
    r"\bhow well\b|\bwhat did\b.{0,60}\b(achieve|deliver|earn|return|bring in)\b|"
    r"^\W*(did|has|have)\b.{0,60}\b(work|worked|land|landed)\b|"
    r"\b(results?|performance|outcomes?) (for|of|on|from)\b"
)
_SUBJECT = r"\b(campaigns?|treatments?|offers?|plans?|outcomes?|results?)\b"


def _asks_report(u, ask: Ask) -> bool:  # type: ignore[no-untyped-def]
    """A question about how treatments did (not about one customer)."""
    if u.customers or u.allocation_id is not None:
        return False
    if compiled(EXPECT_PATTERN).search(u.norm):  # what to expect: outcome_expect
        return False
    if compiled(SET_ORDER).search(u.norm) or sets_a_field(u):  # "… of X to 12%"
        return False
    if compiled(RATE_PATTERN).search(u.norm):
        return True
    named = bool(u.treatments or u.channels or compiled(_SUBJECT).search(u.norm))
    return named and bool(compiled(HOW_DID_PATTERN).search(u.norm))


CHECK_PATTERN = (
    r"^\W*(did|has|have|had)\b.{0,40}\b(accept|accepted|respond|responded|reply|"
    r"replied|answer|answered|decline|declined|convert|converted|say yes|said yes|"
    r"take (it |that |this |the offer )?up|taken (it |that |this |the offer )?up|"
    r"took (it |that |this |the offer )?up)\b|"
    r"\bwhat (came|happened|has happened) (of|with|to)\b.{0,30}\b(bookings?|offers?|"
    r"calls?|call backs?|contacts?|sms|e-?mails?|treatments?)\b|"
    r"\bhow did\b.{0,30}\b(respond|react|reply|answer)\b|"
    r"\b(any|an|the) (outcome|response|answer|reply) (from|for|on|to)\b|"
    r"\b(work|worked|land|landed)\b.{0,10}\bfor u\d+\b|"
    r"(?<!would )(?<!will )(?<!might )(?<!could )(?<!have )\b(accepted|declined|"
    r"responded|took (it |that )?up|said yes|said no|converted)\b[^?]{0,30}\?\s*$"
)


def _asks_check(u, ask: Ask) -> bool:  # type: ignore[no-untyped-def]
    """A question about what one customer did with their bookings."""
    return bool(ask.customers) and not compiled(RATE_PATTERN).search(u.norm)


OUTCOME_INTENTS: list[Intent] = [
    Intent(
        name="outcome_record",
        cues=cue(STATUS_PATTERN, weight=5.0)
        + cue(_RECORD, r"\boutcome\b", r"#\s*\d+", weight=1.5),
        when=_states_outcome,
        needs_customer=False,
        calls=outcome_calls.record,
        follow_up=outcome_calls.record_found,
        answer=outcomes.recorded,
        priority=3,
        examples=(
            "record that booking #3 was declined",
            "U127 accepted the marketing call back",
            "mark #2 as no response",
        ),
    ),
    Intent(
        name="outcome_report",
        cues=cue(RATE_PATTERN, weight=9.0) + cue(HOW_DID_PATTERN, weight=6.0),
        when=_asks_report,
        needs_customer=False,
        calls=outcome_calls.report,
        answer=outcomes.reported,
        priority=3,
        examples=(
            "what's the take-up been like on data boosts?",
            "how did retention SMS do last month?",
            "what's the acceptance rate of the marketing call back?",
        ),
    ),
    Intent(
        name="outcome_check",
        cues=cue(CHECK_PATTERN, weight=8.0),
        when=_asks_check,
        calls=outcome_calls.check,
        answer=outcomes.checked,
        priority=3,
        examples=(
            "did U124 accept?",
            "has U128 taken it up?",
            "what happened with U127's booking?",
        ),
    ),
    *EXPECT_INTENTS,
]
