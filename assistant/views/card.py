"""The recommendation card: the proposal, its score, reasons and exclusions.

Pure text from the typed results kept in the session; the UI adds the buttons.
"""

from __future__ import annotations

from assistant.core.session import Session
from assistant.views.text import money
from tools.config import CVMConfig


def recommendation_card(session: Session, config: CVMConfig) -> str | None:
    """Markdown for the current proposal (None when nothing is proposed)."""
    p = session.proposal
    if not p or not session.customer_id:
        return None
    s = p.score
    lines = [
        f"### {session.customer_id}: {p.display_name}",
        "| Decision | |",
        "|---|---|",
        f"| Channel / purpose | {p.channel} / {p.purpose} |",
        f"| Expected value | **{money(s.expected_value)}** = "
        f"P {s.propensity:.2f} × {money(s.value)} at risk − "
        f"{money(s.cost)} cost |",
        f"| P(accept) from | {s.propensity_source} |",
        f"| Contact | {p.next_contact.note} |",
        "",
        "**Reasons**",
        *[f"- {r}" for r in p.reasons],
    ]
    rec = session.last_recommendation
    hard = [x for x in rec.excluded if x.hard] if rec else []
    if rec and rec.customer_id == session.customer_id and hard:
        lines += ["", "**Excluded by contact rules**"]
        lines += [
            f"- {x.display_name}: "
            + "; ".join(
                f"{e.rule}: {e.reason}"
                for e in x.exclusions
                if e.rule != "APPLICABILITY"
            )
            for x in hard
        ]
    return "\n".join(lines)
