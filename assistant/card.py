"""The recommendation card: the proposal, its score, reasons and exclusions.

Pure text from the tool views kept in the session; the UI adds the buttons.
"""

from __future__ import annotations

from typing import Any

from assistant.models.results import money
from assistant.session import Session
from tools.config import CVMConfig


def recommendation_card(session: Session, config: CVMConfig) -> str | None:
    """Markdown for the current proposal (None when nothing is proposed)."""
    p: dict[str, Any] | None = session.proposal
    if not p or not session.customer_id:
        return None
    t = config.treatments[p["treatment_key"]]
    lines = [
        f"### {session.customer_id}: {t.display_name}",
        "| Decision | |",
        "|---|---|",
        f"| Channel / purpose | {t.channel} / {t.purpose} |",
        f"| Expected value | **{money(p['expected_value'])}** = "
        f"P {p['propensity']:.2f} × {money(p['value_at_risk'])} at risk − "
        f"{money(p['cost'])} cost |",
        f"| P(accept) from | {p['propensity_source']} |",
        f"| Contact | {p['next_contact']} |",
        "",
        "**Reasons**",
        *[f"- {r}" for r in p["reasons"]],
    ]
    rec = session.last_recommendation or {}
    if rec.get("customer_id") == session.customer_id and rec.get("excluded"):
        lines += ["", "**Excluded by contact rules**"]
        lines += [
            f"- {config.treatments[k].display_name}: {why}"
            for k, why in rec["excluded"].items()
        ]
    return "\n".join(lines)
