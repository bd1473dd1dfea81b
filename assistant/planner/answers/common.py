"""Small pieces every answer uses: money, channel names, score lines, exclusions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from assistant.planner.intent import Ask, Results


def score_line(r: RankedTreatment) -> str:
    """How an option's expected value is made up."""
    s = r.score
    return (
        f"Expected value **{money(s.expected_value)}** = P(accept) "
        f"{s.propensity:.2f} ({s.propensity_source}) × "
        f"{money(s.value)} margin at risk − {money(s.cost)} cost."
    )


def option_line(r: RankedTreatment) -> str:
    """One option in a list: name, channel, value and cost."""
    return (
        f"{r.display_name} ({CHANNEL_NAMES.get(r.channel, r.channel)}) "
        f"{money(r.score.expected_value)}"
    )


def lawful(rec: Recommendation) -> list[RankedTreatment]:
    """Ranked options that contact the customer (no-action left out)."""
    return [r for r in rec.ranked if r.treatment_key != BASELINE]


def excluded(rec: Recommendation) -> dict[str, str]:
    """Treatments the contact rules exclude, with their rule ids and reasons."""
    return {
        x.treatment_key: "; ".join(
            f"{e.rule}: {e.reason}" for e in x.exclusions if e.rule != "APPLICABILITY"
        )
        for x in rec.excluded
        if x.hard
    }


def not_applicable(rec: Recommendation) -> dict[str, str]:
    """Lawful treatments that do not apply to the customer's situation."""
    return {x.treatment_key: x.exclusions[0].reason for x in rec.excluded if not x.hard}


def excluded_lines(rec: Recommendation) -> list[str]:
    """Bullet lines for the excluded treatments (empty when none)."""
    names = {x.treatment_key: x.display_name for x in rec.excluded}
    rows = [f"- {names[k]}: {why}" for k, why in excluded(rec).items()]
    return ["", "Excluded by contact rules:", *rows] if rows else []


def how_to_book(ask: Ask, customer: str, key: str, name: str) -> str:
    """How to book this option: "book it" only when it is the action pending."""
    p = ask.session.pending
    if p and p.tool == "allocate_treatment" and p.key == (customer, key):
        ask.session.focus.last_offer = "booking"  # "book it" now means this
        return f"Say **book it** (or **yes**) to book {name}."
    if p is not None:
        return f"Say **book {name}** to propose it instead of {p.title.lower()}."
    return f"Say **book {name}** to propose it."


def recommendation_in(results: Results) -> Recommendation:
    """The recommendation this turn's results hold."""
    rec: Recommendation = results.one("recommend_treatment")
    return rec


def option_meant(ask: Ask, rec: Recommendation) -> RankedTreatment:
    """The option a follow-up is about: one named, else the proposal, else the top."""
    held = ask.held if ask.held and ask.held_for == rec.customer_id else None
    keys = ask.u.treatments or ([held.treatment_key] if held else [])
    return next((r for r in rec.ranked if r.treatment_key in keys), rec.top)
