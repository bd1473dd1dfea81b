"""Which tool definitions a model call offers.

Every tool's definition is sent with every call, so each one is paid for on every
round trip. The campaign-plan tools (topic ``plan``) are offered only while plans
are in play: the analyst's message is about a plan or campaign (or who to contact
across the base, a what-if, a baseline), or the conversation already holds a plan.
Per-customer questions then cost what they cost before plans existed. Likewise the
questions-across-customers tools (topic ``base``: find and summarise customers) are
offered only when the message is about customers in the plural, counts, rankings or
the base. A call to a tool that was not offered still goes through the same dispatch
and guard.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from assistant.conversation.session import Session
from assistant.toolkit.registry import TOOLS, tool_schemas

PLAN_TALK = re.compile(
    r"\b(plans?|planning|campaigns?|what[- ]ifs?|baselines?|greedy|one by one|"
    r"first[- ]come|optimi[sz]\w*|P\d{8}-\d+|"
    r"who (should|shall|do|can|could|to) (we |i )?(call|contact|ring|reach|target|"
    r"text|e-?mail)|(across|over|for) the (whole |customer )?base|"
    r"slots? (is |are )?worth)\b",
    re.I,
)


BASE_TALK = re.compile(
    r"\b(customers|subscribers|accounts|how many|which ones|who are|top \d+|"
    r"highest|most at risk|segments?|base|summar(y|ise|ize)|overview|breakdown)\b",
    re.I,
)


@lru_cache(maxsize=4)
def _offered(topics: frozenset[str]) -> list[dict[str, Any]]:
    return [
        schema
        for schema, spec in zip(tool_schemas(), TOOLS.values(), strict=True)
        if spec.topic not in {"plan", "base"} or spec.topic in topics
    ]


def offered_tools(session: Session, message: str) -> list[dict[str, Any]]:
    """The tool definitions for a model call answering ``message``."""
    topics = set()
    if session.plan_id or session.pending_plan or PLAN_TALK.search(message):
        topics.add("plan")
    if BASE_TALK.search(message):
        topics.add("base")
    return _offered(frozenset(topics))
