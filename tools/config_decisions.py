"""The ``decisions`` section of the configuration: dates, offers, suitability, needs.

What the decision kernel (:mod:`tools.kernel`) needs beyond the treatments: the
decision date and how far back each signal looks, how the recommender's offers are
read, which open service problems put selling on hold (rule SUITABILITY) and which
stated needs a treatment meets. :mod:`tools.config` holds the other sections and
checks that the treatments named here exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from tools.config_settings import Strict
from tools.fields import Day, Probability

SignalName = Literal[
    "data_over_allowance",
    "data_near_allowance",
    "usage_rising",
    "roaming_charges",
    "bill_shock",
    "billing_dispute",
    "payment_issues",
    "poor_network",
    "network_complaints",
    "negative_sentiment",
    "competitor_mention",
    "switch_threat",
    "high_churn_risk",
    "new_customer",
    "long_tenure",
    "family_interest",
    "product_interest",
    "international_usage",
    "add_line_interest",
    "device_interest",
    "vulnerability_note",
]
Days = Annotated[int, Field(ge=0, le=36_500)]
UNDATED: frozenset[str] = frozenset({"new_customer", "long_tenure"})  # tenure: today

# Days from a signal's latest evidence to the decision date within which it counts.
DEFAULT_RECENCY_DAYS: dict[str, int] = {
    "data_over_allowance": 45,
    "data_near_allowance": 45,
    "usage_rising": 45,
    "roaming_charges": 90,
    "bill_shock": 90,
    "billing_dispute": 60,
    "payment_issues": 120,
    "poor_network": 45,
    "network_complaints": 60,
    "negative_sentiment": 60,
    "competitor_mention": 90,
    "switch_threat": 60,
    "high_churn_risk": 120,
    "family_interest": 90,
    "product_interest": 90,
    "international_usage": 90,
    "add_line_interest": 90,
    "device_interest": 90,
    "vulnerability_note": 365,
}


class OfferRules(Strict):
    """How the recommender's offers enter P(accept).

    An offer counts while it is live on the decision date (open or pending, made on
    or before it, not expired). Its P is combined with the journey's:
    ``P = w x P_recommender + (1 - w) x P_journey`` (``w`` = ``recommender_weight``).
    A declined offer is not made again within ``declined_cool_off_days`` and
    multiplies the treatment's P by ``declined_factor`` meanwhile.
    """

    recommender_weight: Probability = 0.4
    declined_cool_off_days: Days = 30
    declined_factor: Probability = 0.8


class Problem(Strict):
    """An open service problem: selling waits until it is fixed (SUITABILITY)."""

    label: str = Field(min_length=1, description="e.g. 'open billing dispute'.")
    signals: list[SignalName] = Field(
        min_length=1, description="Open while ANY of these signals holds."
    )
    addressed_by: list[str] = Field(
        default_factory=list, description="Treatments that fix it (none: just wait)."
    )
    gain: Probability = Field(
        0.2, description="Added to P(accept) of a treatment that addresses it."
    )


class Need(Strict):
    """A need the customer stated (read from interactions) and what meets it."""

    label: str = Field(min_length=1, description="e.g. 'cheaper international calls'.")
    signal: SignalName
    met_by: list[str] = Field(min_length=1)
    gain: Probability = Field(
        0.15, description="Added to P(accept) of a treatment that meets it."
    )


def _default_recency() -> dict[SignalName, int]:
    return dict(DEFAULT_RECENCY_DAYS)  # type: ignore[return-value]


class Decisions(Strict):
    """The ``decisions`` section (see the module docstring)."""

    as_of: Day | None = Field(
        None,
        description="Decision date for signals and offers; null = the store's own "
        "as-of date (its data's field, else its latest record date).",
    )
    stale_after_days: Days = Field(
        30, description="Answers say how old the data is beyond this many days."
    )
    recency_days: dict[SignalName, Days] = Field(default_factory=_default_recency)
    offers: OfferRules = OfferRules()
    suitability: dict[str, Problem] = Field(default_factory=dict)
    needs: dict[str, Need] = Field(default_factory=dict)

    @field_validator("recency_days")
    @classmethod
    def _every_dated_signal(cls, v: dict[SignalName, int]) -> dict[SignalName, int]:
        undated = sorted(set(v) & UNDATED)
        if undated:
            raise ValueError(f"{undated[0]} is not dated: it has no recency window")
        return {**_default_recency(), **v}

    @model_validator(mode="after")
    def _named_once(self) -> Decisions:
        seen: dict[str, str] = {}
        for name, need in self.needs.items():
            if need.signal in seen:
                raise ValueError(
                    f"needs.{name}: signal {need.signal} is already need "
                    f"{seen[need.signal]}"
                )
            seen[need.signal] = name
        return self

    def unknown_treatments(self, known: Iterable[str]) -> str | None:
        """The first treatment named here that ``known`` lacks, as ``key path``."""
        names = set(known)
        for name, problem in self.suitability.items():
            for key in problem.addressed_by:
                if key not in names:
                    return f"decisions.suitability.{name}.addressed_by: {key}"
        for name, need in self.needs.items():
            for key in need.met_by:
                if key not in names:
                    return f"decisions.needs.{name}.met_by: {key}"
        return None
