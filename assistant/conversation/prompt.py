"""The system prompt: one template file, assembled in exactly one function.

The policy section is rendered from the same rule texts and configuration values the
guard and the ledger execute, so the prompt and the code cannot drift apart.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from assistant.core.session import Session
from tools.config import CVMConfig
from tools.config_memo import per_config
from tools.rule_verdicts import HARD_RULES, RULE_TEXT

POLICY_RULES = (*HARD_RULES, "APPLICABILITY", "QUIET-HOURS", "APPROVAL")


@lru_cache(maxsize=4)
def _template(name: str = "system.md") -> str:
    return (resources.files("assistant") / "prompts" / name).read_text(encoding="utf-8")


def render_policy(config: CVMConfig) -> str:
    """The contact rules with their ids and the configured numbers."""
    p = config.policy
    caps = ", ".join(
        f"{c.max_contacts} {c.channel}/{c.period_days}d" for c in p.frequency_caps
    )
    extra = {
        "QUIET-HOURS": f" Calls {p.calling_window.start}-{p.calling_window.end};"
        f" unknown time zone: quiet {p.default_quiet_hours.start}-"
        f"{p.default_quiet_hours.end}.",
        "FREQUENCY": f" Caps: {caps}." if caps else "",
        "CAPACITY": f" High value: >= £{p.high_value_min_monthly_revenue:g}/month.",
    }
    return "\n".join(
        f"- {rule}: {RULE_TEXT[rule]}{extra.get(rule, '')}" for rule in POLICY_RULES
    )


def render_treatments(config: CVMConfig) -> str:
    """Treatment keys grouped by channel; purpose marketing unless noted."""
    groups: dict[str, list[str]] = {}
    for key, t in config.treatments.items():
        note: list[str] = [] if t.purpose == "marketing" else [t.purpose]
        note += [] if t.enabled else ["off"]
        groups.setdefault(t.channel, []).append(
            f"{key} ({', '.join(note)})" if note else key
        )
    return "; ".join(f"{ch}: {', '.join(keys)}" for ch, keys in groups.items())


def render_context(session: Session) -> str:
    """What the conversation is about right now (sent after the history).

    Kept out of the system prompt so that the system prompt and the tool list stay
    a stable prefix, identical across turns and customers, which a provider's
    prompt cache serves from the second call on.
    """
    parts = []
    if session.customer_id:
        parts.append(f"Current customer: {session.customer_id}")
    if session.proposed and session.proposal_for == session.customer_id:
        parts.append(f"Option under discussion: {session.proposed}")
    if session.pending:
        parts.append(
            f"Pending, shown to the analyst, awaiting their yes/Approve: "
            f"{session.pending.title} (do not call it again)"
        )
    if session.allocations:
        last = session.allocations[-1]
        parts.append(
            f"Last booking: #{last.allocation_id} {last.treatment_key} "
            f"for {last.customer_id}"
        )
    if session.plan_id:
        parts.append(f"The plan: {session.plan_id}")
    body = "\n".join(parts) if parts else "No customer yet."
    return f"<context>\n{body}\n</context>"


@per_config
def build_system_prompt(config: CVMConfig) -> str:
    """The system prompt of a configuration: the same for every turn and customer."""
    return _template().format(
        policy=render_policy(config), treatments=render_treatments(config)
    )
