"""What a catalogue change says: the new treatment's slots, the field and its value.

"add a treatment: 10% discount SMS, marketing, £1 a contact, 200 a day"; "raise the
call-back capacity to 8", "acceptance rate loyalty app to 0.12"; the patterns that
tell an order to change a field from a question about how it did. Read by the
catalogue intents (:mod:`assistant.planner.catalogue_intents`) and the outcome
intents (a change is never a take-up report).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.amounts import amount_after

MONEY = r"£\s*(\d+(?:\.\d+)?)"
CHANNEL_WORDS = (
    (r"\b(sms|text(s| message)?)\b", "sms"),
    (r"\be-?mails?\b", "email"),
    (r"\b(call(-| )?backs?|calls?|phone)\b", "call"),
    (r"\bpush\b", "push"),
    (r"\bapp\b", "app"),
)
FIELD_WORDS = (
    (r"\b(capacity|limit|slots?|per day|a day|daily cap)\b", "max_per_day"),
    (r"\bbudget\b", "daily_budget"),
    (r"\b(cost|price)\b", "cost"),
    (r"\b(propensity|prior|take-?up|acceptance)\b", "base_propensity"),
    (r"\bpriority\b", "priority"),
)

def new_treatment(text: str) -> dict[str, Any]:
    """The slots of "add a treatment: NAME, purpose, £cost a contact, N a day"."""
    low = text.lower()
    found: dict[str, Any] = {}
    name = re.search(
        r"\b(?:treatment|offer|action)\b\s*(?:called|named)?\s*[:\-]?\s*"
        r"[\"'“]?([^,\"”;]+)",
        text,
        re.I,
    )
    if name and name.group(1).strip():
        found["display_name"] = name.group(1).strip().rstrip(".")
    where = found.get("display_name", "").lower() + " " + low
    for pattern, channel in CHANNEL_WORDS:
        if re.search(pattern, where):
            found["channel"] = channel
            break
    purpose = re.search(r"\b(marketing|service|billing)\b", low)
    if purpose:
        found["purpose"] = purpose.group(1)
    budget = re.search(MONEY + r"\s*(?:a|per|/)\s*day|budget (?:of )?" + MONEY, low)
    if budget:
        found["daily_budget"] = float(budget.group(1) or budget.group(2))
    cost = re.search(MONEY + r"(?!\s*(?:a|per|/)\s*day)", low)
    pence = re.search(r"\b(\d+)\s*(?:p|pence)\b", low)
    if cost:
        found["cost"] = float(cost.group(1))
    elif pence:
        found["cost"] = int(pence.group(1)) / 100
    elif re.search(r"\bfree\b|\bno cost\b", low):
        found["cost"] = 0.0
    per_day = re.search(r"(?<![£\d.])(\d[\d,]*)\s*(?:a|per|/)\s*day\b", low)
    if per_day:
        found["max_per_day"] = int(per_day.group(1).replace(",", ""))
    prior = re.search(r"(\d+(?:\.\d+)?)\s*%\s*(?:take-?up|acceptance|propensity)", low)
    if prior:
        found["base_propensity"] = float(prior.group(1)) / 100
    return found


def field_change(text: str) -> dict[str, Any]:
    """The field and new value of "raise the call-back capacity to 8".

    The value is the first amount right after a "to", read as the planner reads
    every amount (:mod:`assistant.planner.amounts`): "to 1,000", "to 40p" (£0.40),
    "to ten", "to 15%" (0.15).
    """
    low = text.lower()
    after_to = (
        amount_after(low, to.end(), within=2)
        for to in re.finditer(
            r"\bto\b|\bas\b|\bmake it\b|\bshould be\b|\bset it at\b", low
        )
    )
    value = next((a for a in after_to if a is not None), None)
    if value is None:
        return {}
    for pattern, field in FIELD_WORDS:
        if re.search(pattern, low):
            number = value.value / (100 if value.percent else 1)
            if field in ("max_per_day", "priority"):
                return {field: int(number)}
            return {field: number}
    return {}


_CHANGE_WORDS = r"(raise|increase|lower|reduce|cut|set|change|make|bump|drop|put)"
SET_PATTERN = (
    r"\b" + _CHANGE_WORDS + r"\b.{0,60}\b(capacity|limit|budget|cost|price|"
    r"propensity|prior|priority|slots|acceptance|take-?up)\b.{0,40}\b(to|as)\b"
)
# an order to change a field ("set the acceptance rate of retention sms to 12%"),
# never a question about how it did
SET_ORDER = (
    r"^\W*((please|pls|kindly|can (you|u)|could (you|u)|ok|okay|now|right)\W+)*"
    + SET_PATTERN
)
# "move the service call back to the app channel": a treatment's channel is part of
# what it is (not a field to change); the answer says how to do it instead
CHANNEL_MOVE = (
    r"\b(move|switch|change|make|put|shift)\b.{0,60}\b(to|onto|by|via|over to|go by)"
    r" (the )?(sms|text|e-?mail|app|push|phone|call)s?\b"
)
HISTORY_WORDS = (
    r"\b(history|versions?|(who|what|when)\b.{0,20}\b(changed|edited|updated))\b"
)


_ASKING = (
    r"\?\s*$|^\W*(?:um\W+)?(?:what|how|why|which|who|is|are|does|do|did|has|have)\b"
)


def sets_a_field(u: Any) -> bool:
    """One treatment named, a field and "to" a value, not a question.

    "acceptance rate loyalty app to 0.12", "um put the acceptance rate on the
    personalised offer to twelve percent": an order to change it.
    """
    return (
        len(u.treatments) == 1
        and not u.customers
        and bool(field_change(u.text))
        and not u.has(_ASKING)
    )
