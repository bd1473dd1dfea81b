"""The Journey tools: a typed journey, its insights and a token-bounded summary.

The journey is chronological with derived metrics; insights are named signals with
the evidence (dates, values) behind them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from tools.assess import Assessment, JourneyAnalysis, assess
from tools.config import CVMConfig
from tools.customer import CustomerData, Sentiment
from tools.errors import ConfigError
from tools.journey_metrics import JourneyMetrics
from tools.lazy_model import LazyModel

if TYPE_CHECKING:
    from tools.context import ToolContext

Source = Literal["bill", "usage", "network", "offer", "interaction", "web", "churn"]
__all__ = [  # the assessment's parts are defined in tools.assess, used from here too
    "Assessment",
    "CurrentState",
    "Journey",
    "JourneyAnalysis",
    "JourneyEvent",
    "JourneyMetrics",
    "JourneySummary",
    "SummarizeArgs",
    "analyze_journey",
    "assess",
    "build_journey",
    "journey_metrics",
    "summarize_journey",
]


class JourneyEvent(LazyModel):
    """One dated thing that happened to or with the customer."""

    date: date
    source: Source
    title: str
    sentiment: Sentiment | None = None
    value: float | None = Field(
        None, description="The event's number: a bill's pounds, a month's GB used."
    )


class CurrentState(LazyModel):
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


class Journey(LazyModel):
    """A customer's journey: events in date order, current state and metrics."""

    customer_id: str
    events: list[JourneyEvent]
    current_plan: str
    state: CurrentState
    metrics: JourneyMetrics


class SummarizeArgs(LazyModel):
    """Arguments of ``summarize_journey``."""

    customer_id: str = Field(description="The customer id, e.g. 'U124'.")
    max_tokens: int = Field(300, ge=40, le=4000, description="Token budget.")


class JourneySummary(LazyModel):
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
                value=b.amount,
            )
        )
    for u in c.usage:
        roam = f", roaming {u.roaming_gb} GB" if u.roaming_gb else ""
        ev.append(
            JourneyEvent(
                date=u.date,
                source="usage",
                title=f"Used {u.data_gb} GB data{roam}",
                value=u.data_gb,
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


def _check_required(journey: Journey, config: CVMConfig) -> None:
    for field in config.validation.required_journey_fields:
        if field not in Journey.model_fields:
            raise ConfigError(
                config.source,
                "validation.required_journey_fields",
                f"'{field}' is not a journey field "
                f"(known: {', '.join(Journey.model_fields)})",
            )


def build_journey(customer_id: str, ctx: ToolContext) -> Journey:
    """Build a customer's journey.

    Dated events, current state and metrics (usage vs allowance, bills, roaming,
    payments, sentiment, network, churn, tenure, value).

    Args:
        customer_id: The customer id, e.g. U124.
        ctx: Configuration, customers and clock.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    a = assess(customer_id, ctx)
    c = a.customer
    journey = Journey(
        customer_id=c.customer_id,
        events=_events(c),
        current_plan=c.plan.name,
        state=_state(c),
        metrics=a.metrics,
    )
    _check_required(journey, ctx.config)
    return journey


def journey_metrics(
    customer_id: str, ctx: ToolContext
) -> tuple[JourneyMetrics, JourneyAnalysis]:
    """The journey's metrics and signals without its events."""
    a = assess(customer_id, ctx)
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


def analyze_journey(customer_id: str, ctx: ToolContext) -> JourneyAnalysis:
    """List a customer's journey signals.

    For example bill_shock, billing_dispute, poor_network or high_churn_risk,
    each with dated evidence.

    Args:
        customer_id: The customer id, e.g. U124.
        ctx: Configuration, customers and clock.
    """
    return journey_metrics(customer_id, ctx)[1]


def summarize_journey(
    customer_id: str, ctx: ToolContext, max_tokens: int = 300
) -> JourneySummary:
    """A compact journey text for a prompt, within ``max_tokens`` (o200k_base).

    Lines are dropped from the least important end to fit.
    """
    from tools.tokens import count_tokens

    journey = build_journey(customer_id, ctx)
    analysis = analyze_journey(customer_id, ctx)
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
