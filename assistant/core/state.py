"""A conversation's state as typed data: saved with a thread, restored on resume.

:func:`to_state` turns a :class:`~assistant.core.session.Session` into a
:class:`SessionState` (pydantic, JSON-ready: no pickle); :func:`from_state` builds
a new session from it. What the analyst was looking at comes back: the history,
the customer in focus, the last recommendation, the lists shown, the plan, the
bookings made.

A pending action never comes back as approvable. It is saved only as a
:class:`WasPending` (what it was, without its id or its confirmations), and
:func:`from_state` returns that note beside a session holding no pending action:
the caller re-proposes it (a fresh id, the rules checked again, shown for
confirmation) or says it was dropped.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.messages import Message
from assistant.core.session import Focus, Offer, Session
from tools.allocation import Allocation
from tools.recommendation import Recommendation


class WasPending(BaseModel):
    """An action that was waiting for confirmation when the state was saved.

    Deliberately not a :class:`~assistant.core.pending.PendingAction`: no id,
    no confirmations. Nothing can approve it; it can only be proposed again.
    """

    model_config = ConfigDict(extra="forbid")

    tool: str
    arguments: dict[str, Any]
    title: str
    customers: tuple[str, ...] = ()
    overrides: tuple[str, ...] = Field(
        default=(), description="Rules the analyst's own order had overridden."
    )


class OfferState(BaseModel):
    """:class:`~assistant.core.session.Offer` as data."""

    model_config = ConfigDict(extra="forbid")

    customer: str
    treatment: str
    turn: int
    pending: str | None = None


class FocusState(BaseModel):
    """:class:`~assistant.core.session.Focus` as data.

    The same fields: copied by name both ways, so a field added to one and not the
    other fails the first save or resume (``extra="forbid"``), never drops silently.
    """

    model_config = ConfigDict(extra="forbid")

    customers: list[str] = Field(default_factory=list)
    options: list[str] = Field(default_factory=list)
    options_for: str | None = None
    alternative: dict[str, Any] | None = None
    found: list[str] = Field(default_factory=list)
    found_list: str | None = None
    found_parent: str | None = None
    list_filters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    found_tops: dict[str, tuple[str, int, float]] = Field(default_factory=dict)
    found_metric: str | None = None
    last_list: str | None = None
    scenarios: list[str] = Field(default_factory=list)
    compared: list[str] = Field(default_factory=list)
    offered: OfferState | None = None
    last_offer: str | None = None
    row_series: bool = False


class SessionState(BaseModel):
    """What a conversation remembers, saved with its thread."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    messages: list[Message] = Field(default_factory=list)
    customer_id: str | None = None
    last_recommendation: Recommendation | None = None
    allocations: list[Allocation] = Field(default_factory=list)
    turns: int = Field(0, ge=0)
    focus: FocusState = Field(default_factory=FocusState)
    plan_id: str | None = None
    was_pending: WasPending | None = None


def to_state(session: Session) -> SessionState:
    """The session as typed data (its pending action only as :class:`WasPending`)."""
    pending = session.pending
    was = (
        WasPending(
            tool=pending.tool,
            arguments=pending.arguments,
            title=pending.title,
            customers=pending.customers,
            overrides=pending.overrides,
        )
        if pending is not None
        else None
    )
    return SessionState(
        messages=[m.model_copy() for m in session.messages],
        customer_id=session.customer_id,
        last_recommendation=session.last_recommendation,
        allocations=list(session.allocations),
        turns=session.turns,
        focus=FocusState(**asdict(session.focus)),
        plan_id=session.plan_id,
        was_pending=was,
    )


def from_state(
    state: SessionState, approver: str, login: bool = False
) -> tuple[Session, WasPending | None]:
    """A new session from saved state, and what was pending (never held again).

    Args:
        state: The saved state.
        approver: Who approves in the resumed conversation (the logged-in user).
        login: Whether that approver logged in (see ``Session.login``).
    """
    session = Session(
        approver=approver,
        login=login,
        messages=[m.model_copy() for m in state.messages],
        customer_id=state.customer_id,
        last_recommendation=state.last_recommendation,
        allocations=list(state.allocations),
        turns=state.turns,
        focus=_focus(state.focus),
        plan_id=state.plan_id,
    )
    return session, state.was_pending


def _focus(state: FocusState) -> Focus:
    """The focus from saved state (its offer as an :class:`Offer` again)."""
    fields = state.model_dump()
    offered = fields.pop("offered")
    return Focus(**fields, offered=Offer(**offered) if offered else None)
