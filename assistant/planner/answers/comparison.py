"""The answer comparing two or more customers' recommendations side by side."""

from __future__ import annotations

from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import Recommendation


def _riskier(ask: Ask, churn: dict[str, float]) -> list[str]:
    """The answer to "who is more likely to churn?" when that is the question."""
    asks = ask.u.has(r"\bchurn|\bat risk\b|\brisk(ier|iest)?\b|\blikely to (leave|go)")
    if not asks or len(churn) < 2:
        return []
    ranked = sorted(churn.items(), key=lambda kv: -kv[1])
    (first, high), (_, second) = ranked[0], ranked[1]
    if high == second:
        return [f"Equally likely to churn: churn score {high:.2f} each.", ""]
    rest = ", ".join(f"{c} {v:.2f}" for c, v in ranked[1:])
    return [
        f"**{first} is more likely to churn:** churn score {high:.2f} ({rest}).",
        "",
    ]


def compare(ask: Ask, customer: str | None, results: Results) -> str:
    """Each customer's recommendation side by side (never dropping one)."""
    rows = [
        "| customer | recommendation | channel | expected value | cost | churn score |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    churn: dict[str, float] = {}
    for cid in ask.customers:
        mine = results.for_customer(cid)
        rec: Recommendation | None = mine.one("recommend_treatment")
        record = mine.one("get_customer_data")
        score = f"{record.churn.score:.2f}" if record is not None else "?"
        if record is not None:
            churn[cid] = record.churn.score
        if rec is None:
            notes.append(f"- {cid}: {mine.failure() or 'no answer'}")
            rows.append(f"| {cid} | could not be evaluated | | | | {score} |")
            continue
        t = rec.top
        rows.append(
            f"| {cid} | {t.display_name} | {CHANNEL_NAMES[t.channel]} | "
            f"{money(t.score.expected_value)} | {money(t.score.cost)} | {score} |"
        )
        why = t.reasons[0] if t.reasons else "no contact is worth its cost"
        notes.append(f"- **{cid}**: {why}")
    ask.session.focus.customers = list(ask.customers)
    ask.session.focus.compared = list(ask.customers)
    return "\n".join(
        [
            f"**{', '.join(ask.customers)} compared:**",
            *_riskier(ask, churn),
            *rows,
            "",
            *notes,
            "",
            "Ask about one customer to propose a booking.",
        ]
    )
