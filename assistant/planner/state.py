"""What the planner remembers between turns (kept in the session, not the model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PlannerState:
    """The planner's memory of one conversation.

    Attributes:
        intent: The intent of the last message the planner understood.
        customers: The customers the last message named ("them" means them when
            there were several).
        options: Treatment keys of the last list of options shown, in order, and
            the customer they were for ("the second one").
        options_for: The customer of :attr:`options`.
        alternative: The arguments of the last alternative search (so "why?"
            explains the alternative, not the first choice).
        pending: The plan of the current message (intent, customers, slots) while
            its tool results come in.
        last: The utterance of the last message (its slots carry over to a
            follow-up such as "and U126?").
    """

    intent: str | None = None
    customers: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    options_for: str | None = None
    alternative: dict[str, Any] | None = None
    pending: Any = None
    last: Any = None
