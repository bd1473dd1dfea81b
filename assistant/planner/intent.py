"""The shape of one intent (a row of the table) and what its parts receive."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.planner.state import PlannerState
from assistant.planner.utterance import Utterance
from assistant.toolkit.registry import TOOLS
from tools.patterns import compiled

if TYPE_CHECKING:
    from assistant.core.pending import PendingAction
    from assistant.core.session import Session, ToolCallRecord
    from assistant.toolkit.spec import ToolSpec
    from tools.config import CVMConfig
    from tools.recommendation import RankedTreatment

Call = tuple["ToolSpec[Any, Any]", BaseModel]


def call(tool: str, **fields: Any) -> Call:
    """A typed call of a tool by name: its spec and validated arguments."""
    return TOOLS[tool](**fields)


class Results:
    """This turn's tool results, typed (the tools' own pydantic objects)."""

    def __init__(self, records: list[ToolCallRecord]) -> None:
        self.records = records

    def __bool__(self) -> bool:
        return bool(self.records)

    def one(self, tool: str) -> Any:
        """The typed result of the first successful call of ``tool`` (or None)."""
        return next((v for v in self.all(tool)), None)

    def all(self, tool: str) -> list[Any]:
        """Typed results of every call of ``tool`` that ran, in call order."""
        return [r.value for r in self.records if r.name == tool and r.ok and not r.held]

    def held(self, tool: str) -> PendingAction | None:
        """The pending action a WRITE call of ``tool`` became (held, not run)."""
        return next((r.value for r in self.records if r.name == tool and r.held), None)

    def called(self, tool: str) -> bool:
        """Whether ``tool`` was called this turn (successfully or not)."""
        return any(r.name == tool for r in self.records)

    def failure(self, tool: str | None = None) -> str | None:
        """The first error (``RULE: reason`` for policy blocks), of ``tool`` or any."""
        for r in self.records:
            if not r.ok and (tool is None or r.name == tool):
                return f"{r.rule}: {r.error}" if r.rule else r.error
        return None

    def for_customer(self, customer: str) -> Results:
        """The results of calls made for one customer (and of customer-less calls)."""
        return Results(
            [
                r
                for r in self.records
                if not isinstance(r.arguments, dict)
                or str(r.arguments.get("customer_id") or customer).upper() == customer
            ]
        )


@dataclass
class Ask:
    """Everything an intent's parts see: the message, its plan and the context.

    Attributes:
        u: The message's utterance.
        customers: The customers it is about (named, referred to, or in focus).
        session: The conversation (its focus is ``session.focus``).
        memory: The planner's own memory of the conversation.
        config: The configuration in force.
        results: This turn's typed tool results (empty while planning).
        held: The proposal before this message (what "it" and "that one" meant).
        held_for: The customer of :attr:`held`.
    """

    u: Utterance
    customers: list[str]
    session: Session
    memory: PlannerState
    config: CVMConfig
    results: Results = field(default_factory=lambda: Results([]))
    held: RankedTreatment | None = None
    held_for: str | None = None

    def name(self, key: str | None) -> str:
        """A treatment's display name (the key itself when unknown)."""
        t = self.config.treatments.get(key or "")
        return t.display_name if t else str(key)


CallBuilder = Callable[[Ask, "str | None"], list[Call]]
Writer = Callable[[Ask, "str | None", Results], str]
Condition = Callable[[Utterance, Ask], bool]
Bonus = Callable[[Utterance, Ask], float]


@dataclass(frozen=True)
class Intent:
    """One thing an analyst can ask: one row of the planner's table.

    Attributes:
        name: The intent's name (what the corpus labels messages with).
        cues: ``(regex, weight)`` pairs matched on the normalised message; the
            intent's score is the sum of the weights of the cues that match.
        calls: The tool calls that answer it, for one customer (or None).
        answer: Writes the reply from this turn's typed results.
        examples: Phrasings it must understand (they double as tests).
        needs_customer: It is about a customer: without one in the message, a
            reference or the focus, the planner asks which customer.
        when: Its cues count only when this holds (evidence for the classifier).
        requires: It is possible only when this holds (a hard condition on the
            conversation: "the second one" needs a list of options).
        bonus: Extra score from the slots (e.g. a cost limit for alternatives).
        priority: Breaks ties between equal scores (higher wins).
        follow_up: Tool calls for a second round, from the first round's results.
        proposes: After its answer's results, the one action it proposes (a WRITE
            call, held for the analyst's confirmation), or None.
    """

    name: str
    cues: tuple[tuple[str, float], ...]
    calls: CallBuilder
    answer: Writer
    examples: tuple[str, ...]
    needs_customer: bool = True
    when: Condition | None = None
    requires: Condition | None = None
    bonus: Bonus | None = None
    priority: int = 0
    follow_up: CallBuilder | None = None
    proposes: Callable[[Ask, str | None], Call | None] | None = None

    def possible(self, u: Utterance, ask: Ask) -> bool:
        """Whether the conversation allows this intent at all."""
        return self.requires is None or self.requires(u, ask)

    def score(self, u: Utterance, ask: Ask) -> float:
        """How strongly the message asks for this intent (0: not at all)."""
        if not self.possible(u, ask) or (
            self.when is not None and not self.when(u, ask)
        ):
            return 0.0
        total = _cue_total(self.cues, u.norm)
        if self.bonus is not None:
            total += self.bonus(u, ask)
        return total


@lru_cache(maxsize=1024)
def _cue_total(cues: tuple[tuple[str, float], ...], norm: str) -> float:
    """The summed weight of the cues matching a message.

    A turn reads each intent's cues twice (the classifier's cue features, then the
    cues' own reading): the second is a look-up.
    """
    return sum(w for pattern, w in _compiled(cues) if pattern.search(norm))


@lru_cache(maxsize=256)
def _compiled(
    cues: tuple[tuple[str, float], ...],
) -> tuple[tuple[re.Pattern[str], float], ...]:
    """An intent's cues compiled (once per table row)."""
    return tuple((compiled(p), w) for p, w in cues)


def cue(*patterns: str, weight: float = 1.0) -> tuple[tuple[str, float], ...]:
    """Cues of one weight: ``cue("why not", "what about", weight=2)``."""
    return tuple((p, weight) for p in patterns)
