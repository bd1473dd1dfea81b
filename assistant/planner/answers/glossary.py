"""What the product's words mean: definitions rendered from the configuration in force.

"What does the churn score represent?", "what does capacity mean, per day or per
week?", "what definition of vulnerable are you using?", "is a Service SMS marketing
or service for consent?", "difference between a Service Call Back and a Marketing
Call Back" are answered from the same values the rules and the kernel use (the
capacity table, the frequency caps, the value formula, the poor-network limits), so
a definition cannot drift from what the product does.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.config import CVMConfig
from tools.kernel.signals import (
    HIGH_CHURN,
    MEDIUM_CHURN,
    POOR_LATENCY_MS,
    POOR_PACKET_LOSS_PCT,
)
from tools.patterns import compiled


def _churn(config: CVMConfig) -> str:
    return (
        "**Churn score**: the churn model's probability, from 0 to 1, that the "
        "customer leaves (0.75 = 75%). Bands: high at "
        f"{HIGH_CHURN:.1f} or more, medium from {MEDIUM_CHURN:.1f}, low below. It "
        "drives the value at risk: expected value = P(accept) × (churn score × "
        f"monthly revenue × {config.value.margin_rate:.0%} margin × "
        f"{config.value.horizon_months} months) − cost."
    )


def _capacity(config: CVMConfig) -> str:
    limited = ", ".join(
        f"{config.treatments[k].display_name} {c.max_per_day}"
        for k, c in config.constraints.items()
        if k in config.treatments and c.max_per_day is not None
    )
    caps = "; ".join(
        f"{c.max_contacts} {c.purpose} {CHANNEL_NAMES.get(c.channel, c.channel)} "
        f"per {c.period_days} days"
        for c in config.policy.frequency_caps
    )
    return (
        "**Capacity**: how many of a treatment can be booked **per day** (it resets "
        "each day); some slots are kept for high-value customers (monthly revenue "
        f"{money(config.policy.high_value_min_monthly_revenue)} or more), and some "
        f"treatments also have a daily budget. Today's limits: {limited}. "
        "Treatments not listed are unlimited. Per customer, the frequency caps count "
        f"over a **week**: {caps}."
    )


def _vulnerable(config: CVMConfig) -> str:
    return (
        "**Vulnerable**: a flag on the customer's record (e.g. a bereavement, "
        "financial difficulty or a disclosed vulnerability noted by an adviser). "
        "Rule VULNERABLE: no automated marketing of any kind; the customer is routed "
        "to a specialist, and only service or billing help (such as a Bill Review "
        'Call) is offered. "who is vulnerable?" lists them.'
    )


def _consent(config: CVMConfig) -> str:
    return (
        "**Consent** is kept per channel (call, e-mail, SMS, push) and per purpose: "
        "**marketing**, **service** or **billing**. A treatment needs the customer's "
        "consent for its own channel and purpose, so a service message (Service "
        "SMS, Data Boost, Service Call Back) needs service consent, not marketing "
        "consent, and marketing needs marketing consent on that channel. A customer "
        "who refused marketing on every channel objects to marketing (rule "
        "OBJECTION)."
    )


def _network(config: CVMConfig) -> str:
    return (
        "**Network quality** is read from the latest network record: latency in "
        "milliseconds (ms), packet loss in percent, download/upload speed in Mbps "
        "and a quality label. It counts as **poor** when the label is poor, latency "
        f"is above {POOR_LATENCY_MS:g} ms or packet loss above "
        f"{POOR_PACKET_LOSS_PCT:g}%."
    )


def _value(config: CVMConfig) -> str:
    return (
        "**Expected value (EV)**: P(accept) × value at risk − cost, with value at "
        f"risk = churn score × monthly revenue × {config.value.margin_rate:.0%} "
        f"margin × {config.value.horizon_months} months. P(accept) is capped at "
        f"{config.value.propensity_cap:.0%}. No action is worth £0, the bar every "
        "treatment has to beat."
    )


def _priority(config: CVMConfig) -> str:
    return (
        "**How a plan is prioritised**: 1. only lawful contacts (consent, quiet "
        "hours, frequency caps, vulnerability, objection, service before selling); "
        "2. each customer's options by expected value; 3. the plan picks at most one "
        "action per customer to maximise the total expected value within each "
        "treatment's daily capacity and budget (an optimiser, not first-come); "
        "4. a list of customers is ranked by churn score unless you ask otherwise."
    )


def _suitability(config: CVMConfig) -> str:
    labels = ", ".join(p.label for p in config.decisions.suitability.values())
    return (
        "**Service before selling** (rule SUITABILITY, a hard rule): while a "
        f"problem is open ({labels}), no marketing treatment is ranked, planned or "
        "booked; the treatments that fix it come first."
    )


TERMS: dict[str, tuple[str, Callable[[CVMConfig], str]]] = {
    "churn": (r"\bchurn (score|risk|probability|rating|number)s?\b|\bchurn\b", _churn),
    "capacity": (r"\bcapacit(y|ies)\b|\bslots?\b", _capacity),
    "vulnerable": (r"\bvulnerab", _vulnerable),
    "consent": (
        r"\bconsents?\b|\bopt(ed)?[- ]?in\b|\bpermissions?\b|"
        r"\b(treated|counted|count|counts) as (a )?(marketing|service)\b",
        _consent,
    ),
    "network": (
        r"\bnetwork quality\b|\blatency\b|\bpacket loss\b|\bmbps\b|"
        r"\bnetwork\b.{0,40}\b(measured|unit|units|poor)\b",
        _network,
    ),
    "value": (r"\bexpected value\b|\bev\b", _value),
    "priority": (
        r"\bprioriti[sz]\w*\b|\bcriteria\b|\bon what basis\b|\bhow .{0,30}\b(ranked|"
        r"ordered|chosen|picked)\b",
        _priority,
    ),
    "suitability": (r"\bservice before selling\b|\bsuitab", _suitability),
}


def terms_in(norm: str) -> list[str]:
    """The glossary terms a message asks about, in the glossary's order."""
    return [t for t, (pattern, _) in TERMS.items() if compiled(pattern).search(norm)]


def _treatments(ask: Ask) -> list[str]:
    """The catalogue's own words for each treatment named (for "the difference")."""
    out = []
    for key in ask.u.treatments:
        t = ask.config.treatments[key]
        c = ask.config.constraints.get(key)
        cap = (
            f"{c.max_per_day} a day" if c and c.max_per_day is not None else "no limit"
        )
        out.append(
            f"**{t.display_name}** ({CHANNEL_NAMES.get(t.channel, t.channel)}, "
            f"{t.purpose}, {money(t.cost)} a contact, capacity {cap}): "
            f"{t.description}"
        )
    return out


def define(ask: Ask, customer: str | None, results: Results) -> str:
    """The definitions the message asks for, from the configuration in force."""
    parts = _treatments(ask)
    parts += [TERMS[t][1](ask.config) for t in terms_in(ask.u.norm)]
    if not parts:
        return (
            "I have no definition for that. I can define the churn score, capacity, "
            "vulnerable, consent, network quality, expected value, service before "
            "selling and how plans are prioritised, and describe any treatment."
        )
    return "\n\n".join(parts)
