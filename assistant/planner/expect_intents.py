"""The planner's intent for the response to expect from a plan.

* ``outcome_expect`` ("what response should we expect from today's plan?"): the
  READ ``expected_response`` of the plan named (or the latest): the acceptances
  its bookings' P(accept) add up to, per treatment, and the policy's track record
  (expected vs realised acceptance so far, with its 95% interval).

Part of :data:`assistant.planner.outcome_intents.OUTCOME_INTENTS`.
"""

from __future__ import annotations

import re

from assistant.planner.intent import Ask, Call, Intent, Results, call, cue

EXPECT_PATTERN = (
    r"\b(what|which|how much|how many)\b.{0,30}\b(responses|response|take-? ?up|"
    r"acceptances|acceptance|accept|uptake|conversions|conversion)\b.{0,40}"
    r"\b(expect|expected|expecting|forecast|predict|predicted|anticipate|likely)\b|"
    r"\bexpected (response|take-? ?up|acceptance|uptake)\b|"
    r"\bhow many\b.{0,30}\b(will|would|should|might)\b.{0,10}\b(accept|respond|"
    r"say yes|take (it|them|the offer) up)\b|"
    r"\bhow many\b.{0,40}\b(expect|expected|expecting|forecast)\b|"
    r"\bwhat (should|can|do|could|would) (i|we) expect\b.{0,30}\b(plan|campaign|"
    r"p\d{8}-\d+)\b|\blikely (responses?|take-? ?up|acceptances?|uptake|results?)\b"
)
_PLAN_ID = r"\bP\d{8}-\d+\b"


def _asks_expected(u, ask: Ask) -> bool:  # type: ignore[no-untyped-def]
    return not u.customers and bool(re.search(EXPECT_PATTERN, u.norm))


def _expect(ask: Ask, customer: str | None) -> list[Call]:
    found = re.search(_PLAN_ID, ask.u.text, re.I)
    return [
        call("expected_response", plan_id=found.group(0).upper() if found else None)
    ]


def expected(ask: Ask, customer: str | None, results: Results) -> str:
    """The acceptances to expect from the plan, and how the policy's P has done."""
    from tools.outcomes_expect import ExpectedResponse

    found = results.one("expected_response")
    if not isinstance(found, ExpectedResponse):
        return f"I could not work that out: {results.failure()}"
    if not found.bookings or found.expected_rate is None:
        return f"Plan {found.plan_id} books nobody, so there is no response to expect."
    lines = [
        f"Plan {found.plan_id} ({found.day}) books {found.bookings:,} customers: "
        f"expect about **{found.expected_accepted:,.1f} acceptances** "
        f"({found.expected_rate:.0%} on average by the policy's P(accept))"
        + (f"; {found.held_out:,} held out for comparison." if found.held_out else ".")
    ]
    lines += [
        f"- {line.display_name}: {line.bookings:,} bookings, "
        f"~{line.expected_accepted:,.1f} expected ({line.expected_rate:.0%})"
        for line in found.by_treatment[:6]
    ]
    if found.track_rate is None or found.track_ci95 is None:
        lines.append("No outcomes recorded yet to check these P against.")
    else:
        lo, hi = found.track_ci95
        lines.append(
            f"Track record so far: bookings given {found.track_expected_rate:.0%} "
            f"on average were accepted **{found.track_rate:.0%}** "
            f"({found.track_reached:,} reached; 95% interval {lo:.0%}–{hi:.0%})."
        )
    return "\n".join(lines)


EXPECT_INTENTS: list[Intent] = [
    Intent(
        name="outcome_expect",
        cues=cue(EXPECT_PATTERN, weight=9.0),
        when=_asks_expected,
        needs_customer=False,
        calls=_expect,
        answer=expected,
        priority=3,
        examples=(
            "what response should we expect from today's plan?",
            "how many acceptances should we expect from the plan?",
            "what's the expected take-up of today's campaign?",
        ),
    ),
]
