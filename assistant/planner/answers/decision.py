"""Answers about the decision: recommend, explain, cost.

The options and the one chosen are answered in
:mod:`assistant.planner.answers.choices`, comparisons in
:mod:`assistant.planner.answers.comparison`.
"""

from __future__ import annotations

from assistant.planner.answers.common import (
    excluded_lines,
    how_to_book,
    lawful,
    option_line,
    option_meant,
    recommendation_in,
    score_line,
)
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import Alternative, Recommendation
from tools.treatment import BASELINE


def _notes(rec: Recommendation) -> list[str]:
    """What the customer's hard rules and data mean for the recommendation."""
    cid = rec.customer_id
    rules = " ".join(e.rule for x in rec.excluded if x.hard for e in x.exclusions)
    notes = []
    if "OBJECTION" in rules:
        notes.append(
            f"{cid} refused marketing on every channel (OBJECTION): only "
            "service and billing actions are considered."
        )
    if "VULNERABLE" in rules:
        notes.append(
            f"{cid} is flagged vulnerable (VULNERABLE): no automated "
            "marketing; route any sales conversation to a specialist."
        )
    if "SUITABILITY" in rules:
        notes.append(
            f"{cid} has an open service problem (SUITABILITY): no marketing until "
            "it is fixed."
        )
    if rec.data_note:
        notes.append(rec.data_note)
    return notes


def recommend(ask: Ask, customer: str | None, results: Results) -> str:
    """The recommendation with its score, reasons, timing and exclusions."""
    rec = recommendation_in(results)
    top, cid = rec.top, rec.customer_id
    notes = _notes(rec)
    booked = ", ".join(
        f"{b.display_name} (#{b.allocation_id})" for b in rec.booked_today
    )
    others = lawful(rec)
    if top.treatment_key == BASELINE and booked:
        out = [
            f"**{cid}: already booked today: {booked}.** Nothing else is worth "
            "more than it costs right now."
        ]
    elif top.treatment_key == BASELINE:
        out = [
            f"**{cid}: no action recommended.** No lawful treatment is worth more "
            "than it costs right now."
        ]
        if others:
            out.append(
                "Best contact options, all below doing nothing: "
                + ", ".join(option_line(r) for r in others[:3])
                + "."
            )
    else:
        out = [
            f"**{cid}: recommend {top.display_name}** "
            f"({CHANNEL_NAMES[top.channel]}, {top.purpose}).",
            score_line(top),
            "",
            "Why:",
            *[f"- {r}" for r in top.reasons],
            "",
            f"When: {top.next_contact.note}.",
        ]
        if others[1:]:
            out.append(
                "Also lawful: " + ", ".join(option_line(r) for r in others[1:4]) + "."
            )
        if booked:
            out.append(f"Already booked today: {booked}.")
    out += notes + excluded_lines(rec)
    if top.treatment_key != BASELINE:
        out += [
            "",
            how_to_book(ask, cid, top.treatment_key, top.display_name)
            + " Or ask why, what it costs, for the top 3 options, or for an "
            "alternative.",
        ]
    return "\n".join(out)


def explain(ask: Ask, customer: str | None, results: Results) -> str:
    """Why the proposal (or the alternative searched last) is the one."""
    alt: Alternative | None = results.one("find_alternative_treatment")
    if alt is not None and alt.alternative is not None:
        best, first = alt.alternative, alt.first_choice
        return "\n".join(
            [
                f"**Why {best.display_name} for {alt.customer_id}:**",
                *[f"- {r}" for r in best.reasons],
                "",
                score_line(best),
                f"It is the best option within your limits; it gives up "
                f"{money(alt.ev_given_up)} against {first.display_name} "
                f"({money(first.score.expected_value)}).",
            ]
        )
    rec = recommendation_in(results)
    top = rec.top
    subject = option_meant(ask, rec)
    lines = [
        f"**Why {subject.display_name} for {rec.customer_id}:**",
        *[f"- {r}" for r in subject.reasons],
        "",
        score_line(subject),
    ]
    if subject is top and len(rec.ranked) > 1:
        second = rec.ranked[1]
        gap = top.score.expected_value - second.score.expected_value
        lines.append(
            f"It beats the runner-up, {second.display_name} "
            f"({money(second.score.expected_value)}), by {money(gap)}."
        )
    elif subject is not top:
        lines.append(
            f"It is the alternative to {top.display_name} "
            f"({money(top.score.expected_value)}), the top pick."
        )
    return "\n".join(lines + excluded_lines(rec))


def cost(ask: Ask, customer: str | None, results: Results) -> str:
    """What the recommendation (or the option named) costs and is worth."""
    rec = recommendation_in(results)
    r = option_meant(ask, rec)
    if r.treatment_key == BASELINE:
        options = lawful(rec)
        cheapest = min(options, key=lambda x: x.score.cost) if options else None
        other = (
            f"{option_line(cheapest)} at {money(cheapest.score.cost)} per contact"
            if cheapest
            else "none: no treatment is lawful"
        )
        return (
            f"**{rec.customer_id}: no action is recommended, so it costs nothing** "
            f"(£0.00). The cheapest contact option would be {other}."
        )
    s = r.score
    return "\n".join(
        [
            f"**{r.display_name} for {rec.customer_id} costs {money(s.cost)} per "
            f"contact** ({CHANNEL_NAMES[r.channel]}).",
            f"For that it is expected to earn {money(s.expected_value)} net: "
            f"P(accept) {s.propensity:.2f} × {money(s.value)} margin at risk − "
            f"{money(s.cost)}.",
            "Ask for **cheaper options** or **the top 3 options** to compare costs.",
        ]
    )
