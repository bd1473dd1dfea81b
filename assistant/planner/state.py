"""What the planner itself remembers between turns (kept by the offline model).

The conversation's own focus (customer, lists shown, plan) lives in the session
(:class:`assistant.core.session.Focus`); this is only what the planner needs
to read the next message: the last intent and utterance (so "and U126?" repeats the
last question) and the plan of the message being answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PlannerState:
    """The planner's memory of one conversation.

    Attributes:
        intent: The intent of the last message the planner understood.
        last: The utterance of the last message (its slots carry over to a
            follow-up such as "and U126?").
        pending: The plan of the current message (intent, customers, slots) while
            its tool results come in.
        proposed: Whether this message's proposal (a held WRITE) was made.
        choices: The readings offered when the last message was not understood
            (with ``choice_gists``, each in a few words as shown)
            with confidence (intent names, in the order shown), and its text.
        nearest: The closest reading the planner can do (for an honest "can't").
        rest: The other parts of a message read as several questions
            (:mod:`assistant.planner.compound`), while the first is planned.
    """

    intent: str | None = None
    last: Any = None
    pending: Any = None
    proposed: bool = False
    choices: tuple[str, ...] = ()
    choice_gists: tuple[str, ...] = ()
    choices_text: str = ""
    nearest: str | None = None
    rest: list[Any] = field(default_factory=list)
