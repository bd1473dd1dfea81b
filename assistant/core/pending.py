"""A pending action: one WRITE held until the analyst confirms exactly it.

Ideas from openai-agents' ``needs_approval`` interruptions and pydantic-ai's deferred
tools: a WRITE call (from the model, the planner or a UI button) never runs when it
is made; it is held here — the exact tool and arguments, the customers it touches,
a title and its consequences, the whole messages that confirm it — under an id the
server issued. It runs only when the UI's Approve carries that id, or the analyst's
whole message is one of :attr:`PendingAction.confirmations` while it is pending and
shown (:mod:`assistant.approvals.guard`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Source = Literal["assistant", "model", "analyst"]


class PendingAction(BaseModel):
    """One WRITE waiting for the analyst's confirmation."""

    id: str = Field(description="Issued by the server; the UI button carries only it.")
    tool: str
    verb: str
    arguments: dict[str, Any]
    key: tuple[Any, ...] = Field(description="What makes two calls the same action.")
    customers: tuple[str, ...]
    title: str
    details: list[str] = Field(default_factory=list)
    confirmations: tuple[str, ...] = Field(
        description="The whole messages (normalised) that confirm it."
    )
    overrides: tuple[str, ...] = Field(
        default=(), description="Rules the analyst's own order overrides."
    )
    turn: int = 0
    source: Source = "model"

    def same_as(self, tool: str, key: tuple[Any, ...]) -> bool:
        """Whether a call (tool and identity) is exactly this action."""
        return tool == self.tool and tuple(key) == tuple(self.key)

    def question(self) -> str:
        """The action as a question for the analyst (CLI, chat history)."""
        lines = [f"Pending approval: {self.title}?"]
        lines += [f"  {d}" for d in self.details]
        first = self.confirmations[0]
        lines.append(f"Reply '{first}' to confirm it, or 'no' to drop it.")
        return "\n".join(lines)

    def reminder(self) -> str:
        """One line saying it still waits (shown under later answers)."""
        return f"Still pending: {self.title} — '{self.confirmations[0]}' / 'no'."
