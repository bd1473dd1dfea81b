"""The Journey tools: a typed journey, its insights and a token-bounded summary.

The journey is chronological with derived metrics; insights are named signals with
the evidence (dates, values) behind them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from tools.config import CVMConfig, get_config
from tools.customer import CustomerData, Sentiment
from tools.data import validate_customer_id
from tools.errors import ConfigError
from tools.kernel.decide import SIGNALS, Decisions, decide
from tools.signals import Insight, find_signals

if TYPE_CHECKING:
    from tools.context import ToolContext

Source = Literal["bill", "usage", "network", "offer", "interaction", "web", "churn"]
Band = Literal["low", "medium", "high"]


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


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _metrics(row: dict[str, Any], d: Decisions) -> JourneyMetrics:
    """The journey metrics of one customer from the kernel's feature row."""
    return JourneyMetrics(
        usage_latest_gb=_num(row["usage_latest_gb"]),
        usage_trend_pct=_num(row["usage_trend_pct"]),
        usage_ratio=_num(row["usage_ratio"]),
        overage_gb=float(row["overage_gb"]),
        bill_latest=_num(row["bill_latest"]),
        bill_change_pct=_num(row["bill_change_pct"]),
        bill_shock_dates=[
            date.fromisoformat(str(v)[:10]) for v in row["bill_shock_dates"]
        ],
        roaming_charges=float(row["roaming_charges"]),
        payment_issues=bool(row["payment_issues"]),
        interaction_count=int(row["interaction_count"]),
        negative_interactions=int(row["negative_interactions"]),
        sentiment_trend=str(row["sentiment_trend"]),
        network_quality=None
        if row["network_quality"] is None
        else str(row["network_quality"]),
        churn_score=float(row["churn_score"]),
        churn_band=str(d.churn_band[0]),
        tenure_months=int(row["tenure_months"]),
        monthly_revenue=float(row["monthly_revenue"]),
        value_band=str(d.value_band[0]),
        lines=int(row["lines"]),
    )


@dataclass(frozen=True)
class Assessment:
    """One customer through the decision kernel (a batch of one), with the record.

    ``decisions`` holds the kernel's numbers (rules, P, V, EV) for this customer;
    ``metrics`` and ``insights`` explain them from the record.
    """

    customer: CustomerData
    metrics: JourneyMetrics
    analysis: JourneyAnalysis
    decisions: Decisions


_ASSESSED_MAX = 256
_assessed: dict[tuple[int, object, int, str], Assessment] = {}


def assess(customer_id: str, ctx: ToolContext) -> Assessment:
    """Record, journey metrics, signals and kernel decisions of one customer.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    cid = validate_customer_id(customer_id, ctx.config)
    source = ctx.customers
    version = getattr(source, "version", lambda: None)()
    key = (id(source), version, id(ctx.config), cid)
    hit = _assessed.get(key)
    if hit is not None:
        return hit
    customer = source.get(cid)
    cols = source.feature_row(cid)
    offers = source.offer_propensity(int(cols["row_no"][0]), int(cols["row_no"][0]))
    d = decide(cols, offers, ctx.config)
    row = {k: v[0] for k, v in cols.items()}
    metrics = _metrics(row, d)
    present = {s for s, on in zip(SIGNALS, d.signals[0], strict=False) if on}
    analysis = JourneyAnalysis(
        customer_id=cid, insights=find_signals(customer, metrics, present)
    )
    result = Assessment(customer, metrics, analysis, d)
    if len(_assessed) >= _ASSESSED_MAX:
        _assessed.clear()
    _assessed[key] = result
    return result


def _check_required(journey: Journey, config: CVMConfig) -> None:
    for field in config.validation.required_journey_fields:
        if field not in Journey.model_fields:
            raise ConfigError(
                config.source,
                "validation.required_journey_fields",
                f"'{field}' is not a journey field "
                f"(known: {', '.join(Journey.model_fields)})",
            )


def build_journey(
    customer_id: str, config: CVMConfig | None = None, ctx: ToolContext | None = None
) -> Journey:
    """Build a customer's journey.

    Dated events, current state and metrics (usage vs allowance, bills, roaming,
    payments, sentiment, network, churn, tenure, value).

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).
        ctx: The tool context (defaults to the configuration's).

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    a = assess(customer_id, _ctx(config, ctx))
    c = a.customer
    journey = Journey(
        customer_id=c.customer_id,
        events=_events(c),
        current_plan=c.plan.name,
        state=_state(c),
        metrics=a.metrics,
    )
    _check_required(journey, _ctx(config, ctx).config)
    return journey


def _ctx(config: CVMConfig | None, ctx: ToolContext | None) -> ToolContext:
    from tools.context import ToolContext

    if ctx is not None:
        return ctx
    return ToolContext.create(config or get_config())


def journey_metrics(
    customer_id: str, config: CVMConfig | None = None, ctx: ToolContext | None = None
) -> tuple[JourneyMetrics, JourneyAnalysis]:
    """The journey's metrics and signals without its events."""
    a = assess(customer_id, _ctx(config, ctx))
    return a.metrics, a.analysis


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


def analyze_journey(
    customer_id: str, config: CVMConfig | None = None, ctx: ToolContext | None = None
) -> JourneyAnalysis:
    """List a customer's journey signals.

    For example bill_shock, billing_dispute, poor_network or high_churn_risk,
    each with dated evidence.

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).
        ctx: The tool context (defaults to the configuration's).
    """
    return journey_metrics(customer_id, config, ctx)[1]


def summarize_journey(
    customer_id: str,
    max_tokens: int = 300,
    config: CVMConfig | None = None,
    ctx: ToolContext | None = None,
) -> JourneySummary:
    """A compact journey text for a prompt, within ``max_tokens`` (o200k_base).

    Lines are dropped from the least important end to fit.
    """
    from tools.tokens import count_tokens

    context = _ctx(config, ctx)
    journey = build_journey(customer_id, ctx=context)
    analysis = analyze_journey(customer_id, ctx=context)
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
