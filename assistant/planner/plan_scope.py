"""Which customers a plan message means: the list in focus, a condition, or all.

"how many have a churn score above 0.7?" then "plan a campaign across those" (or
"... for the ones on that list", or "... across the high-churn customers", which
restates the list's condition) plans among that list (``plan_campaign``'s
``among``). A customer condition that is not the list in focus ("plan it across the
vulnerable customers") is found as a list first, and the plan is made among it in
a second round; "plan today's campaign" stays the whole base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.planner.base_filters import read_filters
from assistant.planner.what_if import stated_budget
from tools.patterns import compiled

if TYPE_CHECKING:
    from assistant.core.session import Focus
    from assistant.planner.intent import Ask
    from tools.config import CVMConfig

# "for those", "across them", "these customers", "that list", "the ones on the list"
_THEY = compiled(
    r"\b(?:for|across|among(?:st)?|around|over|on|to|off|from|at|of|with|within|"
    r"call|ring|contact|target|reach|text|email|plan|book)\s+(?:all\s+(?:of\s+)?)?"
    r"(?:those|them|these)\b|"
    r"\b(?:those|these|the same) (?:customers|people|ones|accounts|folks)\b|"
    r"\b(?:that|this|the same|the last|the) (?:list|lot|cohort|group|bunch|set)\b|"
    r"\bthe ones? (?:on|in|from) (?:the|that|this|my|your) list\b|"
    r"\bthe ones? (?:above|listed|shown|you (?:just )?(?:found|listed|showed))\b"
)
# "forget these two", "never mind them", "how many of those are SMS?": not a scope
_NOT_THEY = compiled(
    r"\b(?:forget|never ?mind|ignore|not|skip)\s+(?:about\s+)?(?:those|them|these|"
    r"that list|the list|that lot)\b|\bhow many of (?:those|them|these)\b"
)
# the whole base said outright, or a question about who is on the plan ("are any
# of those on today's plan?"): no list, whatever else the message says
_EVERYONE = compiled(
    r"\b(?:every(?:one|body)|all (?:the |our )?customers|(?:the )?(?:whole|entire|"
    r"full) base|across the base|all of the base)\b|"
    r"\b(?:any(?:one|body)?|who(?:'s)?|which)\b.*\b(?:on|in) "
    r"(?:today'?s|the|this|that) (?:plan|campaign)\b"
)
# customers left out by a condition ("excluding the high-churn customers", "except
# those with bill shock"): a plan is made among a list, never without one
_LEAVES_OUT = compiled(
    r"\b(?:exclud(?:e|ing)|except|leav(?:e|ing) out|leave off|apart from|other than|"
    r"but not|not including|minus|skip(?:ping)?|drop(?:ping)?|tak(?:e|ing) out|"
    r"remov(?:e|ing)|without (?:the|those|these|them|any|our|all)\b)"
)
# what a plan's customers can be chosen by: who they are, not how to reach them
# (channels and consent are the plan's own rules)
CONDITIONS = (
    "churn_band",
    "value_band",
    "segment",
    "plan",
    "region",
    "signals",
    "thresholds",
    "vulnerable",
    "complained",
    "without_signals",
    "any_of",
)
# who a plan protects, asked about ("are we calling anyone who's vulnerable?",
# "confirm nobody vulnerable is in it"): a check of the plan, not its customers
_PROTECTED = ("vulnerable", "complained")
_CHECKS = compiled(r"\?|\b(?:anyone|anybody|nobody|no one|none|confirm|check)\b")
_NAMES = ("segment", "plan", "region")  # said in the message itself, not a typo's
# a metric a band word restates ("high-churn" restates "churn score above 0.7")
_BAND_METRIC = {"churn_band": "churn", "value_band": "revenue"}


@dataclass(frozen=True)
class PlanScope:
    """Who a plan message means.

    Attributes:
        among: The list to plan among (a handle), or None.
        find: A condition to find as a list first (``find_customers`` filters,
            with ``among`` when it narrows the list in focus), or None.
    """

    among: str | None = None
    find: dict[str, Any] | None = None


def condition_asked(ask: Ask) -> dict[str, Any]:
    """The customer condition a plan message names ({} for none).

    A name (segment, tariff, region) counts only when the message itself says it
    (not a typo corrected into one: "consume" is no "consumer"); an amount that is
    the plan's budget ("no more than 300 spend") is no threshold.
    """
    found = read_filters(ask.u, ask.config).model_dump(mode="json")
    default = read_filters_default()
    out = {k: found[k] for k in CONDITIONS if found[k] != default[k]}
    text = ask.u.text.lower()
    if _CHECKS.search(text):
        for key in _PROTECTED:
            out.pop(key, None)
    for key in _NAMES:
        if key in out and str(out[key]).lower().replace("_", " ") not in text:
            del out[key]
    budget = stated_budget(ask.u.text)
    if budget is not None and "thresholds" in out:
        kept = [t for t in out["thresholds"] if abs(t["value"] - budget) > 1e-9]
        out["thresholds"] = kept
        if not kept:
            del out["thresholds"]
    return out


def read_filters_default() -> dict[str, Any]:
    """The filters that select nobody in particular (JSON)."""
    from tools.base_queries.models import FindArgs

    return FindArgs().model_dump(mode="json")


def list_definition(focus: Focus, handle: str) -> dict[str, Any] | None:
    """A list's conditions, with those of every list it narrows (merged)."""
    merged: dict[str, Any] = {}
    seen: set[str] = set()
    current: str | None = handle
    while current:
        own = focus.list_filters.get(current)
        if own is None or current in seen:
            return merged or None
        seen.add(current)
        for key, value in own.items():
            if key == "among":
                continue
            if isinstance(value, list):
                merged[key] = [*merged.get(key, []), *value]
            else:
                merged.setdefault(key, value)
        current = own.get("among")
    return merged


def restates(
    condition: dict[str, Any], listed: dict[str, Any], config: CVMConfig
) -> bool:
    """Whether the message's condition says again who is on the list.

    Each part must be one of the list's: the same threshold, the same value, the
    same signals; a band word ("the high-churn customers") restates the list's
    band, or a threshold that keeps the list inside that band ("churn score above
    0.7" is high churn, "above 0.3" is not).
    """
    if not condition:
        return False
    for key, value in condition.items():
        if key in _BAND_METRIC:
            if listed.get(key) != value and not _in_band(key, value, listed, config):
                return False
        elif key == "thresholds":
            if any(t not in listed.get("thresholds", []) for t in value):
                return False
        elif isinstance(value, list):
            if any(v not in listed.get(key, []) for v in value):
                return False
        elif listed.get(key) != value:
            return False
    return True


def leaves_out(ask: Ask) -> bool:
    """The message leaves customers out by a condition ("excluding those with ...").

    A plan is made among a list's customers; leaving a list out is not done (the
    answer says so rather than planning among the very customers to leave out).
    """
    if not _LEAVES_OUT.search(ask.u.norm):
        return False
    return points_at_a_list(ask) or bool(condition_asked(ask))


def points_at_a_list(ask: Ask) -> bool:
    """The message points at customers found before ("for those", "that list").

    Read on the message as typed (a typo corrected can make "the sample lot" "the
    same lot").
    """
    text = ask.u.text.lower()
    if _NOT_THEY.search(text) or _EVERYONE.search(ask.u.norm):
        return False
    return bool(_THEY.search(text))


def _in_band(key: str, band: str, listed: dict[str, Any], config: CVMConfig) -> bool:
    """Whether a threshold of the list keeps everyone on it in ``band``."""
    from tools.kernel.signals import HIGH_CHURN, MEDIUM_CHURN, MEDIUM_VALUE_REVENUE

    metric = _BAND_METRIC[key]
    medium, high = (
        (MEDIUM_CHURN, HIGH_CHURN)
        if metric == "churn"
        else (MEDIUM_VALUE_REVENUE, config.policy.high_value_min_monthly_revenue)
    )
    for t in listed.get("thresholds", []):
        if t["metric"] != metric:
            continue
        if band == "high" and t["op"] in (">", ">=") and t["value"] >= high:
            return True
        if band == "low" and t["op"] in ("<", "<=") and t["value"] <= medium:
            return True
    return False


def refers_to_list(ask: Ask) -> bool:
    """The message points at the list in focus ("those", "that list")."""
    return bool(ask.session.focus.found_list) and points_at_a_list(ask)


def plan_scope(ask: Ask) -> PlanScope:
    """Who the plan message means: the list in focus, a condition to find, or all.

    The list in focus when the message points at it or restates its condition; a
    condition of its own is found first (narrowing the list when it points at it
    too); the whole base when it says so, names nobody, or leaves customers out
    by a condition (:func:`leaves_out`: the answer says it is not applied).
    """
    if _EVERYONE.search(ask.u.norm) or leaves_out(ask):
        return PlanScope()
    focus = ask.session.focus
    handle = focus.found_list
    condition = condition_asked(ask)
    if handle and condition:
        listed = list_definition(focus, handle)
        if listed is not None and restates(condition, listed, ask.config):
            return PlanScope(among=handle)
    if refers_to_list(ask):
        if not condition:
            return PlanScope(among=handle)
        return PlanScope(find={**condition, "among": handle})
    return PlanScope(find=condition) if condition else PlanScope()
