"""The offline model: a deterministic planner, the default with no API key.

It understands an analyst's request in varied phrasings, keeps the conversation's
context (current customer, last proposal, last booking), emits tool calls through the
same loop and guard as any model, then writes a grounded answer from the tool
results (:mod:`assistant.models.offline_answers`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.guard import CUSTOMER_ID, asks_for, customer_ids_in, named_treatments
from assistant.messages import Message, ModelResponse, ToolCall
from assistant.models import offline_answers as answers
from assistant.models.base import ModelRequest, TokenSink
from tools.config import CVMConfig
from tools.treatment import BASELINE

CHANNEL_WORDS: dict[str, str] = {
    r"call[- ]?backs?|calls?|phone|ring|call cent(?:re|er)|telephone": "call",
    r"sms|texts?|text messages?": "sms",
    r"e-?mails?|mail": "email",
    r"push|notifications?": "push",
    r"in-?app|app": "app",
}
_LOOSE_ID = re.compile(r"\bcustomer\s+(?:id\s+)?#?([A-Za-z0-9-]+)", re.I)
_NEGATION = re.compile(
    r"\b(?:without|no|not|avoid(?:ing)?|doesn'?t|don'?t|other than|except|rather than|"
    r"instead of|skip|never)\b",
    re.I,
)
_QUESTION_ABOUT = re.compile(r"\b(?:why|how) not\b|\bwhy (?:no|isn'?t|wasn'?t)\b", re.I)
_WINDOW_END = re.compile(r"[.;!?]|\bbut\b|\binstead\b(?! of)", re.I)
_COST = re.compile(
    r"(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|"
    r"no more than|within)\s*£?\s*(\d+(?:\.\d+)?)",
    re.I,
)
_ALLOCATION_ID = re.compile(r"(?:#|allocation\s+|booking\s+|id\s+)(\d+)", re.I)
FACETS: dict[str, str] = {
    "consents": r"consent|permission|opt(?:ed)?[- ]?(?:in|out)|contact pref|"
    r"do[- ]not[- ]disturb|dnd|quiet hours|allowed to contact|can we contact",
    "usage": r"usage|data use|how much data|allowance|gigabytes|\bgb\b|roaming",
    "bills": r"\bbills?\b|billing|charges?|invoice|payments?|overdue|arrears|spend",
    "network": r"network|signal|coverage|speed|latency|packet loss|connection|outage",
    "interactions": r"interactions?|contact history|complain|complaints|transcripts?|"
    r"chats?|call history|(?:said|say|told us|mention\w*|feedback)\b|calls? in",
    "churn": r"churn|risk|likely to leave|at risk",
    "offers": r"recommender|offers? (?:history|made|sent)|previous offers|past offers|"
    r"offers (?:has|have|did|were)",
    "plan": r"\bplan\b|tariff|allowance|tenure|revenue|arpu|value band",
    "journey": r"journey|timeline|what happened|history|events",
    "profile": r"tell me about|who is|profile|overview|summary|summar|background|facts",
}
_HELP = re.compile(
    r"^\s*(help|\?+|what can you do|what do you do|how does this work|"
    r"commands|menu|hi|hello|hey)\b",
    re.I,
)
_WHY_NOT = re.compile(
    r"\b(why not|why no|why isn'?t|why wasn'?t|why can'?t|what about|"
    r"how about|instead|could we|can we|can'?t we|would|what if|"
    r"ok|okay|fine|allowed|possible|permitted|an option|lawful|legal)\b",
    re.I,
)
_ALTERNATIVE = re.compile(
    r"\b(alternatives?|something else|anything else|another|"
    r"other options?|other than|different|instead|plan b|cheaper|"
    r"less expensive|lower cost|second best|next best option|else|"
    r"runner[- ]up|fallback)\b",
    re.I,
)
_THANKS = re.compile(
    r"^\s*(thanks|thank you|cheers|great|perfect|nice|ok|okay|"
    r"got it|understood)\b[\s!.]*$",
    re.I,
)
_WHY = re.compile(
    r"\b(why|explain|reasons?|how come|justify|rationale|what makes|"
    r"basis|evidence|break ?down|score)\b",
    re.I,
)
_CAPACITY = re.compile(
    r"\b(how many|capacity|availability|available|remaining|"
    r"left|slots?|constraints?|budget|quota|used today)\b",
    re.I,
)
_RECOMMEND = re.compile(
    r"\b(offer|recommend\w*|suggest\w*|next best|nba|best action|"
    r"what (?:should|shall|can|could|would|do) (?:we|i)|"
    r"what to do|treatment|retain|save|keep|do for|propose)\b",
    re.I,
)


@dataclass
class Plan:
    """What the analyst asked for, with the slots the planner filled."""

    intent: str
    customer: str | None = None
    treatment: str | None = None
    channel: str | None = None
    exclude_channels: list[str] = field(default_factory=list)
    max_cost: float | None = None
    facets: list[str] = field(default_factory=list)
    allocation_id: int | None = None
    follow_alternative: dict[str, Any] | None = None


def channels_in(text: str) -> list[str]:
    """Channels mentioned in the text, in order of appearance."""
    found: list[tuple[int, str]] = []
    for pattern, channel in CHANNEL_WORDS.items():
        m = re.search(rf"\b(?:{pattern})\b", text, re.I)
        if m and channel not in [c for _, c in found]:
            found.append((m.start(), channel))
    return [c for _, c in sorted(found)]


def excluded_channels(text: str) -> list[str]:
    """Channels the analyst wants to avoid ("without email or calls").

    "Why not an SMS?" asks about SMS; it excludes nothing.
    """
    text = _QUESTION_ABOUT.sub(" ", text)
    out: list[str] = []
    for m in _NEGATION.finditer(text):
        window = text[m.end() : m.end() + 45]
        end = _WINDOW_END.search(window)
        window = window[: end.start()] if end else window
        first = re.search(r"\w", window)
        found = channels_in(window)
        if found and first and first.start() < 30:
            out += [c for c in found if c not in out]
    return out


def understand(
    text: str, config: CVMConfig, session_customer: str | None, proposed: str | None
) -> Plan:
    """Turn an analyst's message into a plan (intent and slots)."""
    ids = customer_ids_in(text)
    loose = _LOOSE_ID.search(text)
    customer = (
        ids[0]
        if ids
        else (loose.group(1) if loose and not loose.group(1).isalpha() else None)
    )
    plan = Plan(intent="unknown", customer=customer or session_customer)
    treatments = named_treatments(text, config)
    plan.treatment = treatments[0] if treatments else None
    plan.exclude_channels = excluded_channels(text)
    mentioned = [c for c in channels_in(text) if c not in plan.exclude_channels]
    plan.channel = mentioned[0] if mentioned else None
    cost = _COST.search(text)
    plan.max_cost = float(cost.group(1)) if cost else None
    plan.facets = [f for f, p in FACETS.items() if re.search(p, text, re.I)]
    alloc = _ALLOCATION_ID.search(text)
    plan.allocation_id = int(alloc.group(1)) if alloc else None
    stripped = CUSTOMER_ID.sub("", text).strip(" ?.!,")

    if not text.strip() or _HELP.match(text) and not ids:
        plan.intent = "help"
    elif _THANKS.match(text):
        plan.intent = "thanks"
    elif asks_for(text, "cancel"):
        plan.intent = "cancel"
    elif asks_for(text, "book"):
        plan.intent = "book"
        plan.treatment = plan.treatment or proposed
    elif _CAPACITY.search(text) and not plan.facets[:1] == ["consents"]:
        plan.intent = "capacity"
    elif (
        plan.exclude_channels
        or plan.max_cost is not None
        or (_ALTERNATIVE.search(text) and not plan.treatment and not plan.channel)
    ):
        plan.intent = "alternative"
    elif (plan.treatment or plan.channel) and (
        _WHY_NOT.search(text) or _WHY.search(text)
    ):
        plan.intent = "why_not"
    elif plan.facets and (not _RECOMMEND.search(text) or "offers" in plan.facets):
        plan.intent = "journey" if plan.facets == ["journey"] else "facts"
    elif _WHY.search(text):
        plan.intent = "why"
    elif _RECOMMEND.search(text) or (ids and len(stripped.split()) <= 3):
        plan.intent = "recommend"
    if plan.intent == "recommend" and plan.treatment and not ids:
        plan.intent = "why_not"
    return plan


NEEDS_CUSTOMER = {
    "recommend",
    "why",
    "why_not",
    "alternative",
    "book",
    "facts",
    "journey",
}


def tool_calls_for(plan: Plan, config: CVMConfig) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls that answer a plan (empty: answer directly)."""
    c = plan.customer
    if plan.intent in NEEDS_CUSTOMER and not c:
        return []
    if plan.intent == "recommend":
        return [
            ("get_customer_data", {"customer_id": c}),
            ("recommend_treatment", {"customer_id": c}),
        ]
    if plan.intent == "why":
        if plan.follow_alternative and plan.follow_alternative["customer_id"] == c:
            return [("find_alternative_treatment", plan.follow_alternative)]
        return [("recommend_treatment", {"customer_id": c})]
    if plan.intent == "why_not":
        calls: list[tuple[str, dict[str, Any]]] = [
            ("recommend_treatment", {"customer_id": c})
        ]
        if plan.channel and not plan.treatment:
            others = [
                ch
                for ch in ("call", "sms", "email", "push", "app")
                if ch != plan.channel
            ]
            calls.append(
                (
                    "find_alternative_treatment",
                    {
                        "customer_id": c,
                        "exclude_treatments": [],
                        "exclude_channels": others,
                        "max_cost": None,
                    },
                )
            )
        return calls
    if plan.intent == "alternative":
        return [
            (
                "find_alternative_treatment",
                {
                    "customer_id": c,
                    "exclude_treatments": [],
                    "exclude_channels": plan.exclude_channels,
                    "max_cost": plan.max_cost,
                },
            )
        ]
    if plan.intent == "book":
        if not plan.treatment or plan.treatment == BASELINE:
            return []
        return [
            ("allocate_treatment", {"customer_id": c, "treatment_key": plan.treatment}),
            ("check_availability", {"treatment_key": plan.treatment}),
        ]
    if plan.intent == "cancel":
        return (
            [("release_allocation", {"allocation_id": plan.allocation_id})]
            if plan.allocation_id
            else []
        )
    if plan.intent == "capacity":
        keys = (
            [plan.treatment]
            if plan.treatment
            else [
                k
                for k, t in config.treatments.items()
                if plan.channel
                and t.channel == plan.channel
                and k in config.constraints
            ]
        )
        if keys:
            return [("check_availability", {"treatment_key": k}) for k in keys]
        return [("get_constraints", {})]
    if plan.intent == "facts":
        return [
            ("get_customer_data", {"customer_id": c}),
            ("analyze_journey", {"customer_id": c}),
        ]
    if plan.intent == "journey":
        return [
            ("build_journey", {"customer_id": c}),
            ("analyze_journey", {"customer_id": c}),
        ]
    return []


def _this_turn(messages: list[Message]) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """The analyst's latest message and this turn's tool results (name, payload)."""
    last_user = max(i for i, m in enumerate(messages) if m.role == "user")
    names = {c.id: c.name for m in messages[last_user:] for c in m.tool_calls}
    results = [
        (names.get(m.tool_call_id or "", m.name or "?"), json.loads(m.content or "{}"))
        for m in messages[last_user:]
        if m.role == "tool"
    ]
    return messages[last_user].content or "", results


class OfflineModel:
    """The deterministic planner behind the same interface as any chat model."""

    name = "offline"
    model_id = "offline-planner"
    uses_prompt = False

    def __init__(self, config: CVMConfig) -> None:
        self.config = config
        self._plans: dict[str, Plan] = {}

    def complete(
        self, request: ModelRequest, on_token: TokenSink | None = None
    ) -> ModelResponse:
        """Plan tool calls for a new message, or answer from this turn's results."""
        session = request.session
        text, results = _this_turn(request.messages)
        if not results:
            plan = understand(text, self.config, session.customer_id, session.proposed)
            if (
                plan.intent == "cancel"
                and not plan.allocation_id
                and session.allocations
            ):
                plan.allocation_id = session.allocations[-1]["allocation_id"]
            previous = self._plans.get(session.id)
            if (
                plan.intent == "why"
                and previous
                and session.proposal
                and (
                    session.proposed
                    != (session.last_recommendation or {})
                    .get("top", {})
                    .get("treatment_key")
                )
            ):
                plan.follow_alternative = previous.follow_alternative
            self._plans[session.id] = plan
            calls = tool_calls_for(plan, self.config)
            for name, args in calls:
                if name == "find_alternative_treatment":
                    plan.follow_alternative = args
            if calls:
                return self._calls(calls, session.turns, 0)
        plan = self._plans.get(session.id) or Plan(intent="unknown")
        follow_up = answers.follow_up(plan, results)
        if follow_up:
            return self._calls(follow_up, session.turns, len(results))
        reply = answers.write(plan, results, session, self.config)
        if on_token:
            for chunk in re.split(r"(?<=\n)", reply):
                on_token(chunk)
        return ModelResponse(content=reply)

    @staticmethod
    def _calls(
        calls: list[tuple[str, dict[str, Any]]], turn: int, offset: int
    ) -> ModelResponse:
        return ModelResponse(
            tool_calls=[
                ToolCall(
                    id=f"offline_{turn}_{offset + i}",
                    name=name,
                    arguments=json.dumps(args),
                )
                for i, (name, args) in enumerate(calls)
            ]
        )
