"""The Treatment tools: explainable next-best-action ranking and alternatives.

Arbitration in the style of P x V - cost: P(accept) comes from the recommender's
offers where one maps to the treatment, else the configured base propensity plus the
boosts of the journey's signals; V is the margin at risk (churn score x monthly
revenue x margin rate x horizon). ``ignore`` is the explicit no-action baseline at 0.
Hard-rule exclusions come from :mod:`tools.eligibility`, the same code the ledger runs
at commit time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from pydantic import Field

from tools import reasons as explain
from tools.allocation import ledger_day, read_state
from tools.assess import Assessment, assess
from tools.bookings import list_allocations
from tools.config import NO_ACTION, Channel, CVMConfig
from tools.context import ToolContext, default_context
from tools.decision_log import log_ranking
from tools.eligibility import evaluate_all
from tools.journey_metrics import JourneyMetrics
from tools.lazy_model import LazyModel
from tools.ledger_rules import LedgerState
from tools.recommendation import (
    Alternative,
    BookedToday,
    ExcludedTreatment,
    Exclusion,
    RankedTreatment,
    Recommendation,
    ScoreBreakdown,
)
from tools.rule_verdicts import TreatmentVerdict
from tools.signals import Insight

BASELINE = NO_ACTION
# Within one analyst turn: the recommendations made, by customer id and ledger
_turn: ContextVar[dict[tuple[str, int], Recommendation] | None] = ContextVar(
    "recommendations_this_turn", default=None
)


@contextmanager
def one_recommendation_per_turn() -> Iterator[None]:
    """Inside, a customer's recommendation is made once and then reused.

    A chat turn that recommends and proposes the booking asks three times (the
    tool, the pending action's description and its check of the hard rules): the
    answer is the one the turn showed, made at its instant. Anything the turn
    writes (:func:`forget_recommendations`) makes the next ask decide again; the
    ledger judges every booking itself when it is written.
    """
    token = _turn.set({})
    try:
        yield
    finally:
        _turn.reset(token)


def forget_recommendations() -> None:
    """The turn wrote something: recommendations are made again from now on."""
    made = _turn.get()
    if made:
        made.clear()


class AlternativeArgs(LazyModel):
    """Arguments of ``find_alternative_treatment``."""

    customer_id: str
    exclude_treatments: list[str] = Field(
        default_factory=list,
        description="Treatment keys to leave out (default: the current top pick).",
    )
    exclude_channels: list[Channel] = Field(
        default_factory=list, description="Channels to avoid, e.g. ['call']."
    )
    max_cost: float | None = Field(None, ge=0, description="Highest cost per contact.")


class _Assessment:
    """Everything one recommendation needs: the kernel's numbers plus the ledger."""

    def __init__(self, customer_id: str, ctx: ToolContext) -> None:
        config = ctx.config
        self.catalogue_version = config.catalogue_version
        a = assess(customer_id, ctx)
        self.customer = a.customer
        cid = self.customer.customer_id
        self.metrics: JourneyMetrics = a.metrics
        self.insights: dict[str, Insight] = {i.signal: i for i in a.analysis.insights}
        self.at = ctx.now()
        day = ledger_day(config, self.at)
        state = read_state(ctx.ledger, cid, day, config)
        self.booked = _booked_today(ctx, cid, day, state)
        self.as_of = a.as_of
        self.verdicts = evaluate_all(a, config, state, self.at)
        d = a.decisions
        self.ranked: list[RankedTreatment] = []
        self.excluded: list[ExcludedTreatment] = []
        for j in d.ranking(0):  # the kernel's order: EV, then priority, cost
            key = d.treatments[j]
            verdict = self.verdicts[key]
            if not verdict.eligible:  # a ledger rule (capacity, frequency, …)
                continue
            t = config.treatments[key]
            score, why = self._explained(a, key, verdict, config)
            self.ranked.append(
                RankedTreatment(
                    treatment_key=key,
                    display_name=t.display_name,
                    channel=t.channel,
                    purpose=t.purpose,
                    score=score,
                    next_contact=verdict.next_contact,
                    reasons=why,
                )
            )
        ranked = {r.treatment_key for r in self.ranked}
        for key, verdict in self.verdicts.items():
            if key in ranked:
                continue
            t = config.treatments[key]
            self.excluded.append(
                ExcludedTreatment(
                    treatment_key=key,
                    display_name=t.display_name,
                    channel=t.channel,
                    hard=not verdict.eligible,
                    exclusions=[
                        Exclusion(rule=v.rule, reason=v.reason)
                        for v in verdict.failures
                    ],
                )
            )
        self.excluded.sort(key=lambda e: (not e.hard, e.treatment_key))

    def _explained(
        self, a: Assessment, key: str, verdict: TreatmentVerdict, config: CVMConfig
    ) -> tuple[ScoreBreakdown, list[str]]:
        """A ranked option's score and reasons, worded once per assessment.

        Both are the assessment's words (the kernel's numbers, the record's
        evidence, the CONSENT verdict's reason), except the baseline's reasons,
        which name today's bookings.
        """
        consent = next((v.reason for v in verdict.verdicts if v.rule == "CONSENT"), "")
        mine = a.words if config is a.config and key != BASELINE else {}
        made = mine.get(("explained", key, consent))
        if made is None:
            score, offer = explain.score(key, a, self.insights, config)
            why = explain.reasons(
                key, a, self.insights, offer, verdict, config, self.booked
            )
            made = mine[("explained", key, consent)] = (score, why)
        return made[0], list(made[1])


def recommend_treatment(
    customer_id: str, ctx: ToolContext | None = None
) -> Recommendation:
    """Recommend the next best action for a customer.

    Runs data, journey and every hard contact rule itself; ranks lawful treatments
    by expected value (P(accept) x value at risk - cost; 'ignore' = 0) with reasons;
    lists exclusions with rule ids and the next lawful contact time.

    Args:
        customer_id: The customer id, e.g. U124.
        ctx: Configuration and ledger (defaults to the ones in force).
    """
    ctx = ctx or default_context()
    made = _turn.get()
    key = (customer_id, id(ctx.ledger))
    if made is not None and key in made:
        return made[key]
    rec = _recommend(customer_id, ctx.pinned())  # one catalogue version throughout
    if made is not None:
        made[key] = rec
    return rec


def _recommend(customer_id: str, ctx: ToolContext) -> Recommendation:
    a = _Assessment(customer_id, ctx)
    top = a.ranked[0]
    log_ranking(
        "recommend",
        a.customer.customer_id,
        a.ranked,
        a.excluded,
        top.treatment_key,
        a.catalogue_version,
    )
    age = None if a.as_of is None else (a.at.date() - a.as_of).days
    stale = age is not None and age > ctx.config.decisions.stale_after_days
    return Recommendation(
        customer_id=a.customer.customer_id,
        top=top,
        ranked=a.ranked,
        excluded=a.excluded,
        next_contact=top.next_contact,
        evaluated_at=a.at,
        booked_today=a.booked,
        data_as_of=a.as_of,
        data_age_days=age,
        data_note=f"Data as of {a.as_of} ({age:,} days old): signals and offers "
        "are read as of that date."
        if stale
        else None,
        catalogue_version=a.catalogue_version,
    )


def _booked_today(
    ctx: ToolContext, customer_id: str, day: date, state: LedgerState
) -> list[BookedToday]:
    """The customer's bookings of today (read only when the ledger state has some)."""
    if not any(b.day == day for b in state.customer_bookings):
        return []
    return [
        BookedToday(
            allocation_id=b.allocation_id,
            treatment_key=b.treatment_key,
            display_name=b.display_name,
            day=b.day,
        )
        for b in reversed(list_allocations(ctx, customer_id=customer_id, day=day))
    ]


def _within_limits(
    ranked: list[RankedTreatment],
    skip: set[str],
    channels: set[str],
    max_cost: float | None,
) -> tuple[list[RankedTreatment], list[RankedTreatment]]:
    """The ranked options kept by the limits (the baseline always), and those left out.

    Both keep the ranking's order.
    """
    kept: list[RankedTreatment] = []
    left_out: list[RankedTreatment] = []
    for r in ranked:
        ok = (
            r.treatment_key not in skip
            and r.channel not in channels
            and (max_cost is None or r.score.cost <= max_cost)
        )
        (kept if ok or r.treatment_key == BASELINE else left_out).append(r)
    return kept, left_out


def find_alternative_treatment(
    customer_id: str,
    exclude_treatments: list[str] | None = None,
    exclude_channels: list[str] | None = None,
    max_cost: float | None = None,
    ctx: ToolContext | None = None,
) -> Alternative:
    """Find the best alternative treatment.

    Avoids given treatments, channels or a cost ceiling (no limits: leaves out the
    top pick); says how much expected value it gives up.

    Args:
        customer_id: The customer id, e.g. U124.
        exclude_treatments: Treatment keys to leave out; when empty and no other
            limit is given, the current top pick is left out.
        exclude_channels: Channels to avoid (call, sms, email, push, app).
        max_cost: Highest acceptable cost per contact, in pounds.
        ctx: Configuration and ledger.

    Returns:
        The best remaining option (``ignore`` when nothing else is left) and how
        much expected value it gives up against the first choice.
    """
    ctx = (ctx or default_context()).pinned()  # one catalogue version throughout
    a = _Assessment(customer_id, ctx)
    first = a.ranked[0]
    for key in exclude_treatments or []:
        ctx.config.treatment(key)
    skip = set(exclude_treatments or [])
    if not skip and not exclude_channels and max_cost is None:
        skip = {first.treatment_key}
    channels = set(exclude_channels or [])
    kept, left_out = _within_limits(a.ranked, skip, channels, max_cost)
    best = kept[0] if kept else None
    given_up = round(
        first.score.expected_value - (best.score.expected_value if best else 0), 2
    )
    log_ranking(
        "alternative",
        a.customer.customer_id,
        kept,
        a.excluded,
        best.treatment_key if best else None,
        a.catalogue_version,
    )
    return Alternative(
        customer_id=a.customer.customer_id,
        alternative=best,
        first_choice=first,
        ev_given_up=given_up,
        left_out=[r.treatment_key for r in left_out],
    )
