"""The planner's rows for questions across customers: find, count, summarise.

"Which customers are at the highest churn risk?", "how many customers have bill
shock?", "top 10 by expected value for a retention call", "how many high-value
customers can't receive marketing?", "summarise the base" → ``find_customers`` /
``summarise_base`` with typed filters read from the message; the reply is a table.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.intent import Ask, Call, Intent, Results, call, cue
from assistant.views.text import money
from tools.base_queries import BaseSummary, CustomerList
from tools.kernel.signals import SIGNALS

_SEGMENTS = {
    r"\bconsumers?\b": "consumer",
    r"\bfamil(y|ies)\b": "family",
    r"\bseniors?\b": "senior",
    r"\bsmall[- ]business(es)?\b|\bsmb\b": "small_business",
    r"\benterprises?\b": "enterprise",
}
_SIGNAL_WORDS = {s: r"\b" + s.replace("_", r"[ _-]") + r"\b" for s in SIGNALS}
_SIGNAL_WORDS["high_churn_risk"] = r"\bhigh churn risk\b(?! customers)"
_SIGNAL_WORDS["bill_shock"] = r"\bbill[ _-]?shocks?\b"
_SIGNAL_WORDS["poor_network"] = r"\b(poor|bad) (network|coverage|signal)\b"
_NO_MARKETING = (
    r"\b(can'?t|cannot|can not|unable to|not allowed to|won'?t) (receive|get|be sent"
    r"|be contacted (with|for)|be marketed)\b.*\bmarket|\bno marketing\b|"
    r"\bnot (reachable|contactable) (for|by) marketing\b|\bopted out of marketing\b"
)
_ACROSS = (
    r"\bwhich ([\w-]+ ){0,2}customers\b",
    r"\bwho are (our|the)\b.*\bcustomers\b",
    r"\b(list|show|find|give me|get)( me)? (the |all |our )?(\w+ )?customers\b",
    r"\bhow many ([\w-]+ ){0,3}customers\b",
    _NO_MARKETING,
    r"\bhow many (have|are|can)\b",
    r"\b(top|best|first) \d+\b.*\b(by|for|customers|expected value|ev)\b",
    r"\b(highest|most) (churn|at risk|valuable|expected value)\b",
    r"\bcustomers (with|who|that|at)\b",
    r"\bat (the )?highest (churn )?risk\b",
)


def _filters(ask: Ask) -> dict[str, Any]:
    """Typed filters of find_customers read from the message."""
    u, norm = ask.u, ask.u.norm
    f: dict[str, Any] = {"limit": min(u.count or 10, 100)}
    if re.search(r"\b(expected value|ev|most (valuable )?to gain|worth)\b", norm):
        f["order_by"] = "expected_value"
    elif re.search(r"\b(most valuable|highest value|revenue|spend)\b", norm):
        f["order_by"] = "value"
    else:
        f["order_by"] = "churn"
    if re.search(r"\bhigh[- ]value\b", norm):
        f["value_band"] = "high"
    elif re.search(r"\blow[- ]value\b", norm):
        f["value_band"] = "low"
    band = re.search(
        r"\b(high|medium|low)[- ]churn\b|\bchurn (band|risk) (high|medium|low)", norm
    )
    if band:
        f["churn_band"] = band.group(1) or band.group(3)
    elif (
        re.search(
            r"\bhigh(est)? (churn )?risk\b|\bmost at risk\b"
            r"|\blikely to (churn|leave)\b",
            norm,
        )
        and "how many" in norm
    ):
        f["churn_band"] = "high"
    signals = [s for s, p in _SIGNAL_WORDS.items() if re.search(p, norm)]
    if signals:
        f["signals"] = signals
    for pattern, segment in _SEGMENTS.items():
        if re.search(pattern, norm):
            f["segment"] = segment
    if re.search(r"\bvulnerab", norm):
        f["vulnerable"] = not re.search(r"\bnot vulnerab", norm)
    if re.search(_NO_MARKETING, norm):
        f["marketing_allowed"] = False
    if re.search(r"\bretention call|call[- ]?backs?\b|\bretention team\b", norm):
        f["recommended"] = "marketing_call_back"
    elif ask.u.treatments:
        f["recommended"] = ask.u.treatments[0]
    return f


def find(ask: Ask, customer: str | None) -> list[Call]:
    """find_customers with the filters the message names."""
    return [call("find_customers", **_filters(ask))]


def summarise(ask: Ask, customer: str | None) -> list[Call]:
    """summarise_base (the whole base)."""
    return [call("summarise_base")]


def _describe(f: dict[str, Any]) -> str:
    parts = []
    if f.get("value_band"):
        parts.append(f"{f['value_band']}-value")
    if f.get("churn_band"):
        parts.append(f"{f['churn_band']}-churn")
    if f.get("segment"):
        parts.append(f["segment"].replace("_", " "))
    if f.get("vulnerable") is not None:
        parts.append("vulnerable" if f["vulnerable"] else "non-vulnerable")
    text = " ".join(parts + ["customers"])
    more = []
    if f.get("signals"):
        more.append("with " + " and ".join(s.replace("_", " ") for s in f["signals"]))
    if f.get("marketing_allowed") is False:
        more.append("who cannot lawfully receive any marketing")
    if f.get("recommended"):
        more.append(f"whose best action is {f['recommended']}")
    return " ".join([text, *more])


def table(rows: CustomerList) -> str:
    """The customers as a markdown table."""
    lines = [
        "| # | customer | segment | plan | churn | value | best action | EV "
        "| signals |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(rows.rows, 1):
        signals = ", ".join(s.replace("_", " ") for s in r.signals[:3])
        lines.append(
            f"| {n} | {r.customer_id} | {r.segment.replace('_', ' ')} | {r.plan} | "
            f"{r.churn_score:.2f} ({r.churn_band}) | {money(r.monthly_revenue)}/mo "
            f"({r.value_band}) | {r.recommended} | {money(r.expected_value)} | "
            f"{signals or '-'} |"
        )
    return "\n".join(lines)


def find_answer(ask: Ask, customer: str | None, results: Results) -> str:
    """A count and/or a ranked table of the customers found."""
    found: CustomerList | None = results.one("find_customers")
    if found is None:
        return f"I could not search the base: {results.failure() or 'no result'}."
    f = _filters(ask)
    who = _describe(f)
    order = {
        "churn": "churn score",
        "expected_value": "expected value of the best lawful action",
        "value": "monthly revenue",
    }[found.order_by]
    if "how many" in ask.u.norm:
        text = f"**{found.matched:,}** of {found.total:,} customers match: {who}."
        if found.rows:
            text += f"\n\nThe first {len(found.rows)} by {order}:\n\n{table(found)}"
        return text
    if not found.rows:
        return f"No {who} in the base of {found.total:,}."
    return (
        f"{who[0].upper() + who[1:]}, highest {order} first "
        f"({found.matched:,} match of {found.total:,}):\n\n{table(found)}\n\n"
        'Ask about any of them (e.g. "what should we offer '
        f'{found.rows[0].customer_id}?").'
    )


def summary_answer(ask: Ask, customer: str | None, results: Results) -> str:
    """Counts and EV by segment, signal, best action and excluding rule."""
    s: BaseSummary | None = results.one("summarise_base")
    if s is None:
        return f"I could not summarise the base: {results.failure() or 'no result'}."

    def block(title: str, groups: list[Any], n: int = 8) -> str:
        rows = [f"| {title} | customers | EV of best actions |", "|---|---|---|"]
        rows += [
            f"| {g.key.replace('_', ' ')} | {g.customers:,} "
            f"| {money(g.expected_value)} |"
            for g in groups[:n]
        ]
        return "\n".join(rows)

    return "\n\n".join(
        [
            f"**{s.customers:,}** customers (of {s.total:,}); the best lawful action "
            f"for each is worth **{money(s.expected_value)}** in expected value.",
            block("segment", s.by_segment),
            block("best action", s.by_recommended),
            block("signal", s.by_signal),
            block("excluded by rule (≥1 treatment)", s.excluded_by_rule),
        ]
    )


BASE_INTENTS: list[Intent] = [
    Intent(
        name="find_customers",
        cues=cue(*_ACROSS, weight=4.0)
        + cue(r"\bcustomers\b", r"\bvulnerable\b", r"\bsegment\b", weight=0.5),
        calls=find,
        answer=find_answer,
        needs_customer=False,
        when=lambda u, ask: not u.customers,
        priority=2,
        examples=(
            "which customers are at the highest churn risk?",
            "how many customers have bill shock?",
            "top 10 by expected value for a retention call",
            "how many high-value customers can't receive marketing?",
            "list family customers with poor network",
        ),
    ),
    Intent(
        name="summarise_base",
        cues=cue(
            r"\b(summar(is|iz)e|overview of|break ?down( of)?|profile of) (the |our )?"
            r"(customer )?base\b",
            r"\bbase (summary|overview|breakdown)\b",
            r"\b(summar(is|iz)e|overview of) (all |our |the )?customers\b",
            weight=5.0,
        ),
        calls=summarise,
        answer=summary_answer,
        needs_customer=False,
        priority=3,
        examples=("summarise the base", "give me an overview of our customer base"),
    ),
]
