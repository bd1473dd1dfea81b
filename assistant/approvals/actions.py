"""Pending actions: a WRITE held by the session until the analyst confirms it.

Ideas from openai-agents' ``needs_approval`` interruptions (a tool call that needs
approval pauses the run as an item the application approves or rejects by identity)
and pydantic-ai's deferred tools (``ApprovalRequired``: the call is handed back to
the application and resumed with a decision keyed by its id). Here a WRITE tool
call that the analyst has not ordered in the current message does not run: it is
held as a :class:`PendingAction` — the exact tool and arguments, the customers it
touches, a title and details (rules, value) for the analyst — with an id the server
issued. It runs only when the analyst confirms *that* action: the UI button bound
to the id, or a plain confirmation reply ("yes", "approve", "go ahead"). It expires
when the conversation moves to another customer, after a few messages on other
things, when another action replaces it, or when the analyst declines it.

Adding a WRITE action kind (e.g. "book plan <plan_id>")
------------------------------------------------------
1. Write the tool and register it in :mod:`assistant.toolkit.registry` with kind
   ``"WRITE"`` (the guard then applies to it automatically).
2. Register an :class:`ActionKind` here with :func:`register`::

       register(ActionKind(
           tool="book_plan",
           verb="book plan",
           key=lambda a: (a["plan_id"],),          # what makes two calls the same
           customers=lambda a, ctx: (),            # customers it touches
           describe=lambda a, ctx: (f"Book plan {a['plan_id']}", [detail lines]),
       ))

3. Hold it for the analyst: ``session.hold(make_action("book_plan", args, ctx,
   session.turns, "proposal"))`` when your READ tool proposes it. "yes" / Approve
   then runs exactly that call through the guard; nothing else changes.

``book_plan`` (campaign plans) is registered below exactly this way.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.approvals.orders import booking_ids_in, named_treatments
from tools.allocation import get_allocation
from tools.config import CVMConfig
from tools.context import ToolContext
from tools.errors import CVMError
from tools.recommendation import RankedTreatment
from tools.treatment import recommend_treatment

Source = Literal["proposal", "model", "analyst"]


@dataclass(frozen=True)
class ActionKind:
    """How one WRITE tool becomes a pending action.

    Attributes:
        tool: The WRITE tool's name in the registry.
        verb: What the action does, for the analyst ("book", "cancel").
        key: The arguments that identify the action (two calls with the same key
            are the same action).
        customers: The customers the action touches (the scope's customers).
        describe: A title and detail lines (rules, value) for the analyst.
        named: Whether the analyst's message names this action (then a model's
            unordered call of it is held for confirmation rather than refused).
        outcome: The reply once the approved action has run, from the tool's typed
            result (None: a generic one).
    """

    tool: str
    verb: str
    key: Callable[[dict[str, Any]], tuple[Any, ...]]
    customers: Callable[[dict[str, Any], ToolContext], tuple[str, ...]]
    describe: Callable[[dict[str, Any], ToolContext], tuple[str, list[str]]]
    named: Callable[[dict[str, Any], str, CVMConfig], bool] = lambda a, t, c: False
    outcome: Callable[[Any], str] | None = None


ACTION_KINDS: dict[str, ActionKind] = {}


def register(kind: ActionKind) -> ActionKind:
    """Make a WRITE tool's calls holdable as pending actions."""
    ACTION_KINDS[kind.tool] = kind
    return kind


class PendingAction(BaseModel):
    """One WRITE waiting for the analyst's confirmation (or granted this turn)."""

    id: str = Field(description="Issued by the server; the UI button carries only it.")
    tool: str
    verb: str
    arguments: dict[str, Any]
    customers: tuple[str, ...]
    title: str
    details: list[str] = Field(default_factory=list)
    turn: int = 0
    source: Source = "model"

    def same_as(self, tool: str, arguments: dict[str, Any]) -> bool:
        """Whether a tool call is exactly this action."""
        kind = ACTION_KINDS[tool]
        return tool == self.tool and kind.key(arguments) == kind.key(self.arguments)

    def question(self) -> str:
        """The action as a question for the analyst (CLI)."""
        lines = [f"Pending approval: {self.title}?"]
        lines += [f"  {d}" for d in self.details]
        lines.append("Reply 'yes' to confirm it, or 'no' to drop it.")
        return "\n".join(lines)


def make_action(
    tool: str,
    arguments: dict[str, Any],
    ctx: ToolContext,
    turn: int,
    source: Source,
    details: bool | list[str] = True,
) -> PendingAction:
    """A pending action for a WRITE tool call, with a fresh server-issued id.

    Args:
        tool: The WRITE tool.
        arguments: Its validated arguments.
        ctx: Configuration and ledger (to describe it).
        turn: The session's turn counter when it was made.
        source: Who proposed it: the assistant's recommendation, the model's call,
            or the analyst's own words.
        details: Evaluate the rules and value for the description (True), skip
            them (False), or these detail lines.
    """
    kind = ACTION_KINDS[tool]
    args = {k: v for k, v in arguments.items() if k in _arg_names(tool)}
    if details is True:
        title, lines = kind.describe(args, ctx)
    else:
        title, lines = _short(tool, args, ctx), list(details or [])
    return PendingAction(
        id=secrets.token_urlsafe(12),
        tool=tool,
        verb=kind.verb,
        arguments=args,
        customers=kind.customers(args, ctx),
        title=title,
        details=lines,
        turn=turn,
        source=source,
    )


def money(x: float) -> str:
    """Pounds with two decimals and a leading minus when negative."""
    return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"


def booking_action(
    customer_id: str, option: RankedTreatment, turn: int
) -> PendingAction:
    """The assistant's proposal (a ranked, lawful option) as a pending booking."""
    s = option.score
    return PendingAction(
        id=secrets.token_urlsafe(12),
        tool="allocate_treatment",
        verb="book",
        arguments={"customer_id": customer_id, "treatment_key": option.treatment_key},
        customers=(customer_id,),
        title=f"Book {option.display_name} for {customer_id}",
        details=[
            f"Expected value {money(s.expected_value)} (P {s.propensity:.2f} × "
            f"{money(s.value)} at risk − {money(s.cost)} cost).",
            "Contact rules: all hard rules pass now (checked again when it is booked).",
            f"Contact: {option.next_contact.note}",
        ],
        turn=turn,
        source="proposal",
    )


def _arg_names(tool: str) -> set[str]:
    from assistant.toolkit.registry import TOOLS

    return set(TOOLS[tool].args.model_fields)


def _short(tool: str, args: dict[str, Any], ctx: ToolContext) -> str:
    if tool == "allocate_treatment":
        t = ctx.config.treatments.get(str(args.get("treatment_key")))
        name = t.display_name if t else args.get("treatment_key")
        return f"Book {name} for {args.get('customer_id')}"
    if tool == "release_allocation":
        return f"Cancel booking #{args.get('allocation_id')}"
    return f"{tool}({', '.join(f'{k}={v}' for k, v in args.items())})"


def _describe_booking(args: dict[str, Any], ctx: ToolContext) -> tuple[str, list[str]]:
    key, cid = args["treatment_key"], args["customer_id"]
    t = ctx.config.treatments.get(key)
    title = f"Book {t.display_name if t else key} for {cid}"
    try:
        rec = recommend_treatment(cid, ctx)
    except CVMError:  # unknown customer or treatment: the tool will say so
        return title, []
    for r in rec.ranked:
        if r.treatment_key == key:
            s = r.score
            return title, [
                f"Expected value {money(s.expected_value)} (P {s.propensity:.2f} × "
                f"{money(s.value)} at risk − {money(s.cost)} cost); "
                f"{'the recommendation' if r is rec.top else 'not the top pick'}.",
                "Contact rules: all hard rules pass today "
                "(checked again when it is booked).",
                f"Contact: {r.next_contact.note}",
            ]
    for x in rec.excluded:
        if x.treatment_key == key:
            rules = "; ".join(f"{e.rule}: {e.reason}" for e in x.exclusions)
            return title, [f"Contact rules: {rules}"]
    return title, []


def _booking_customer(args: dict[str, Any], ctx: ToolContext) -> tuple[str, ...]:
    booking = get_allocation(int(args["allocation_id"]), ctx)
    return (booking.customer_id,) if booking else ()


def _describe_release(args: dict[str, Any], ctx: ToolContext) -> tuple[str, list[str]]:
    booking = get_allocation(int(args["allocation_id"]), ctx)
    if booking is None:
        return f"Cancel booking #{args['allocation_id']} (no such booking)", []
    return (
        f"Cancel booking #{booking.allocation_id} ({booking.display_name} for "
        f"{booking.customer_id})",
        [
            f"Booked by {booking.approved_by} on {booking.day}; status "
            f"{booking.status}. Cancelling frees its slot."
        ],
    )


def _cid(args: dict[str, Any]) -> str:
    return str(args["customer_id"]).strip().upper().replace("-", "")


register(
    ActionKind(
        tool="allocate_treatment",
        verb="book",
        key=lambda a: (_cid(a), a["treatment_key"]),
        customers=lambda a, ctx: (_cid(a),),
        describe=_describe_booking,
        named=lambda a, text, config: (
            a["treatment_key"] in named_treatments(text, config)
        ),
    )
)
register(
    ActionKind(
        tool="release_allocation",
        verb="cancel",
        key=lambda a: (int(a["allocation_id"]),),
        customers=lambda a, ctx: _booking_customer(a, ctx),
        describe=_describe_release,
        named=lambda a, text, config: int(a["allocation_id"]) in booking_ids_in(text),
    )
)


def _describe_plan(args: dict[str, Any], ctx: ToolContext) -> tuple[str, list[str]]:
    from tools.planning.plan import plan_store

    plan_id = str(args["plan_id"])
    try:
        plan = plan_store(ctx).get(plan_id)
    except CVMError:
        return f"Book plan {plan_id} (no such plan)", []
    return f"Book plan {plan_id}", _plan_lines(plan)


def _plan_lines(plan: Any) -> list[str]:
    return [
        f"{plan.assigned:,} bookings for {plan.day:%a %d %b}, expected value "
        f"{money(plan.expected_value)}, cost {money(plan.spend)}.",
        "Every booking is checked again against the contact rules and capacity "
        "when it is made.",
    ]


def _plan_outcome(result: Any) -> str:
    from assistant.views.plan_card import booking_answer

    return booking_answer(result)


register(
    ActionKind(
        tool="book_plan",
        verb="book plan",
        key=lambda a: (str(a["plan_id"]).strip().upper(),),
        customers=lambda a, ctx: (),
        describe=_describe_plan,
        named=lambda a, text, config: bool(
            re.search(r"\b(?:plan|campaign)\b", text, re.I)
        ),
        outcome=_plan_outcome,
    )
)


def plan_action(plan: Any, turn: int) -> PendingAction:
    """Booking a campaign plan, held for the analyst's approval of that plan id."""
    return PendingAction(
        id=secrets.token_urlsafe(12),
        tool="book_plan",
        verb="book plan",
        arguments={"plan_id": plan.plan_id},
        customers=(),
        title=f"Book plan {plan.plan_id}",
        details=_plan_lines(plan),
        turn=turn,
        source="proposal",
    )
