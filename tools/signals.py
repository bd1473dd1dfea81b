"""Journey signals' evidence: the dates and values behind each signal, in words.

Whether a signal is present is decided once, column-wise, by the decision kernel
(:func:`tools.kernel.signals.signals`); this module only explains the signals the kernel
found for one customer, from the customer's record and journey metrics. Evidence is
what the kernel counted: records up to the decision date (the record is cut there)
and, for a dated signal, only those within its recency window
(``decisions.recency_days``). Treatments' propensity boosts and applicability
conditions refer to these names (``tools.config.SignalName``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.config import SignalName
from tools.customer import Bill, CustomerData
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
    "device_interest": "asked about a new device",
    "vulnerability_note": "disclosed a bereavement or vulnerability",
}


class Insight(BaseModel):
    """A named signal with the evidence (dates, values) that supports it."""

    signal: SignalName
    evidence: str
    latest: date | None = None  # the latest evidence's date (None: undated)


class _Window:
    """Which dates count for a signal: within its window before the decision date."""

    def __init__(self, as_of: date | None, days: Mapping[str, int]) -> None:
        self.as_of, self.days = as_of, days

    def __call__(self, signal: str, when: date) -> bool:
        if self.as_of is None or signal not in self.days:
            return True
        return when >= self.as_of - timedelta(days=self.days[signal])


def find_signals(
    c: CustomerData,
    m: JourneyMetrics,
    present: set[str],
    as_of: date | None = None,
    windows: Mapping[str, int] | None = None,
) -> list[Insight]:
    """Evidence for each signal in ``present`` (the kernel's), from the record.

    Args:
        c: The customer's record (up to the decision date).
        m: The kernel's journey metrics.
        present: The signals the kernel found.
        as_of: The decision date (None: every record counts).
        windows: Recency window in days per dated signal.
    """
    out: list[Insight] = []
    within = _Window(as_of, windows or {})

    def add(signal: SignalName, evidence: str, latest: date | None) -> None:
        if signal in present:
            out.append(Insight(signal=signal, evidence=evidence, latest=latest))

    _usage_and_bills(c, m, add, within)
    if c.network:
        n = c.network[-1]
        add(
            "poor_network",
            f"network {n.quality} on {n.date}: {n.latency_ms:g} ms latency, "
            f"{n.packet_loss_pct}% packet loss, {n.download_mbps} Mbps down",
            n.date,
        )
    topics: dict[SignalName, list[date]] = {}
    for i in c.interactions:
        for t in i.topics:
            signal = TOPICS.get(t)
            if signal is not None and within(signal, i.date):
                topics.setdefault(signal, []).append(i.date)  # type: ignore[arg-type]
    for signal, dates in topics.items():
        times = "once" if len(dates) == 1 else f"in {len(dates)} contacts"
        latest = max(dates)
        add(signal, f"{_TOPIC_LABELS[signal]} {times} (latest {latest})", latest)
    recent = c.interactions[-3:]
    negative = [i for i in recent if i.sentiment == "negative"]
    if negative:
        add(
            "negative_sentiment",
            f"{len(negative)} of the last {len(recent)} contacts "
            f"negative (latest {recent[-1].date}, trend {m.sentiment_trend})",
            recent[-1].date,
        )
    add(
        "high_churn_risk",
        f"churn score {c.churn.score:.2f} on {c.churn.scored_on} "
        f"({', '.join(c.churn.risk_factors)})",
        c.churn.scored_on,
    )
    on = f" on {as_of}" if as_of else ""
    add("new_customer", f"customer for {c.tenure_months} month(s){on}", None)
    add("long_tenure", f"customer for {c.tenure_months} months{on}", None)
    return out


Add = Callable[[SignalName, str, "date | None"], None]


def _usage_and_bills(
    c: CustomerData, m: JourneyMetrics, add: Add, within: _Window
) -> None:
    """Evidence of the usage and billing signals."""
    if m.usage_ratio is not None and c.usage:
        last = c.usage[-1]
        used = f"{last.data_gb:g} GB used by {last.date}"
        allowance = f"{c.plan.data_allowance_gb:g} GB allowance"
        if m.usage_ratio > 1:
            add(
                "data_over_allowance",
                f"{used} against a {allowance} "
                f"({m.usage_ratio:.0%}, {m.overage_gb:g} GB over)",
                last.date,
            )
        else:
            add(
                "data_near_allowance",
                f"{used}: {m.usage_ratio:.0%} of the {allowance}",
                last.date,
            )
    if m.usage_trend_pct is not None and len(c.usage) > 1:
        add(
            "usage_rising",
            f"data use up {m.usage_trend_pct:g}% between the last two readings "
            f"({c.usage[-2].data_gb:g} GB on {c.usage[-2].date} → "
            f"{c.usage[-1].data_gb:g} GB on {c.usage[-1].date})",
            c.usage[-1].date,
        )
    roam = [
        (b.date, e.amount)
        for b in c.bills
        for e in b.extra_charges
        if e.kind == "roaming" and within("roaming_charges", b.date)
    ]
    if roam:
        add(
            "roaming_charges",
            "roaming charges " + ", ".join(f"£{a:.2f} on {d}" for d, a in roam),
            roam[-1][0],
        )
    shocks = [
        b
        for b in c.bills
        if b.date in m.bill_shock_dates and within("bill_shock", b.date)
    ]
    if shocks:
        change = (
            f" ({m.bill_change_pct:+g}% on the month before)"
            if shocks[-1] is c.bills[-1] and m.bill_change_pct
            else ""
        )
        add(
            "bill_shock",
            "; ".join(
                f"bill of {b.date} £{b.amount:.2f} incl. "
                f"£{b.extras_total:.2f} extra charges"
                for b in shocks
            )
            + change,
            shocks[-1].date,
        )
    late = [
        b
        for b in c.bills
        if (b.status == "overdue" or any(e.kind == "late_fee" for e in b.extra_charges))
        and within("payment_issues", b.date)
    ]
    if late:
        add(
            "payment_issues",
            "payment problems: " + ", ".join(_payment(b) for b in late),
            late[-1].date,
        )


def _payment(bill: Bill) -> str:
    """One bill's payment problem in words: overdue, a late fee, or both."""
    fees = [e.amount for e in bill.extra_charges if e.kind == "late_fee"]
    what = f"bill of {bill.date} {bill.status}"
    return what + (f" with a £{sum(fees):.2f} late fee" if fees else "")
