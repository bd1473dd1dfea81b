"""The Journey tools: a typed journey, its insights and a token-bounded summary.

The journey is chronological with derived metrics; insights are named signals with
the evidence (dates, values) behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tools.config import CVMConfig, get_config
from tools.customer import CustomerData, Sentiment
from tools.data import get_customer_data
from tools.errors import ConfigError
from tools.signals import Insight, find_signals

Source = Literal["bill", "usage", "network", "offer", "interaction", "web", "churn"]
Band = Literal["low", "medium", "high"]

BILL_SHOCK_RISE_PCT = 10.0
BILL_SHOCK_EXTRAS_SHARE = 0.30
HIGH_CHURN, MEDIUM_CHURN = 0.6, 0.3
MEDIUM_VALUE_REVENUE = 60.0
_SENTIMENT_SCORE = {"negative": -1, "neutral": 0, "positive": 1}


class JourneyEvent(BaseModel):
    """One dated thing that happened to or with the customer."""

    date: date
    source: Source
    title: str
    sentiment: Sentiment | None = None


class CurrentState(BaseModel):
    """Where the customer stands today."""

    plan_name: str
    monthly_fee: float
    data_allowance_gb: float | None
    lines: int
    time_zone: str | None
    quiet_hours: str | None
    vulnerable: bool
    consents: dict[str, list[str]] = Field(
        description="Per channel, the purposes the customer consented to."
    )


class JourneyMetrics(BaseModel):
    """Numbers derived from the journey."""

    usage_latest_gb: float | None = None
    usage_trend_pct: float | None = None
    usage_ratio: float | None = Field(None, description="Latest usage / allowance.")
    overage_gb: float = 0.0
    bill_latest: float | None = None
    bill_change_pct: float | None = None
    bill_shock_dates: list[date] = Field(default_factory=list)
    roaming_charges: float = 0.0
    payment_issues: bool = False
    interaction_count: int = 0
    negative_interactions: int = 0
    sentiment_trend: Literal["improving", "stable", "worsening", "unknown"] = "unknown"
    network_quality: str | None = None
    churn_score: float
    churn_band: Band
    tenure_months: int
    monthly_revenue: float
    value_band: Band
    lines: int = 1


_DERIVED_MAX = 50_000
_derived: dict[tuple[int, int], _Derived] = {}


class Journey(BaseModel):
    """A customer's journey: events in date order, current state and metrics."""

    customer_id: str
    events: list[JourneyEvent]
    current_plan: str
    state: CurrentState
    metrics: JourneyMetrics


class JourneyAnalysis(BaseModel):
    """Result of ``analyze_journey``."""

    customer_id: str
    insights: list[Insight]


class SummarizeArgs(BaseModel):
    """Arguments of ``summarize_journey``."""

    customer_id: str = Field(description="The customer id, e.g. 'U124'.")
    max_tokens: int = Field(300, ge=40, le=4000, description="Token budget.")


class JourneySummary(BaseModel):
    """A compact journey text for prompts, within a token budget."""

    customer_id: str
    text: str
    tokens: int
    truncated: bool


def _pct(new: float, old: float) -> float | None:
    return round((new - old) / old * 100, 1) if old else None


def _band(value: float, high: float, medium: float) -> Band:
    return "high" if value >= high else "medium" if value >= medium else "low"


def _events(c: CustomerData) -> list[JourneyEvent]:
    ev: list[JourneyEvent] = []
    for b in c.bills:
        extra = f" incl. £{b.extras_total:.2f} extras" if b.extras_total else ""
        ev.append(
            JourneyEvent(
                date=b.date,
                source="bill",
                title=f"Bill £{b.amount:.2f}{extra}, {b.status}",
            )
        )
    for u in c.usage:
        roam = f", roaming {u.roaming_gb} GB" if u.roaming_gb else ""
        ev.append(
            JourneyEvent(
                date=u.date, source="usage", title=f"Used {u.data_gb} GB data{roam}"
            )
        )
    for n in c.network:
        ev.append(
            JourneyEvent(
                date=n.date,
                source="network",
                title=f"Network {n.quality}: {n.latency_ms:g} ms, "
                f"{n.packet_loss_pct}% loss",
            )
        )
    for o in c.offers:
        ev.append(
            JourneyEvent(
                date=o.date, source="offer", title=f"Offer '{o.name}' ({o.status})"
            )
        )
    for i in c.interactions:
        ev.append(
            JourneyEvent(
                date=i.date,
                source="interaction",
                sentiment=i.sentiment,
                title=f"{i.channel.replace('_', ' ')}: "
                f"{', '.join(i.topics) or 'contact'}",
            )
        )
    for w in c.web_sessions:
        ev.append(JourneyEvent(date=w.date, source="web", title=f"Visited {w.page}"))
    ev.append(
        JourneyEvent(
            date=c.churn.scored_on,
            source="churn",
            title=f"Churn score {c.churn.score:.2f}",
        )
    )
    return sorted(ev, key=lambda e: (e.date, e.source))


def _sentiment_trend(c: CustomerData) -> str:
    scores = [_SENTIMENT_SCORE[i.sentiment] for i in c.interactions]
    if len(scores) < 2:
        return "unknown"
    half = len(scores) // 2
    early, late = sum(scores[:half]) / half, sum(scores[half:]) / (len(scores) - half)
    return (
        "worsening"
        if late < early - 0.25
        else "improving"
        if late > early + 0.25
        else "stable"
    )


def _metrics(c: CustomerData, config: CVMConfig) -> JourneyMetrics:
    m = JourneyMetrics(
        churn_score=c.churn.score,
        churn_band=_band(c.churn.score, HIGH_CHURN, MEDIUM_CHURN),
        tenure_months=c.tenure_months,
        lines=c.plan.lines,
        monthly_revenue=c.monthly_revenue,
        value_band=_band(
            c.monthly_revenue,
            config.policy.high_value_min_monthly_revenue,
            MEDIUM_VALUE_REVENUE,
        ),
        interaction_count=len(c.interactions),
        negative_interactions=sum(i.sentiment == "negative" for i in c.interactions),
        sentiment_trend=_sentiment_trend(c),  # type: ignore[arg-type]
        network_quality=c.network[-1].quality if c.network else None,
    )
    if c.usage:
        latest = c.usage[-1]
        m.usage_latest_gb = latest.data_gb
        if len(c.usage) > 1:
            m.usage_trend_pct = _pct(latest.data_gb, c.usage[-2].data_gb)
        allowance = c.plan.data_allowance_gb
        if allowance:
            m.usage_ratio = round(latest.data_gb / allowance, 2)
            m.overage_gb = round(max(0.0, latest.data_gb - allowance), 2)
    if c.bills:
        m.bill_latest = c.bills[-1].amount
        if len(c.bills) > 1:
            m.bill_change_pct = _pct(c.bills[-1].amount, c.bills[-2].amount)
        previous = None
        for b in c.bills:
            rise = _pct(b.amount, previous) if previous else None
            if (rise is not None and rise >= BILL_SHOCK_RISE_PCT) or (
                b.extras_total >= BILL_SHOCK_EXTRAS_SHARE * b.plan_charge
            ):
                m.bill_shock_dates.append(b.date)
            previous = b.amount
        m.roaming_charges = round(
            sum(
                e.amount
                for b in c.bills
                for e in b.extra_charges
                if e.kind == "roaming"
            ),
            2,
        )
        m.payment_issues = any(
            b.status == "overdue" or any(e.kind == "late_fee" for e in b.extra_charges)
            for b in c.bills
        )
    return m


def _check_required(journey: Journey, config: CVMConfig) -> None:
    for field in config.validation.required_journey_fields:
        if field not in Journey.model_fields:
            raise ConfigError(
                config.source,
                "validation.required_journey_fields",
                f"'{field}' is not a journey field "
                f"(known: {', '.join(Journey.model_fields)})",
            )


def build_journey(customer_id: str, config: CVMConfig | None = None) -> Journey:
    """Build a customer's journey.

    Dated events, current state and metrics (usage vs allowance, bills, roaming,
    payments, sentiment, network, churn, tenure, value).

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    config = config or get_config()
    c = get_customer_data(customer_id, config)
    entry = _derive(c, config)
    if entry.journey is None:
        entry.journey = Journey(
            customer_id=c.customer_id,
            events=_events(c),
            current_plan=c.plan.name,
            state=_state(c),
            metrics=entry.metrics,
        )
        _check_required(entry.journey, config)
    return entry.journey


def journey_metrics(
    customer_id: str, config: CVMConfig | None = None
) -> tuple[JourneyMetrics, JourneyAnalysis]:
    """The journey's metrics and signals without its events (cheap, memoised)."""
    config = config or get_config()
    entry = _derive(get_customer_data(customer_id, config), config)
    return entry.metrics, entry.analysis


def _state(c: CustomerData) -> CurrentState:
    return CurrentState(
        plan_name=c.plan.name,
        monthly_fee=c.plan.monthly_fee,
        data_allowance_gb=c.plan.data_allowance_gb,
        lines=c.plan.lines,
        time_zone=c.time_zone,
        quiet_hours=c.do_not_disturb,
        vulnerable=c.vulnerable,
        consents={
            ch: [p for p in ("marketing", "service", "billing") if getattr(e, p)]
            for ch, e in c.consents.items()
        },
    )


@dataclass
class _Derived:
    customer: CustomerData
    config: CVMConfig
    metrics: JourneyMetrics
    analysis: JourneyAnalysis
    journey: Journey | None = None


def _derive(c: CustomerData, config: CVMConfig) -> _Derived:
    """Metrics and signals of one customer record (memoised; treat as read-only).

    Customer records are immutable once loaded, so results are kept per record and
    configuration object; reloading the data makes new records and new entries.
    """
    key = (id(c), id(config))
    hit = _derived.get(key)
    if hit is not None and hit.customer is c and hit.config is config:
        return hit
    metrics = _metrics(c, config)
    entry = _Derived(
        c,
        config,
        metrics,
        JourneyAnalysis(customer_id=c.customer_id, insights=find_signals(c, metrics)),
    )
    if len(_derived) >= _DERIVED_MAX:
        _derived.clear()
    _derived[key] = entry
    return entry


def analyze_journey(
    customer_id: str, config: CVMConfig | None = None
) -> JourneyAnalysis:
    """List a customer's journey signals.

    For example bill_shock, billing_dispute, poor_network or high_churn_risk,
    each with dated evidence.

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).
    """
    return journey_metrics(customer_id, config)[1]


def summarize_journey(
    customer_id: str, max_tokens: int = 300, config: CVMConfig | None = None
) -> JourneySummary:
    """A compact journey text for a prompt, within ``max_tokens`` (o200k_base).

    Lines are dropped from the least important end to fit.
    """
    from tools.tokens import count_tokens

    config = config or get_config()
    journey = build_journey(customer_id, config)
    analysis = analyze_journey(customer_id, config)
    m, s = journey.metrics, journey.state
    lines = [
        f"Customer {journey.customer_id}: {s.plan_name} (£{s.monthly_fee:.2f}/month, "
        f"{s.data_allowance_gb or '?'} GB, {s.lines} line(s)), "
        f"tenure {m.tenure_months} "
        f"months, value {m.value_band}, churn {m.churn_score:.2f} ({m.churn_band}).",
        "Consents: "
        + "; ".join(f"{ch}: {', '.join(p) or 'none'}" for ch, p in s.consents.items())
        + f". Quiet hours {s.quiet_hours or 'none'}"
        + (". VULNERABLE customer." if s.vulnerable else "."),
        *[f"- {i.signal}: {i.evidence}" for i in analysis.insights],
        *[f"{e.date} {e.source}: {e.title}" for e in reversed(journey.events)],
    ]
    kept: list[str] = []
    used = 0
    truncated = False
    for line in lines:
        cost = count_tokens(line + "\n")
        if used + cost > max_tokens:
            truncated = True
            break
        kept.append(line)
        used += cost
    text = "\n".join(kept)
    return JourneySummary(
        customer_id=journey.customer_id,
        text=text,
        tokens=count_tokens(text),
        truncated=truncated,
    )
