"""Per-session conversation state and the record of one turn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from assistant.approvals.actions import PendingAction
from assistant.conversation.messages import Message
from assistant.planner.state import PlannerState
from tools.allocation import Allocation
from tools.recommendation import RankedTreatment, Recommendation


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
    pending: PendingAction | None = Field(
        None, description="A WRITE held for the analyst's confirmation this turn."
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
    proposal_for: str | None = None
    pending: PendingAction | None = None
    declined: PendingAction | None = None  # the action declined by this message
    closed: dict[str, str] = field(default_factory=dict)

    def hold(self, action: PendingAction) -> PendingAction:
        """Hold an action for confirmation; it replaces any other pending action.

        The same action proposed again keeps its id (buttons already shown stay
        valid).
        """
        if self.pending and self.pending.same_as(action.tool, action.arguments):
            return self.pending
        self.drop("replaced by another pending action")
        self.pending = action
        return action

    def drop(self, why: str) -> None:
        """Expire the pending action (it can no longer be confirmed)."""
        if self.pending:
            self.closed[self.pending.id] = why
            self.pending = None

    @property
    def pending_plan(self) -> str | None:
        """The plan id waiting for the analyst's approval (a pending book_plan)."""
        p = self.pending
        return str(p.arguments["plan_id"]) if p and p.tool == "book_plan" else None

    @pending_plan.setter
    def pending_plan(self, plan_id: str | None) -> None:
        if plan_id is not None:
            raise ValueError("hold a plan with assistant.approvals.actions.plan_action")
        if self.pending_plan is not None:
            self.drop("the plan was booked or declined")

    @property
    def proposed(self) -> str | None:
        """The treatment key last proposed to the analyst (what "book it" means)."""
        return self.proposal.treatment_key if self.proposal else None
