"""Scripted conversation tests: the file format and the runner.

What each turn and the ledger's final state must show is checked by
:mod:`assistant.evaluation.grading`.

One YAML file per conversation, graded on outcomes (what was recommended, booked,
refused) like Rasa's test stories and tau-bench's final-state checks. The format is a
public interface: keys may be added compatibly, never changed. Every conversation
runs against a fresh temporary state directory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.api import Assistant, make_model
from assistant.evaluation.grading import check_final, check_turn
from assistant.models.base import Model, UnexpectedModelCall
from assistant.models.scripted import ScriptedModel
from tools.allocation import allocate_treatment
from tools.config import get_config
from tools.context import ToolContext
from tools.errors import CVMError, PolicyBlocked


class ConversationFileError(CVMError):
    """A conversation file is unreadable or has an unknown or invalid key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScriptedCall(_Strict):
    """A tool call a scripted model makes; ``arguments`` may be a raw string."""

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    id: str | None = None


class ScriptedStep(_Strict):
    """One scripted model response."""

    content: str | None = None
    tool_calls: list[ScriptedCall] = Field(default_factory=list)


class Expect(_Strict):
    """Expectations of one turn; every key optional, strings case-insensitive."""

    tools_called: list[str] | None = None
    tools_called_any: list[str] | None = None
    tools_not_called: list[str] | None = None
    recommended: str | None = None
    recommended_not: list[str] | None = None
    allocated: str | None = None
    allocated_any: bool | None = None
    allocated_not: list[str] | None = None
    reply_contains: list[str] | None = None
    reply_contains_any: list[str] | None = None
    reply_not_contains: list[str] | None = None
    tool_error_contains: list[str] | None = None
    tool_error_contains_any: list[str] | None = None
    pending: str | None = Field(
        None,
        description="The action waiting for confirmation after the turn: its title "
        "contains this (null: nothing pending). Tools 'called' are those that ran; "
        "a WRITE only proposed (held) is the pending action, not a call.",
    )


class ConversationTurn(_Strict):
    """An analyst message, the scripted responses (scripted only), expectations."""

    user: str
    model: list[ScriptedStep] | None = None
    expect: Expect = Field(default_factory=Expect)
    approve: bool = Field(
        False,
        description="Extension: the turn is the UI's Approve of the pending action "
        "(by its server-issued id); the user text is a label and is not sent.",
    )


class SetupAllocation(_Strict):
    """A booking made through the ledger before turn 1 (rules enforced)."""

    customer_id: str
    treatment_key: str
    approved_by: str = "setup"


class Setup(_Strict):
    """State applied to the fresh ledger before turn 1."""

    allocations: list[SetupAllocation] = Field(default_factory=list)


class FinalBooking(_Strict):
    """A booking expected in the ledger at the end."""

    customer_id: str
    treatment_key: str


class Final(_Strict):
    """Extension: the ledger's final state, as tau2-bench grades the final database.

    Every key optional (at least one given); each is compared with the whole
    ledger at the end, every day, not a page of it.
    """

    allocations: list[FinalBooking] | None = Field(
        None, description="Every active booking, exactly (in any order)."
    )
    bookings: int | None = Field(None, ge=0, description="How many are active.")
    released: list[FinalBooking] | None = Field(
        None, description="Every cancelled booking, exactly (in any order)."
    )

    @model_validator(mode="after")
    def _something_expected(self) -> Final:
        if not self.model_fields_set:
            raise ValueError("expects allocations, bookings or released")
        return self


class Conversation(_Strict):
    """One conversation test."""

    name: str
    description: str | None = None
    model: Literal["offline", "scripted"] = "offline"
    now: str | None = Field(None, description="Extension: frozen clock (ISO).")
    setup: Setup | None = None
    turns: list[ConversationTurn]
    final: Final | None = None


class ConversationResult(BaseModel):
    """The outcome of running one conversation."""

    name: str
    path: str
    passed: bool
    failures: list[str] = Field(default_factory=list)


def load_conversation(path: Path) -> Conversation:
    """Read and validate one conversation file.

    Raises:
        ConversationFileError: Naming the file and the offending key.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Conversation.model_validate(raw)
    except yaml.YAMLError as exc:
        raise ConversationFileError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        e = exc.errors()[0]
        key = ".".join(str(p) for p in e["loc"])
        problem = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        raise ConversationFileError(f"{path}: {key}: {problem}") from None


def find_files(paths: list[str]) -> list[Path]:
    """Conversation files in the given files and folders, sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        found += (
            sorted(p.rglob("*.yaml")) + sorted(p.rglob("*.yml")) if p.is_dir() else [p]
        )
    return found


@contextmanager
def _frozen(now: str | None) -> Iterator[None]:
    old = os.environ.get("CVM_NOW")
    if now:
        os.environ["CVM_NOW"] = now
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CVM_NOW", None)
        else:
            os.environ["CVM_NOW"] = old


def run_conversation(path: Path, live_model: str | None = None) -> ConversationResult:
    """Run one conversation file against a fresh ledger and grade it.

    Args:
        path: The conversation file.
        live_model: ``"openai"`` to run an offline conversation against the
            configured endpoint instead of the offline planner.
    """
    conv = load_conversation(path)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cvm-conv-") as tmp, _frozen(conv.now):
        config = get_config()
        ctx = ToolContext.create(config, state_dir=tmp)
        for booking in conv.setup.allocations if conv.setup else []:
            try:
                allocate_treatment(
                    booking.customer_id, booking.treatment_key, booking.approved_by, ctx
                )
            except PolicyBlocked as exc:
                failures.append(
                    f"setup: {booking.treatment_key} for "
                    f"{booking.customer_id} refused: {exc}"
                )
        scripted = ScriptedModel() if conv.model == "scripted" else None
        model: Model = scripted or make_model(live_model or "offline", config)
        bot = Assistant(model, ctx)
        for n, step in enumerate(conv.turns, 1):
            if scripted is not None:
                scripted.add(*[s.model_dump() for s in step.model or []])
            pending = bot.session.pending
            try:
                if step.approve and pending is None:
                    failures.append(
                        f"turn {n} {step.user!r}: nothing pending to approve"
                    )
                    continue
                turn = (
                    bot.approve(pending.id)
                    if step.approve and pending
                    else bot.ask(step.user)
                )
            except UnexpectedModelCall as exc:
                failures.append(f"turn {n} {step.user!r}: {exc}")
                break
            failures += [
                f"turn {n} {step.user!r}: {f}" for f in check_turn(step.expect, turn)
            ]
            if scripted is not None:
                try:
                    scripted.assert_complete()
                except AssertionError as exc:
                    failures.append(f"turn {n} {step.user!r}: {exc}")
        if conv.final is not None:
            failures += check_final(conv.final, ctx)
        ctx.ledger.close()
    return ConversationResult(
        name=conv.name, path=str(path), passed=not failures, failures=failures
    )
