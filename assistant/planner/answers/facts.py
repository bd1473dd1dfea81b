"""Answers about a customer's facts and journey, from the typed tool results."""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.answers.contact import contact_times
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES
from tools.contact_times import ContactTimes
from tools.customer import CustomerData
from tools.journey import Journey, JourneyAnalysis
from tools.patterns import compiled


def _insights(results: Results) -> dict[str, str]:
    analysis: JourneyAnalysis | None = results.one("analyze_journey")
    return {i.signal: i.evidence for i in analysis.insights} if analysis else {}


def facts(ask: Ask, customer: str | None, results: Results) -> str:
    """The facets the analyst asked about (consents, bills, usage, …)."""
    record: CustomerData = results.one("get_customer_data")
    c = record.model_dump(mode="json", exclude_none=True)
    insights = _insights(results)
    facets = [f for f in ask.u.facets if f != "journey"] or ["profile"]
    if "profile" in facets:
        facets = ["plan", "churn", "consents", "signals"]
    sections = [
        f"**{c['customer_id']}** ({c['segment'].replace('_', ' ')}, "
        f"{c['plan']['name']})"
    ]
    times: ContactTimes | None = results.one("next_contact_times")
    if "contact_time" in facets and times is not None:
        sections.append(contact_times(times, list(ask.u.channels)))
    for facet in dict.fromkeys(f for f in facets if f in FACT_WRITERS):
        sections.append(FACT_WRITERS[facet](c, insights))
    if _VULNERABLE.search(ask.u.text):  # "is U126 flagged vulnerable?"
        said = vulnerability(c, insights, ask, "consents" in facets)
        sections += [said] if said else []
    return "\n\n".join(sections)


_VULNERABLE = compiled(r"\bvulnerab", re.I)


def vulnerability(
    c: dict[str, Any], insights: dict[str, str], ask: Ask, flag_shown: bool = False
) -> str:
    """Whether the customer is flagged vulnerable or disclosed a vulnerability.

    The flag stops automated marketing (VULNERABLE); a disclosure in their contacts
    (the signals of the ``vulnerability`` service problem, e.g. financial
    difficulty) stops selling until it is dealt with (SUITABILITY).
    """
    cid = c["customer_id"]
    problem = ask.config.decisions.suitability.get("vulnerability")
    said = [s for s in (problem.signals if problem else []) if s in insights]
    lines = []
    if c.get("vulnerable") and not flag_shown:
        lines.append(
            f"**{cid} is flagged vulnerable** (VULNERABLE): no automated marketing; "
            "route any offer to a trained adviser."
        )
    for signal in said:
        lines.append(
            f"**{cid} disclosed a vulnerability**: {insights[signal]}. Treated as an "
            "open service problem (SUITABILITY): nothing is sold until it is dealt "
            "with; service and billing contact stay allowed."
        )
    if not lines and not c.get("vulnerable"):
        lines.append(
            f"{cid} is not flagged vulnerable, and no vulnerability (bereavement, "
            "financial difficulty) is recorded in their contacts."
        )
    return "\n".join(lines)


def _consents(c: dict[str, Any], insights: dict[str, str]) -> str:
    rows = [
        "| channel | marketing | service | billing | updated |",
        "|---|---|---|---|---|",
    ]
    yes = {True: "yes", False: "**no**"}
    for ch, e in c["consents"].items():
        rows.append(
            f"| {CHANNEL_NAMES.get(ch, ch)} | {yes[e['marketing']]} | "
            f"{yes[e['service']]} | {yes[e['billing']]} | {e.get('updated', '')} |"
        )
    notes = []
    if not any(e["marketing"] for e in c["consents"].values()):
        notes.append(
            "Marketing refused on every channel: this is an objection to "
            "direct marketing (OBJECTION) — no marketing treatment at all; "
            "service and billing contact stay allowed."
        )
    if c.get("vulnerable"):
        notes.append("Flagged vulnerable (VULNERABLE): no automated marketing.")
    notes.append(
        f"Do not disturb: {c.get('do_not_disturb') or 'none given'} "
        f"({c.get('time_zone') or 'time zone unknown: strictest window applies'})"
        f"; prefers {c.get('preferred_contact_time') or 'any time'}."
    )
    return "Contact permissions:\n" + "\n".join(rows) + "\n\n" + "\n".join(notes)


def _usage(c: dict[str, Any], insights: dict[str, str]) -> str:
    allowance = c["plan"].get("data_allowance_gb")
    lines = [f"Data use (allowance {allowance:g} GB):" if allowance else "Data use:"]
    for u in c["usage"]:
        roam = f", roaming {u['roaming_gb']:g} GB" if u.get("roaming_gb") else ""
        lines.append(
            f"- {u['date']}: {u['data_gb']:g} GB, {u['voice_minutes']} min, "
            f"{u['sms_count']} SMS{roam}"
        )
    for s in ("data_over_allowance", "data_near_allowance", "usage_rising"):
        if s in insights:
            lines.append(f"- Signal {s}: {insights[s]}")
    return "\n".join(lines)


def _bills(c: dict[str, Any], insights: dict[str, str]) -> str:
    lines = ["Bills:"]
    for b in c["bills"]:
        extras = sum(e["amount"] for e in b.get("extra_charges", []))
        kinds = ", ".join(sorted({e["kind"] for e in b.get("extra_charges", [])}))
        extra = f" incl. £{extras:.2f} extra ({kinds})" if extras else ""
        lines.append(
            f"- {b['date']}: £{b.get('total') or b['plan_charge']:.2f}{extra}, "
            f"{b['status']}"
        )
    for s in ("bill_shock", "roaming_charges", "payment_issues", "billing_dispute"):
        if s in insights:
            lines.append(f"- Signal {s}: {insights[s]}")
    return "\n".join(lines)


def _network(c: dict[str, Any], insights: dict[str, str]) -> str:
    lines = ["Network:"]
    for n in c["network"]:
        lines.append(
            f"- {n['date']}: {n['quality']}, {n['download_mbps']:g}/"
            f"{n['upload_mbps']:g} Mbps, {n['latency_ms']:g} ms, "
            f"{n['packet_loss_pct']:g}% loss"
        )
    for s in ("poor_network", "network_complaints"):
        if s in insights:
            lines.append(f"- Signal {s}: {insights[s]}")
    return "\n".join(lines)


def _interactions(c: dict[str, Any], insights: dict[str, str]) -> str:
    lines = ["Interactions (quoted from contact notes):"]
    for i in c["interactions"][-6:]:
        lines.append(
            f"- {i['date']} {i['channel'].replace('_', ' ')}, {i['sentiment']}: "
            f"“{i['summary']}”"
        )
    return "\n".join(lines)


def _churn(c: dict[str, Any], insights: dict[str, str]) -> str:
    ch = c["churn"]
    return (
        f"Churn score {ch['score']:.2f} on {ch['scored_on']} (risk factors: "
        f"{', '.join(ch['risk_factors']) or 'none'}; satisfaction "
        f"{ch.get('satisfaction', '?')}/5)."
    )


def _offers(c: dict[str, Any], insights: dict[str, str]) -> str:
    by_date: dict[str, list[str]] = {}
    for o in c["offers"]:
        by_date.setdefault(o["date"], []).append(
            f"{o['name']} ({o['status']}, P {o['acceptance_probability']:.2f})"
        )
    return "Recommender offers:\n" + "\n".join(
        f"- {d}: {'; '.join(items)}" for d, items in by_date.items()
    )


def _plan(c: dict[str, Any], insights: dict[str, str]) -> str:
    p = c["plan"]
    return (
        f"Plan {p['name']}: £{p['monthly_fee']:.2f}/month, "
        f"{p.get('data_allowance_gb') or 0:g} GB, {p['lines']} line(s); tenure "
        f"{c['tenure_months']} months; revenue £{c['monthly_revenue']:.2f}/month."
    )


def _signals(c: dict[str, Any], insights: dict[str, str]) -> str:
    if not insights:
        return "No notable signals in the journey."
    return "Signals:\n" + "\n".join(f"- {k}: {v}" for k, v in insights.items())


FACT_WRITERS = {
    "consents": _consents,
    "usage": _usage,
    "bills": _bills,
    "network": _network,
    "interactions": _interactions,
    "churn": _churn,
    "offers": _offers,
    "plan": _plan,
    "signals": _signals,
}


def journey(ask: Ask, customer: str | None, results: Results) -> str:
    """The journey's size, signals and latest events."""
    j: Journey = results.one("build_journey")
    insights = _insights(results)
    m, events = j.metrics, j.events
    lines = [
        f"**Journey of {j.customer_id}**: {len(events)} events from "
        f"{events[0].date} to {events[-1].date}; churn {m.churn_score:.2f} "
        f"({m.churn_band}), value {m.value_band}, sentiment "
        f"{m.sentiment_trend}.",
        "",
        "Signals:",
        *[f"- {k}: {v}" for k, v in insights.items()],
        "",
        "Latest events:",
        *[f"- {e.date} {e.source}: {e.title}" for e in events[-8:]],
    ]
    return "\n".join(lines)
