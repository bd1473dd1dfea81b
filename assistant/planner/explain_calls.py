"""Which tool answers "who's in and who's out of the plan, and why?".

The plan named by its id, else the plan this conversation is about
(``session.plan_id``): ``explain_plan`` (READ) of it, and of the one customer the
message names ("why is U126 not in the plan?").
"""

from __future__ import annotations

from assistant.planner.intent import Ask, Call, call
from assistant.planner.plan_calls import PLAN_ID


def explain_plan(ask: Ask, customer: str | None) -> list[Call]:
    """The plan named, else the conversation's, explained."""
    named = PLAN_ID.search(ask.u.text)
    plan_id = named.group(0).upper() if named else ask.session.plan_id
    who: list[str | None] = [*ask.u.customers[:2]] or [None]  # "U128 … not U129?"
    return [call("explain_plan", plan_id=plan_id, customer_id=c) for c in who]
