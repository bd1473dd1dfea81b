"""The guard: code that decides what a model's tool call may do.

Whatever the model asks for, a WRITE tool runs only when the analyst's *current
message* asks for that action (or the UI's approval was given), and only on the
customer and treatment the analyst approved. The ledger then re-checks every hard
contact rule at commit time. Text from customer interactions never reaches this
module: approval is read from the analyst's message alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tools.config import CVMConfig

_BOOK = re.compile(
    r"\b(book|allocate|schedule|arrange|go ahead|go for it|do it|do that|proceed|"
    r"confirm(ed)?|approve(d)?|yes|yep|yeah|ok(ay)? (book|do|go)|send it|lock it in|"
    r"make it so|let'?s do|sounds good,? book)\b",
    re.I,
)
_CANCEL = re.compile(r"\b(cancel|release|undo|revoke|withdraw|unbook|drop)\b", re.I)
_NEGATED = re.compile(
    r"\b(don'?t|do not|never|no need to|not yet|hold off|wait|stop|shouldn'?t|"
    r"should not|can'?t|cannot|without)\b[^.?!]{0,30}?\b(book|allocate|schedule|"
    r"arrange|do it|proceed|confirm|cancel|release)",
    re.I,
)
_QUESTION_ONLY = re.compile(
    r"^\s*(can|could|should|would|shall|may|is it|are we)\b[^.!]*\?\s*$", re.I
)
CUSTOMER_ID = re.compile(r"\b[uU]-?\d+\b")
_PLAN_CONFIRM = re.compile(
    r"^\W*(yes|yep|yeah|approve[d]?|confirm(ed)?|go ahead|do it|book it|"
    r"yes,? (please|book( it| the plan)?|go ahead))\W*(please)?\W*$",
    re.I,
)

Intent = Literal["book", "cancel"]


def customer_ids_in(text: str) -> list[str]:
    """Customer ids mentioned in a message, normalised ("u-124" → "U124").

    The one reading of ids in analyst text: the planner and the approval scope
    must agree on which customer a message names.
    """
    return [m.upper().replace("-", "") for m in CUSTOMER_ID.findall(text)]


def asks_for(text: str, intent: Intent) -> bool:
    """Whether the analyst's message asks for this WRITE action (deterministic).

    A negation ("don't book yet") or a mere question ("could we book it?") is not
    an instruction.
    """
    pattern = _BOOK if intent == "book" else _CANCEL
    if not pattern.search(text) or _NEGATED.search(text):
        return False
    if (
        intent == "book"
        and _QUESTION_ONLY.match(text)
        and not re.search(r"\b(please|yes)\b", text, re.I)
    ):
        return False
    return True


def named_treatments(text: str, config: CVMConfig) -> list[str]:
    """Treatment keys the analyst named, by key or display name."""
    lowered = text.lower().replace("-", " ").replace("_", " ")
    found = []
    for key, t in config.treatments.items():
        names = {key.replace("_", " "), t.display_name.lower()}
        if t.display_name.lower().endswith("personalised offer"):
            names.add("personalized offer")
        if any(re.search(rf"\b{re.escape(n)}s?\b", lowered) for n in names):
            found.append(key)
    return found


@dataclass(frozen=True)
class Approval:
    """What the analyst approved in this turn (None fields: nothing approved)."""

    book: bool = False
    cancel: bool = False
    customers: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()
    via_ui: bool = False
    plan: str | None = None  # the plan id whose booking the analyst approved


def approval_from(
    text: str,
    config: CVMConfig,
    current_customer: str | None,
    proposed: str | None,
    ui_approved: tuple[str, str] | None = None,
    pending_plan: str | None = None,
) -> Approval:
    """Read the analyst's approval from their current message (or the UI's).

    Scope: the customers named in the message (else the current customer) and the
    treatments named (else the one last proposed by the assistant).
    """
    if ui_approved and ui_approved[0] == "plan":  # approves that plan and nothing else
        return Approval(plan=ui_approved[1], via_ui=True)
    if pending_plan and _PLAN_CONFIRM.match(text):
        return Approval(plan=pending_plan)
    if ui_approved:
        return Approval(
            book=True,
            customers=(ui_approved[0],),
            treatments=(ui_approved[1],),
            via_ui=True,
        )
    customers = tuple(customer_ids_in(text)) or (
        (current_customer,) if current_customer else ()
    )
    treatments = tuple(named_treatments(text, config)) or (
        (proposed,) if proposed else ()
    )
    return Approval(
        book=asks_for(text, "book"),
        cancel=asks_for(text, "cancel"),
        customers=customers,
        treatments=treatments,
    )


@dataclass(frozen=True)
class Verdict:
    """Allow, or reject with a rule id and a message the model can act on."""

    allowed: bool
    rule: str | None = None
    message: str = ""


ALLOW = Verdict(True)


def check_write(tool: str, args: dict[str, object], approval: Approval) -> Verdict:
    """Decide whether a WRITE tool call may run (APPROVAL rule).

    Args:
        tool: The tool's name.
        args: The validated arguments.
        approval: What the analyst approved this turn.
    """
    if tool == "book_plan":
        plan = str(args.get("plan_id", "")).strip().upper()
        if approval.plan and approval.plan.upper() == plan:
            return ALLOW
        return Verdict(
            False,
            "APPROVAL",
            f"Booking plan {plan} needs the analyst's approval of that plan: show "
            "its bookings and value and ask them to approve it (reply 'yes').",
        )
    if tool == "release_allocation":
        if approval.cancel:
            return ALLOW
        return Verdict(
            False,
            "APPROVAL",
            "The analyst has not asked to cancel a "
            "booking in this message. Ask them to confirm first.",
        )
    if not approval.book:
        return Verdict(
            False,
            "APPROVAL",
            "The analyst has not asked to book in this "
            "message. Present the recommendation and ask them to confirm; "
            "book only on their explicit instruction.",
        )
    customer = str(args.get("customer_id", "")).strip().upper()
    if approval.customers and customer not in approval.customers:
        return Verdict(
            False,
            "APPROVAL",
            f"The analyst approved a booking for "
            f"{', '.join(approval.customers)}, not {customer}.",
        )
    treatment = str(args.get("treatment_key", ""))
    if approval.treatments and treatment not in approval.treatments:
        return Verdict(
            False,
            "APPROVAL",
            f"The analyst approved "
            f"{', '.join(approval.treatments)}, not {treatment}. Ask them "
            "to confirm this treatment by name.",
        )
    return ALLOW
