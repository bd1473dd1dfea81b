"""What-ifs that take slots away or cap the spend, and the treatments they touch.

"drop the call-backs", "if call-back capacity were zero", "what if we capped it at
10,000" (with a plan in play); which capacity-limited treatments a message names.
Used by :mod:`assistant.planner.what_if`.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.core.mentions import treatments_named
from assistant.core.session import Session
from assistant.planner.amounts import amount_after
from assistant.planner.intent import Call, call
from tools.config import CVMConfig
from tools.patterns import compiled

# "drop the call-backs and use SMS instead", "exclude the call centre entirely"
DROP = compiled(
    r"\b(?:drop|exclude|excluding|remove|skip|lose|cut out|leave out)\s+"
    r"(?:the |all |any |our )?(?P<what>call[- ]?cent(?:re|er)|call[- ]?backs?|calls?|"
    r"sms|texts?|e-?mails?|push|app)\b",
    re.I,
)
# "if call-back capacity were zero", "no call-back slots"
_ZERO = compiled(
    r"\b(?:capacity|slots?)\s+(?:were|was|is|are|went|goes|dropped|fell|set)?\s*"
    r"(?:to\s+|at\s+)?(?:zero|0|nil|nothing|none)\b|"
    r"\b(?:zero|no)\s+(?:call[- ]?backs?|call[- ]?cent(?:re|er)|calls?)\s+"
    r"(?:capacity|slots?)\b",
    re.I,
)
# "take call-backs out completely"
TAKE_OUT = compiled(
    r"\btake\s+(?:the |all |any |our )?(?P<what>call[- ]?cent(?:re|er)|"
    r"call[- ]?backs?|calls?|sms|texts?|e-?mails?|push|app)\s+out\b",
    re.I,
)
_CALL_BACK = compiled(r"\bcall[- ]?backs?\b", re.I)
# "what if we capped it at 10,000?": a total budget for the plan in play
_CAP = compiled(
    r"\b(?:cap(?:ped)?|limit(?:ed)?)\b(?:\s+(?:it|the plan|spend(?:ing)?|the spend|"
    r"that|this|costs?|the costs?))?\s+(?:at|to)\b",
    re.I,
)


def treatments_for(text: str, config: CVMConfig) -> list[str]:
    """Capacity-limited treatments the text names (by name, else by channel)."""
    named = [k for k in treatments_named(text, config) if k in config.constraints]
    if named:
        return named
    channel = None
    if re.search(r"call[- ]?cent(re|er)|call[- ]?backs?|\bcalls?\b|phone", text, re.I):
        channel = "call"
    elif re.search(r"\b(sms|texts?)\b", text, re.I):
        channel = "sms"
    elif re.search(r"\be-?mails?\b", text, re.I):
        channel = "email"
    return [
        k
        for k, t in config.treatments.items()
        if channel and t.channel == channel and k in config.constraints
    ]


def slot(key: str, slots: int) -> dict[str, Any]:
    """One treatment's change of daily slots, as ``plan_what_if`` takes it."""
    return {"treatment_key": key, "slots": slots}


def limit_calls(
    text: str, session: Session, config: CVMConfig, base: dict[str, Any]
) -> list[Call] | None:
    """A plan's capacity set to zero, or its spend capped, with a plan in play.

    "and if call-back capacity were zero?", "drop the call-backs" re-plan with none
    of those slots (the call-backs only when the message says call-backs, else the
    channel's);
    "what if we capped it at 10,000?" with a total budget of £10,000.
    """
    if session.plan_id is None:
        return None
    dropped = DROP.search(text) or TAKE_OUT.search(text)
    if _ZERO.search(text) or (dropped and _CALL_BACK.search(dropped.group("what"))):
        keys = treatments_for(text, config)
        if _CALL_BACK.search(text):
            names = {k: config.treatments[k].display_name for k in keys}
            keys = [k for k in keys if _CALL_BACK.search(names[k])] or keys
        if not keys:
            return None
        slots = [slot(k, -config.constraints[k].max_per_day) for k in keys]
        return [call("plan_what_if", **base | {"extra_slots": slots})]
    cap = _CAP.search(text)
    found = amount_after(text, cap.end(), within=3) if cap else None
    if found is None or found.percent:
        return None
    return [call("plan_what_if", **base | {"budget": found.value})]
