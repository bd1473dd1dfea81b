"""Journey signals: named, evidenced findings (bill shock, poor network, …).

Each signal is derived from the customer's record and journey metrics, with the
dates and values that support it; treatments' propensity boosts and applicability
conditions refer to these names (``tools.config.SignalName``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.config import SignalName
from tools.customer import CustomerData

if TYPE_CHECKING:
    from tools.journey import JourneyMetrics

NEAR_ALLOWANCE_RATIO = 0.85
USAGE_RISING_PCT = 10.0
POOR_LATENCY_MS, POOR_PACKET_LOSS_PCT = 70.0, 2.5
NEW_CUSTOMER_MONTHS, LONG_TENURE_MONTHS = 3, 48
_TOPIC_LABELS: dict[str, str] = {
    "billing_dispute": "raised a billing dispute",
    "network_complaints": "complained about the network",
    "competitor_mention": "mentioned competitors' offers",
    "switch_threat": "threatened to switch provider",
    "family_interest": "asked about family plans",
    "product_interest": "asked about new products",
    "international_usage": "asked about international calling",
    "add_line_interest": "asked about adding lines",
}
_TOPIC_SIGNALS: dict[str, SignalName] = {
    "billing_dispute": "billing_dispute",
    "network_issue": "network_complaints",
    "competitor_mention": "competitor_mention",
    "switch_threat": "switch_threat",
    "family_interest": "family_interest",
    "product_interest": "product_interest",
    "international_calls": "international_usage",
    "add_line": "add_line_interest",
}


class Insight(BaseModel):
    """A named signal with the evidence (dates, values) that supports it."""

    signal: SignalName
    evidence: str


def find_signals(c: CustomerData, m: JourneyMetrics) -> list[Insight]:
    """Every signal the customer's record and journey metrics show, with evidence."""
    out: list[Insight] = []
    add = lambda s, e: out.append(Insight(signal=s, evidence=e))  # noqa: E731
    if m.usage_ratio is not None and c.usage:
        used = f"{c.usage[-1].data_gb:g} GB used by {c.usage[-1].date}"
        allowance = f"{c.plan.data_allowance_gb:g} GB allowance"
        if m.usage_ratio > 1:
            add(
                "data_over_allowance",
                f"{used} against a {allowance} "
                f"({m.usage_ratio:.0%}, {m.overage_gb:g} GB over)",
            )
        elif m.usage_ratio >= NEAR_ALLOWANCE_RATIO:
            add(
                "data_near_allowance", f"{used}: {m.usage_ratio:.0%} of the {allowance}"
            )
    if m.usage_trend_pct is not None and m.usage_trend_pct >= USAGE_RISING_PCT:
        add(
            "usage_rising",
            f"data use up {m.usage_trend_pct:g}% between the last two "
            f"readings ({c.usage[-2].data_gb:g} → {c.usage[-1].data_gb:g} GB)",
        )
    roam = [
        (b.date, e.amount)
        for b in c.bills
        for e in b.extra_charges
        if e.kind == "roaming"
    ]
    if roam:
        add(
            "roaming_charges",
            "roaming charges " + ", ".join(f"£{a:.2f} on {d}" for d, a in roam),
        )
    if m.bill_shock_dates:
        shocks = [b for b in c.bills if b.date in m.bill_shock_dates]
        change = (
            f" ({m.bill_change_pct:+g}% on the month before)"
            if shocks[-1] is c.bills[-1] and m.bill_change_pct
            else ""
        )
        add(
            "bill_shock",
            "; ".join(
                f"bill of {b.date} was £{b.amount:.2f} with "
                f"£{b.extras_total:.2f} of extra charges"
                for b in shocks
            )
            + change,
        )
    if m.payment_issues:
        late = [f"{b.date} {b.status}" for b in c.bills if b.status != "paid"]
        add("payment_issues", "payment problems: " + ", ".join(late))
    if c.network and (
        m.network_quality == "poor"
        or c.network[-1].latency_ms > POOR_LATENCY_MS
        or c.network[-1].packet_loss_pct > POOR_PACKET_LOSS_PCT
    ):
        n = c.network[-1]
        add(
            "poor_network",
            f"network {n.quality} on {n.date}: {n.latency_ms:g} ms latency, "
            f"{n.packet_loss_pct}% packet loss, {n.download_mbps} Mbps down",
        )
    topics: dict[SignalName, list[date]] = {}
    for i in c.interactions:
        for t in i.topics:
            if t in _TOPIC_SIGNALS:
                topics.setdefault(_TOPIC_SIGNALS[t], []).append(i.date)
    for signal, dates in topics.items():
        times = "once" if len(dates) == 1 else f"in {len(dates)} contacts"
        add(signal, f"{_TOPIC_LABELS[signal]} {times} (latest {max(dates)})")
    recent = c.interactions[-3:]
    negative = [i for i in recent if i.sentiment == "negative"]
    if negative and (
        len(negative) * 2 >= len(recent) or m.sentiment_trend == "worsening"
    ):
        add(
            "negative_sentiment",
            f"{len(negative)} of the last {len(recent)} contacts "
            f"negative (trend {m.sentiment_trend})",
        )
    if m.churn_band == "high":
        add(
            "high_churn_risk",
            f"churn score {c.churn.score:.2f} on {c.churn.scored_on} "
            f"({', '.join(c.churn.risk_factors)})",
        )
    if c.tenure_months <= NEW_CUSTOMER_MONTHS:
        add("new_customer", f"customer for {c.tenure_months} month(s)")
    elif c.tenure_months >= LONG_TENURE_MONTHS:
        add("long_tenure", f"customer for {c.tenure_months} months")
    return out
