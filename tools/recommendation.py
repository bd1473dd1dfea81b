"""What a recommendation says: ranked treatments, exclusions and alternatives.

The result models of :func:`tools.treatment.recommend_treatment` and
:func:`tools.treatment.find_alternative_treatment`, apart from the code that makes
them, so that what records and shows them (the decision log, the planner's answers,
the UI) does not import the ranking itself.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from tools.contact_time import NextContact
from tools.rule_verdicts import RuleId


class ScoreBreakdown(BaseModel):
    """How a treatment's expected value was computed."""

    propensity: float = Field(description="P(accept), 0..1.")
    propensity_source: str = Field(
        description="How P was made, e.g. 'journey 0.80 (base 0.1 + 3 signal(s)), "
        "recommender 0.35 ('Roaming Dispute Resolution', 2024-03-03) → 0.62'."
    )
    journey_propensity: float | None = Field(
        None, description="The journey's P (base + signal boosts, capped)."
    )
    recommender_propensity: float | None = Field(
        None, description="The live recommender offer's P that entered, if any."
    )
    value: float = Field(
        description="V in pounds: the margin at risk, plus the margin of a live "
        "offer meeting a need the customer stated (when the treatment meets it)."
    )
    cost: float
    expected_value: float = Field(description="P x V - cost, in pounds.")


class RankedTreatment(BaseModel):
    """An eligible treatment with its score and the reasons for it."""

    treatment_key: str
    display_name: str
    channel: str
    purpose: str
    score: ScoreBreakdown
    reasons: list[str]
    next_contact: NextContact


class Exclusion(BaseModel):
    """Why a treatment is out, tagged with its rule id."""

    rule: RuleId
    reason: str


class ExcludedTreatment(BaseModel):
    """A treatment kept out of the recommendation and every reason why."""

    treatment_key: str
    display_name: str
    channel: str
    hard: bool = Field(
        description="True if a hard rule excludes it (cannot be booked)."
    )
    exclusions: list[Exclusion]


class BookedToday(BaseModel):
    """A booking the customer already has today (why nothing more may be needed)."""

    allocation_id: int
    treatment_key: str
    display_name: str
    day: date


class Recommendation(BaseModel):
    """Result of ``recommend_treatment``."""

    customer_id: str
    top: RankedTreatment
    ranked: list[RankedTreatment]
    excluded: list[ExcludedTreatment]
    next_contact: NextContact
    evaluated_at: datetime
    booked_today: list[BookedToday] = Field(
        default_factory=list, description="The customer's bookings of today."
    )
    data_as_of: date | None = Field(
        None, description="The decision date the data is read as of."
    )
    data_age_days: int | None = Field(
        None, description="Days from the data's as-of date to today."
    )
    data_note: str | None = Field(
        None,
        description="Says how old the data is, when older than "
        "decisions.stale_after_days.",
    )
    catalogue_version: int = Field(1, description="The catalogue version decided on.")


class Alternative(BaseModel):
    """Result of ``find_alternative_treatment``."""

    customer_id: str
    alternative: RankedTreatment | None
    first_choice: RankedTreatment
    ev_given_up: float = Field(description="First choice EV minus alternative EV.")
    left_out: list[str] = Field(description="Eligible options dropped by the request.")
