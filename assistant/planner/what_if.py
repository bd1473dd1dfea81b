"""Reading a what-if question about the plan into ``plan_what_if`` calls.

"what if we had 10 more marketing call-back slots?", "plan without the call centre",
"cut the SMS budget to £200", "what is one more call-centre slot worth?".
"""

from __future__ import annotations

import re
from typing import Any

from assistant.core.mentions import customer_ids_in, treatments_named
from assistant.core.session import Session
from assistant.planner.amounts import amount_after, amounts_in, count_value
from assistant.planner.intent import Call, call
from assistant.planner.scenarios import scenario_calls
from assistant.planner.what_if_limits import (
    DROP,
    TAKE_OUT,
    limit_calls,
    slot,
    treatments_for,
)
from tools.config import CVMConfig
from tools.patterns import compiled

_SLOTS = compiled(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty)\s+"
    r"(more|extra|additional|fewer|less)\b(?P<what>[^?.!]*?)\b(slots?|places?|"
    r"capacity|calls?|call-?backs?)\b",
    re.I,
)
WORTH = compiled(r"\bworth\b|\bvalue of (one|an?) (more|extra)\b", re.I)
_WITHOUT = compiled(
    r"\bwithout (the |any )?(?P<what>call[- ]?cent(re|er)|calls?|phone|sms|texts?|"
    r"e-?mails?|push|app)\b|"
    r"\bno (more )?(?P<what2>call[- ]?cent(re|er)|calls?|sms|texts?|e-?mails?)\b",
    re.I,
)
_BUDGET = compiled(
    r"\b(?P<what>sms|text|e-?mail|call|push|app|total|overall)?\s*budget\b", re.I
)
_BY = compiled(r"\bby\s*$", re.I)  # "cut the budget by £100": a change, not a level
_CHANNEL = {
    "call": "call",
    "phone": "call",
    "sms": "sms",
    "text": "sms",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "push": "push",
    "app": "app",
}


def _channel(word: str | None) -> str | None:
    if not word:
        return None
    w = word.lower().replace("-", "").rstrip("s")
    if w.startswith("callcent") or w.startswith("call cent") or w.startswith("call"):
        return "call"
    return _CHANNEL.get(w, _CHANNEL.get(word.lower()))


def _budget_amount(text: str, at: int) -> float | None:
    """The new budget after the word "budget": "to £2k" is 2,000 pounds.

    "by £100" or "by 20%" is a change, not the new level: no amount.
    """
    found = amount_after(text, at, within=22)
    if found is None or found.percent or _BY.search(text[at : found.start]):
        return None
    return found.value


_WITHIN = compiled(r"\b(within|under|below|max(imum)?|up to|no more than)\b", re.I)
# money stated with the request ("at £2k", "for £1,500", "capped at 5k")
_SPEND = compiled(r"\b(cap(ped)? at|at|for|with|spending|spend|of)\b", re.I)


def stated_budget(text: str) -> float | None:
    """A total budget the message sets as a level ("budget is £2k", "within £2k").

    None when it names none, names a channel's budget, or changes it "by" an amount.
    """
    budget = _BUDGET.search(text)
    if budget is not None:
        if budget.group("what") and _channel(budget.group("what")):
            return None
        after = _budget_amount(text, budget.end())
        return after if after is not None else _money_before(text, budget.start())
    within = _WITHIN.search(text)
    found = amount_after(text, within.end(), within=4) if within else None
    if found is not None and not found.percent:
        return found.value
    for spend in _SPEND.finditer(text):  # "plan today's campaign at £2k"
        found = amount_after(text, spend.end(), within=2)
        capped = spend.group(0).lower().startswith("cap")  # "cap at 5k"
        if found is not None and not found.percent and (found.money or capped):
            return found.value
    return None


_BUDGET_GAP = compiled(r"\s*(?:[a-z][a-z-]*\s*){0,2}", re.I)


def _money_before(text: str, at: int) -> float | None:
    """Money written right before "budget": "with a £1.5k budget" is 1,500 pounds."""
    before = [a for a in amounts_in(text[:at]) if not a.percent]
    # "£1.5k total budget", "2k budget", "£15,000 retention budget for this week"
    if not before or not _BUDGET_GAP.fullmatch(text[before[-1].end : at]):
        return None
    last = before[-1]
    return last.value if last.money or last.scaled else None


def _by_change(text: str, at: int) -> bool:
    """Whether the budget changes "by" an amount (not to a new level)."""
    found = amount_after(text, at, within=22)
    return found is not None and _BY.search(text[at : found.start]) is not None


_ID = r"(?:customer\s+)?(?P<id>[uU]-?\d+)"
_LEAVE_OUT = (
    compiled(
        r"\b(?:drop|remove|exclude|excluding|without|minus|except|but not|and not)"
        rf"\s+(?:(?:the|that|this)\s+)?{_ID}\b",
        re.I,
    ),
    compiled(rf"\b(?:take|leave|keep|pull|drop|cross)\s+{_ID}\s+(?:out|off)\b", re.I),
)


def customers_left_out(text: str, session: Session) -> list[str]:
    """The customers a message takes out of the plan ("drop U124 from it").

    Only with a plan in the conversation: "yes but without U128", "remove U124
    from the plan", "take U125 out". Empty when it names no one so, or no plan
    is made yet.
    """
    if not session.plan_id:
        return []
    found = [m.group("id") for p in _LEAVE_OUT for m in p.finditer(text)]
    named = customer_ids_in(" ".join(found))
    return list(dict.fromkeys(named))


_MORE_AFTER = compiled(r"^\s*(?:more|extra|additional|on top|higher|up)\b", re.I)
_LESS_AFTER = compiled(r"^\s*(?:less|lower|down|fewer)\b", re.I)
_MORE_BEFORE = compiled(r"(?:\b(?:extra|additional|another)|\+)\s*$", re.I)
_CUT = compiled(r"\b(?:cut|reduce|lower|drop|trim|slash|decrease)\b", re.I)
_RAISE = compiled(r"\b(?:raise|increase|add|boost|top up|bump|up)\b", re.I)


def budget_change(text: str) -> float | None:
    """A total budget changed by an amount, signed ("2k more", "cut it by £100").

    None when no amount is a change (a new level, or a percentage).
    """
    for a in amounts_in(text):
        if a.percent:
            continue
        after, before = text[a.end :], text[: a.start]
        if _MORE_AFTER.match(after) or _MORE_BEFORE.search(before):
            return a.value
        if _LESS_AFTER.match(after):
            return -a.value
        if _BY.search(before):
            if _CUT.search(before):
                return -a.value
            if _RAISE.search(before):
                return a.value
    return None


def _budget_calls(text: str, base: dict[str, Any]) -> list[Call] | None:
    """A what-if on the total or a channel's budget (None: it names no budget).

    A new level ("cut the budget to £1k"), or a change of the total by an amount
    ("what if the budget was 2k more"); a change with no amount asks for it.
    """
    budget = _BUDGET.search(text)
    if budget is None:
        return None
    channel = _channel(budget.group("what"))
    change = None if channel else budget_change(text)
    if change is not None:
        return [call("plan_what_if", **base | {"budget_change": change})]
    amount = _budget_amount(text, budget.end())
    if _by_change(text, budget.end()):
        return []  # a what-if, but the new level is not given: ask for it
    if amount is None or not re.search(
        r"\b(cut|set|limit|cap|reduce|lower|raise|increase|what if|only|to)\b",
        text,
        re.I,
    ):
        return None
    if channel:
        args = {**base, "channel_budgets": [{"channel": channel, "pounds": amount}]}
    else:
        args = {**base, "budget": amount}
    return [call("plan_what_if", **args)]


def what_if_calls(text: str, session: Session, config: CVMConfig) -> list[Call] | None:
    """The ``plan_what_if`` calls a message asks for (None: it asks no what-if).

    An empty list: it asks a what-if whose new level is not given ("cut the SMS
    budget by £100").

    Args:
        text: The analyst's message.
        session: The conversation (its latest plan id).
        config: Treatments and constraints (which treatments a channel means).
    """
    base: dict[str, Any] = {"plan_id": session.plan_id, "extra_slots": []}
    base |= {"without_channels": [], "channel_budgets": [], "budget": None}
    scenarios = scenario_calls(text, session)  # "compare that with the original"
    if scenarios is not None:
        return scenarios
    left_out = customers_left_out(text, session)
    if left_out:  # "drop U124 from it": the plan without them
        return [call("plan_what_if", **base | {"without_customers": left_out})]
    slots = _SLOTS.search(text)
    if WORTH.search(text) and re.search(r"\b(one|an?) (more|extra)\b", text, re.I):
        keys = treatments_for(text, config)
        if not keys:
            return None
        return [
            call("plan_what_if", **base | {"extra_slots": [slot(k, 1)]}) for k in keys
        ]
    if slots:
        n = slots.group(1).lower()
        count = count_value(n) or 1  # "a"/"an" more slot: one
        if slots.group(2).lower() in ("fewer", "less"):
            count = -count
        keys = treatments_for(text, config)
        if not keys:
            return None
        return [call("plan_what_if", **base | {"extra_slots": [slot(keys[0], count)]})]
    # a treatment's own budget ("set budget of Early Upgrade as 5k") is the
    # catalogue's, not the plan's
    budgeted = None if treatments_named(text, config) else _budget_calls(text, base)
    if budgeted is not None:
        return budgeted
    limited = limit_calls(text, session, config, base)
    if limited is not None:
        return limited
    without = _WITHOUT.search(text) or DROP.search(text) or TAKE_OUT.search(text)
    if without and (
        re.search(r"\b(plan|campaign|what if|instead)\b", text, re.I)
        or (
            session.plan_id is not None
            and re.match(r"\W*(and|what about|how about|with|without|no)\b", text, re.I)
        )
    ):  # "and with no call centre?" when a plan is in play
        groups = without.groupdict()
        channel = _channel(groups.get("what") or groups.get("what2"))
        if channel:
            args = {**base, "without_channels": [channel]}
            return [call("plan_what_if", **args)]
    return None
