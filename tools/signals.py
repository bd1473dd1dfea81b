"""Journey signals' evidence: the dates and values behind each signal, in words.

Whether a signal is present is decided once, column-wise, by the decision kernel
(:func:`tools.kernel.signals.signals`); this module only explains the signals the kernel
found for one customer, from the customer's record and journey metrics. Treatments'
propensity boosts and applicability conditions refer to these names
(``tools.config.SignalName``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.config import SignalName
from tools.customer import CustomerData
from tools.kernel.features import TOPICS

if TYPE_CHECKING:
    from tools.journey_metrics import JourneyMetrics

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


class Insight(BaseModel):
    """A named signal with the evidence (dates, values) that supports it."""

    signal: SignalName
    evidence: str


def find_signals(
    c: CustomerData, m: JourneyMetrics, present: set[str]
) -> list[Insight]:
    """Evidence for each signal in ``present`` (the kernel's), from the record."""
    out: list[Insight] = []

    def add(signal: SignalName, evidence: str) -> None:
        if signal in present:
            out.append(Insight(signal=signal, evidence=evidence))

    if m.usage_ratio is not None and c.usage:
        used = f"{c.usage[-1].data_gb:g} GB used by {c.usage[-1].date}"
        allowance = f"{c.plan.data_allowance_gb:g} GB allowance"
        if m.usage_ratio > 1:
            add(
                "data_over_allowance",
                f"{used} against a {allowance} "
                f"({m.usage_ratio:.0%}, {m.overage_gb:g} GB over)",
            )
        else:
            add(
                "data_near_allowance", f"{used}: {m.usage_ratio:.0%} of the {allowance}"
            )
    if m.usage_trend_pct is not None and len(c.usage) > 1:
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
    shocks = [b for b in c.bills if b.date in m.bill_shock_dates]
    if shocks:
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
    if c.network:
        n = c.network[-1]
        add(
            "poor_network",
            f"network {n.quality} on {n.date}: {n.latency_ms:g} ms latency, "
            f"{n.packet_loss_pct}% packet loss, {n.download_mbps} Mbps down",
        )
    topics: dict[SignalName, list[date]] = {}
    for i in c.interactions:
        for t in i.topics:
            if t in TOPICS:
                signal: SignalName = TOPICS[t]  # type: ignore[assignment]
                topics.setdefault(signal, []).append(i.date)
    for signal, dates in topics.items():
        times = "once" if len(dates) == 1 else f"in {len(dates)} contacts"
        add(signal, f"{_TOPIC_LABELS[signal]} {times} (latest {max(dates)})")
    recent = c.interactions[-3:]
    negative = [i for i in recent if i.sentiment == "negative"]
    if negative:
        add(
            "negative_sentiment",
            f"{len(negative)} of the last {len(recent)} contacts "
            f"negative (trend {m.sentiment_trend})",
        )
    add(
        "high_churn_risk",
        f"churn score {c.churn.score:.2f} on {c.churn.scored_on} "
        f"({', '.join(c.churn.risk_factors)})",
    )
    add("new_customer", f"customer for {c.tenure_months} month(s)")
    add("long_tenure", f"customer for {c.tenure_months} months")
    return out
