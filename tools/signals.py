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
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from tools.config import SignalName
from tools.config_decisions import Said
from tools.customer import Bill, CustomerData, Interaction

if TYPE_CHECKING:
    from tools.journey_metrics import JourneyMetrics


class Insight(BaseModel):
    """A named signal with the evidence (dates, values) that supports it."""

    signal: SignalName
    evidence: str
    latest: date | None = None  # the latest evidence's date (None: undated)
    quote: str | None = None  # what was said or recorded that counted (a sentence)


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
    said: Mapping[Any, Said] | None = None,
) -> list[Insight]:
    """Evidence for each signal in ``present`` (the kernel's), from the record.

    Args:
        c: The customer's record (up to the decision date).
        m: The kernel's journey metrics.
        present: The signals the kernel found.
        as_of: The decision date (None: every record counts).
        windows: Recency window in days per dated signal.
        said: How signals are read from interactions
            (``decisions.interaction_signals``).
    """
    out: list[Insight] = []
    within = _Window(as_of, windows or {})

    def add(signal: SignalName, evidence: str, latest: date | None) -> None:
        if signal in present:
            out.append(Insight(signal=signal, evidence=evidence, latest=latest))

    _usage(c, m, add)
    _charges(c, add, within)
    _bills(c, m, add, within)
    if c.network:
        n = c.network[-1]
        add(
            "poor_network",
            f"network {n.quality} on {n.date}: {n.latency_ms:g} ms latency, "
            f"{n.packet_loss_pct}% packet loss, {n.download_mbps} Mbps down",
            n.date,
        )
    for signal in said or {}:
        if signal in present:
            _said(c, signal, said or {}, within, out)  # type: ignore[arg-type]
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


def _usage(c: CustomerData, m: JourneyMetrics, add: Add) -> None:
    """Evidence of the usage signals: near or over the allowance, rising use."""
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


def _charges(c: CustomerData, add: Add, within: _Window) -> None:
    """Evidence of the extra-charge signals: roaming and data overage charged."""
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
    over = [
        (b.date, e.amount)
        for b in c.bills
        for e in b.extra_charges
        if e.kind == "data_overage" and within("overage_charges", b.date)
    ]
    if over:
        add(
            "overage_charges",
            "data overage charged "
            + ", ".join(f"£{a:.2f} on the bill of {d}" for d, a in over),
            over[-1][0],
        )


def _bills(c: CustomerData, m: JourneyMetrics, add: Add, within: _Window) -> None:
    """Evidence of the bill signals: bill shocks and payment problems."""
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


def said_it(
    i: Interaction, spec: Said, said: Mapping[str, Said] | None = None
) -> str | None:
    """What makes interaction ``i`` count for a signal: a topic code or a keyword.

    The same test as the kernel's (:data:`tools.kernel.features_sql.FEATURES_SQL`):
    a listed topic code, or a keyword in the summary or the recorded outcome; with
    ``together_with``, only when ``i`` counts for that signal too.
    """
    if spec.together_with is not None:
        other = (said or {}).get(spec.together_with)
        if other is None or said_it(i, other) is None:
            return None
    text = f"{i.summary or ''} | {i.resolution or ''}".lower()
    found = next((k for k in spec.keywords if k in text), None)  # quotable first
    return found or next((t for t in i.topics if t in spec.topics), None)


def _said(
    c: CustomerData,
    signal: SignalName,
    said: Mapping[str, Said],
    within: _Window,
    out: list[Insight],
) -> None:
    """Evidence of a signal read from interactions: when, how often, what."""
    spec = said[signal]
    found = [
        (i, why)
        for i in c.interactions
        if within(signal, i.date) and (why := said_it(i, spec, said)) is not None
    ]
    if not found:
        return
    last, why = found[-1]
    times = "once" if len(found) == 1 else f"in {len(found)} contacts"
    quote = None if why in spec.topics else _sentence(last, why)
    text = f"{spec.label} {times} (latest {last.date})"
    if quote:
        text += f": '{quote}'"
    out.append(Insight(signal=signal, evidence=text, latest=last.date, quote=quote))


def _sentence(i: Interaction, keyword: str) -> str:
    """The sentence of the outcome or summary holding ``keyword`` (at most 120)."""
    for text in (i.resolution or "", i.summary):
        for sentence in text.replace("; ", ". ").split(". "):
            if keyword in sentence.lower():
                s = sentence.strip().rstrip(".")
                return s if len(s) <= 120 else s[:117] + "..."
    return keyword


def _payment(bill: Bill) -> str:
    """One bill's payment problem in words: overdue, a late fee, or both."""
    fees = [e.amount for e in bill.extra_charges if e.kind == "late_fee"]
    what = f"bill of {bill.date} {bill.status}"
    return what + (f" with a £{sum(fees):.2f} late fee" if fees else "")
