"""Small pieces every answer uses: money, channel names, score lines, exclusions."""

from __future__ import annotations

from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE

CHANNEL_NAMES = {
    "call": "call",
    "sms": "SMS",
    "email": "e-mail",
    "push": "push",
    "app": "in-app",
    "none": "no contact",
}


def money(x: float) -> str:
    """Pounds with two decimals and a leading minus when negative."""
    return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"


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
