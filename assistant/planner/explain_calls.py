"""Which tool answers "who's in and who's out of the plan, and why?".

The plan named by its id, else the plan this conversation is about
(``session.plan_id``): ``explain_plan`` (READ) of it.
"""

from __future__ import annotations

from assistant.planner.intent import Ask, Call, call
from assistant.planner.plan_calls import PLAN_ID


def explain_plan(ask: Ask, customer: str | None) -> list[Call]:
    """The plan named, else the conversation's, explained."""
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    return [call("explain_plan", plan_id=plan_id)]
