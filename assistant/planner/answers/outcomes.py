"""Answers about outcomes: one held for approval, take-up rates, a customer's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Results
from tools.bookings import Bookings

if TYPE_CHECKING:
    from tools.outcomes_report import ReportRow


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
    from tools.outcomes_report import OutcomeReport

    found = results.one("outcome_report")
    if not isinstance(found, OutcomeReport):
        return f"I could not read the outcomes: {results.failure()}"
    what = (
        ask.name(found.treatment_key)
        if found.treatment_key
        else (f"the {found.channel} channel" if found.channel else "all treatments")
    )
    when = f" from {found.since} to {found.until}" if found.since else " so far"
    treatment = ask.config.treatments.get(found.treatment_key or "")
    prior = (
        f" The catalogue assumes {treatment.base_propensity:.0%} acceptance for it "
        "(its prior, before the customer's signals)."
        if treatment is not None
        else ""
    )
    if found.total.outcomes == 0:
        since = when if found.since else " yet"
        return f"No outcomes recorded for {what}{since}.{prior}"
    lines = [f"Take-up of {what}{when}: {_rate(found.total)}.{prior}"]
    if found.treatment_key is None:
        lines += [f"- {r.label}: {_rate(r)}" for r in found.by["treatment"][:6]]
    else:
        lines += [f"- {r.label}: {_rate(r)}" for r in found.by["segment"][:4]]
    return "\n".join(lines)


def checked(ask: Ask, customer: str | None, results: Results) -> str:
    """Each of the customer's bookings with what came of it (or nothing yet)."""
    from tools.outcomes_lookup import CustomerOutcomes

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
