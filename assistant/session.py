"""Per-session conversation state and the record of one turn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from assistant.messages import Message
from assistant.planner.state import PlannerState
from tools.allocation import Allocation
from tools.treatment import RankedTreatment, Recommendation


class ToolCallRecord(BaseModel):
    """One tool call of a turn, as the analyst and the audit see it."""

    id: str
    name: str
    arguments: dict[str, Any] | str
    ok: bool
    error: str | None = None
    rule: str | None = None
    result: dict[str, Any] | None = None
    value: Any = Field(
        None, exclude=True, repr=False, description="The tool's typed result."
    )


class TurnUsage(BaseModel):
    """Model calls and tokens of one turn, with an estimated cost."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0


class Turn(BaseModel):
    """The outcome of one analyst message."""

    question: str
    reply: str = ""
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    recommended: str | None = None
    allocations: list[dict[str, Any]] = Field(default_factory=list)
    usage: TurnUsage = Field(default_factory=TurnUsage)
    stopped: str | None = Field(
        None, description="Why the loop stopped early (round limit, errors, model)."
    )


@dataclass
class Session:
    """What the assistant remembers within one conversation."""

    approver: str = "analyst"
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    messages: list[Message] = field(default_factory=list)
    customer_id: str | None = None
    proposal: RankedTreatment | None = None
    last_recommendation: Recommendation | None = None
    allocations: list[Allocation] = field(default_factory=list)
    turns: int = 0
    current: Turn | None = None
    planner: PlannerState = field(default_factory=PlannerState)
    plan_id: str | None = None  # the campaign plan "the plan" means
    pending_plan: str | None = None  # a plan waiting for the analyst's approval

    @property
    def proposed(self) -> str | None:
        """The treatment key last proposed to the analyst (what "book it" means)."""
        return self.proposal.treatment_key if self.proposal else None
