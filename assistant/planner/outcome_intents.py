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
"""

from __future__ import annotations

import re

from assistant.planner.expect_intents import EXPECT_INTENTS, EXPECT_PATTERN
from assistant.planner.intent import Ask, Call, Intent, Results, call, cue
from tools.bookings import Bookings
from tools.outcomes_lookup import CustomerOutcomes
from tools.outcomes_report import OutcomeReport, ReportRow

STATUS_WORDS = (
    (
        r"\b(unreachable|could ?n[o']?t (reach|contact|get hold of)|not reachable|"
        r"wrong number|bounced|no answer)\b",
        "unreachable",
    ),  # fmt: skip
    (
        r"\b(no response|no reply|did ?n[o']?t (respond|reply|answer)|never "
        r"(responded|replied|answered)|ignored (it|the))\b",
        "no_response",
    ),  # fmt: skip
    (
        r"\b(declined|turned (it |that |this )?down|rejected|refused|said no|"
        r"not interested)\b",
        "declined",
    ),  # fmt: skip
    (
        r"\b(accepted|took (it |that |this |the offer )?up|said yes|signed up|"
        r"converted|agreed to)\b",
        "accepted",
    ),  # fmt: skip
)
STATUS_PATTERN = "|".join(p for p, _ in STATUS_WORDS)
_QUESTION = r"^(what|how|why|which|who|did|does|do|has|have|is|are|was|were)\b|\?\s*$"
_RECORD = r"\b(record|log|mark|note|register|enter|set)\b"
_VALUE = (
    r"(?:worth|value[d]?(?: of| at)?|realis(?:ed|ing)|for)\s*£\s*(\d[\d,]*(?:\.\d+)?)"
)


def status_in(text: str) -> str | None:
    """The outcome a message states (None: none)."""
    for pattern, status in STATUS_WORDS:
        if re.search(pattern, text):
            return status
    return None


def _value(text: str) -> float | None:
    found = re.search(_VALUE, text) or re.search(r"£\s*(\d[\d,]*(?:\.\d+)?)", text)
    return float(found.group(1).replace(",", "")) if found else None


def _states_outcome(u, ask: Ask) -> bool:  # type: ignore[no-untyped-def]
    if not re.search(STATUS_PATTERN, u.norm):
        return False
    if re.search(_QUESTION, u.norm) and not re.search(_RECORD, u.norm):
        return False  # "did U124 accept?", "how many declined?" are questions
    return (
        u.allocation_id is not None
        or bool(u.customers)
        or bool(ask.customers and u.references)  # "he accepted", "they said no"
        or bool(re.search(_RECORD + r"|\boutcome\b", u.norm))
    )


RATE_PATTERN = (
    r"\btake-? ?up\b|\buptake\b|\b(acceptance|response|conversion|success|hit) "
    r"(rate|rates)\b|\bconversions?\b|"
    r"\bhow many (people |customers )?(accepted|declined|took (it |them )?up)\b|"
    r"\b(proportion|share|percentage|percent|number) (of (people |customers )?)?"
    r"(who )?(accepted|declined|took (it |them )?up|responded|said yes)\b|"
    r"\b(acceptance|response|take-? ?up|uptake|conversion) (numbers|figures|"
    r"statistics|results)\b|\bany (responses|replies|acceptances|outcomes|results)\b"
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
    if re.search(EXPECT_PATTERN, u.norm):  # what to expect: outcome_expect
        return False
    if re.search(RATE_PATTERN, u.norm):
        return True
    named = bool(u.treatments or u.channels or re.search(_SUBJECT, u.norm))
    return named and bool(re.search(HOW_DID_PATTERN, u.norm))


def _record(ask: Ask, customer: str | None) -> list[Call]:
    status = status_in(ask.u.norm)
    if status is None:
        return []
    if ask.u.allocation_id is not None:
        return [
            call(
                "record_outcome",
                allocation_id=ask.u.allocation_id,
                status=status,
                value=_value(ask.u.norm),
            )
        ]
    target = ask.customers[:1]  # named, else the customer in focus ("he accepted")
    return [call("list_bookings", customer_id=c, today_only=False) for c in target]


def _described(ask: Ask) -> list[int]:
    found = ask.results.one("list_bookings")
    if not isinstance(found, Bookings):
        return []
    named = set(ask.u.treatments)
    return [
        a.allocation_id for a in found.bookings if not named or a.treatment_key in named
    ]


def _record_found(ask: Ask, customer: str | None) -> list[Call]:
    if ask.results.called("record_outcome"):
        return []
    matching = _described(ask)
    status = status_in(ask.u.norm)
    if len(matching) != 1 or status is None:
        return []  # none or several: the answer says which there are
    return [
        call(
            "record_outcome",
            allocation_id=matching[0],
            status=status,
            value=_value(ask.u.norm),
        )
    ]


def recorded(ask: Ask, customer: str | None, results: Results) -> str:
    """The outcome held for approval, why it cannot be recorded, or which booking."""
    held = results.held("record_outcome")
    if held is not None:
        return f"{held.title}: ready for your approval (nothing is recorded yet)."
    if results.called("record_outcome"):
        return f"**Not recorded:** {results.failure('record_outcome')}"
    found = results.one("list_bookings")
    if isinstance(found, Bookings):
        if not found.bookings:
            return (
                f"{found.customer_id} has no active booking to record an outcome for."
            )
        listed = "; ".join(
            f"#{a.allocation_id} {a.display_name} ({a.day})" for a in found.bookings[:5]
        )
        return (
            f"Which booking? {found.customer_id} has {listed}. Say e.g. *record that "
            f"booking #{found.bookings[0].allocation_id} was accepted*."
        )
    return (
        "Which booking, and what came of it? e.g. *record that booking #3 was "
        "declined* or *U127 accepted the marketing call back*."
    )


def period_in(text: str) -> str | None:
    """The named period a message asks about (None: all time)."""
    for pattern, name in (
        (r"\blast month\b", "last_month"),
        (r"\bthis month\b", "this_month"),
        (r"\byesterday'?s?\b", "yesterday"),
        (r"\btoday'?s?\b", "today"),
        (r"\b(last|past|this) week\b|\b(last|past) 7 days\b", "last_7_days"),
        (r"\b(last|past) (30 days|four weeks|4 weeks)\b", "last_30_days"),
    ):
        if re.search(pattern, text):
            return name
    return None


def _report(ask: Ask, customer: str | None) -> list[Call]:
    key = ask.u.treatments[0] if len(ask.u.treatments) == 1 else None
    channel = ask.u.channels[0] if key is None and len(ask.u.channels) == 1 else None
    return [
        call(
            "outcome_report",
            period=period_in(ask.u.norm),
            treatment_key=key,
            channel=channel,
        )
    ]


def _rate(r: ReportRow) -> str:
    if r.rate is None or r.ci95 is None:
        return f"no customer reached yet ({r.outcomes} outcome(s) recorded)"
    lo, hi = r.ci95
    text = (
        f"**{r.rate:.0%}** accepted ({r.accepted} of {r.reached} reached; 95% "
        f"interval {lo:.0%}–{hi:.0%})"
    )
    if r.expected_rate is not None:
        text += f"; the policy expected {r.expected_rate:.0%}"
    if r.valued:
        text += f"; realised value £{r.realised_value:,.2f}"
    return text


def reported(ask: Ask, customer: str | None, results: Results) -> str:
    """The take-up of what was asked about, with its count and interval."""
    found = results.one("outcome_report")
    if not isinstance(found, OutcomeReport):
        return f"I could not read the outcomes: {results.failure()}"
    what = (
        ask.name(found.treatment_key)
        if found.treatment_key
        else (f"the {found.channel} channel" if found.channel else "all treatments")
    )
    when = f" from {found.since} to {found.until}" if found.since else " so far"
    if found.total.outcomes == 0:
        return f"No outcomes recorded for {what}{when if found.since else ' yet'}."
    lines = [f"Take-up of {what}{when}: {_rate(found.total)}."]
    if found.treatment_key is None:
        lines += [f"- {r.label}: {_rate(r)}" for r in found.by["treatment"][:6]]
    else:
        lines += [f"- {r.label}: {_rate(r)}" for r in found.by["segment"][:4]]
    return "\n".join(lines)


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
    return bool(ask.customers) and not re.search(RATE_PATTERN, u.norm)


def _check(ask: Ask, customer: str | None) -> list[Call]:
    return [call("customer_outcomes", customer_id=customer)] if customer else []


def checked(ask: Ask, customer: str | None, results: Results) -> str:
    """Each of the customer's bookings with what came of it (or nothing yet)."""
    found = results.one("customer_outcomes")
    if not isinstance(found, CustomerOutcomes):
        return f"I could not read {customer}'s bookings: {results.failure()}"
    if not found.bookings:
        return f"{found.customer_id} has no active booking, so no outcome to report."
    lines = [f"What came of {found.customer_id}'s bookings:"]
    for b in found.bookings[:6]:
        said = (
            f"**{b.status.replace('_', ' ')}** on {b.on}"
            + (f", realised £{b.value:,.2f}" if b.value is not None else "")
            if b.status
            else "no outcome recorded yet"
        )
        lines.append(f"- #{b.allocation_id} {b.display_name} ({b.day}): {said}")
    if any(b.status is None for b in found.bookings):
        lines.append(
            f"Tell me what happened to record it, e.g. *{found.customer_id} accepted "
            f"the {found.bookings[0].display_name.lower()}*."
        )
    return "\n".join(lines)


OUTCOME_INTENTS: list[Intent] = [
    Intent(
        name="outcome_record",
        cues=cue(STATUS_PATTERN, weight=5.0)
        + cue(_RECORD, r"\boutcome\b", r"#\s*\d+", weight=1.5),
        when=_states_outcome,
        needs_customer=False,
        calls=_record,
        follow_up=_record_found,
        answer=recorded,
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
        calls=_report,
        answer=reported,
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
        calls=_check,
        answer=checked,
        priority=3,
        examples=(
            "did U124 accept?",
            "has U128 taken it up?",
            "what happened with U127's booking?",
        ),
    ),
    *EXPECT_INTENTS,
]
