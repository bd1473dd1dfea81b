"""The ``decisions`` section of the configuration: dates, offers, suitability, needs.

What the decision kernel (:mod:`tools.kernel`) needs beyond the treatments: the
decision date and how far back each signal looks, how the recommender's offers are
read, which open service problems put selling on hold (rule SUITABILITY) and which
stated needs a treatment meets. :mod:`tools.config` holds the other sections and
checks that the treatments named here exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from tools.config_settings import DEFAULT_CONFIG_PATH, Strict
from tools.fields import Day, Probability
from tools.yaml_files import load_yaml

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
    "switch_deadline",
    "feature_request",
    "usage_monitoring",
    "data_upgrade_interest",
    "financial_difficulty",
    "visit_booked",
    "overage_charges",
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
    "switch_deadline": 30,
    "feature_request": 90,
    "usage_monitoring": 90,
    "data_upgrade_interest": 90,
    "financial_difficulty": 365,
    "visit_booked": 21,
    "overage_charges": 90,
}
# The signals read from what customers said (interactions' topics and text).
INTERACTION_SIGNALS: tuple[str, ...] = (
    "billing_dispute",
    "network_complaints",
    "competitor_mention",
    "switch_threat",
    "switch_deadline",
    "family_interest",
    "product_interest",
    "international_usage",
    "add_line_interest",
    "device_interest",
    "vulnerability_note",
    "feature_request",
    "usage_monitoring",
    "data_upgrade_interest",
    "financial_difficulty",
    "visit_booked",
)


class Said(Strict):
    """How a signal is read from interactions: topic codes, or words in the text.

    An interaction counts when one of its topic codes is listed, or its summary or
    recorded outcome (resolution) contains one of the keywords (case-insensitive).
    """

    label: str = Field(min_length=1, description="e.g. 'asked about adding lines'.")
    topics: list[str] = Field(default_factory=list)
    keywords: list[Annotated[str, Field(min_length=3, max_length=80)]] = Field(
        default_factory=list
    )
    together_with: SignalName | None = Field(
        None, description="Only in an interaction that also counts for this signal."
    )

    @field_validator("keywords")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [k.strip().lower() for k in v]


@cache
def _shipped_said() -> dict[str, Any]:
    """The shipped configuration's table: what a configuration omitting it reads.

    One definition (the file the operator edits), read once and only when needed:
    the shipped configuration lists every signal, so loading it reads no default.
    """
    return dict(load_yaml(DEFAULT_CONFIG_PATH)["decisions"]["interaction_signals"])


def _default_said() -> dict[SignalName, Said]:
    return {k: Said.model_validate(v) for k, v in _shipped_said().items()}  # type: ignore[misc]


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
    in_hand: list[SignalName] = Field(
        default_factory=list,
        description="While any of these holds a fix is under way (e.g. a visit "
        "booked): selling still waits, but addressing it again gains nothing.",
    )


class Need(Strict):
    """A need the customer stated (read from interactions) and what meets it."""

    label: str = Field(min_length=1, description="e.g. 'cheaper international calls'.")
    signal: SignalName
    met_by: list[str] = Field(min_length=1)
    gain: Probability = Field(
        0.15, description="Added to P(accept) of a treatment that meets it."
    )
    offer_kinds: list[str] = Field(
        default_factory=list,
        description="A live recommender offer of one of these kinds meets the need: "
        "a treatment that meets it then adds the offer's margin (its value x "
        "value.margin_rate) to the value at stake.",
    )


def _default_material() -> list[SignalName]:
    return [
        "switch_deadline",
        "financial_difficulty",
        "visit_booked",
        "overage_charges",
    ]


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
    interaction_signals: dict[SignalName, Said] = Field(default_factory=_default_said)
    material_signals: list[SignalName] = Field(
        default_factory=_default_material,
        description="Facts every recommendation's reasons cite when present.",
    )

    @field_validator("recency_days")
    @classmethod
    def _every_dated_signal(cls, v: dict[SignalName, int]) -> dict[SignalName, int]:
        undated = sorted(set(v) & UNDATED)
        if undated:
            raise ValueError(f"{undated[0]} is not dated: it has no recency window")
        return {**_default_recency(), **v}

    @field_validator("interaction_signals")
    @classmethod
    def _readable(cls, v: dict[SignalName, Said]) -> dict[SignalName, Said]:
        wrong: list[str] = sorted(set(v) - set(INTERACTION_SIGNALS)) or sorted(
            f"{k}.together_with: {s.together_with}"
            for k, s in v.items()
            if s.together_with is not None
            and s.together_with not in INTERACTION_SIGNALS
        )
        if wrong:
            raise ValueError(
                f"{wrong[0]} is not read from interactions "
                f"(these are: {', '.join(INTERACTION_SIGNALS)})"
            )
        if set(v) >= set(INTERACTION_SIGNALS):
            return v
        return {**_default_said(), **v}

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
