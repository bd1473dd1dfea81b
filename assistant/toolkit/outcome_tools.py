"""The outcome tools' specs: WRITE what came of a booking, READ how treatments did.

READ also what came of one customer's bookings (``customer_outcomes``) and the
response to expect from a plan (``expected_response``).

``record_outcome`` is one WRITE spec with its :class:`~assistant.toolkit.spec.Approval`:
held as a pending action showing the booking, the outcome and any outcome it
replaces, confirmed like any other write (the generic closed set or the UI's
Approve), then recorded through :func:`tools.outcomes.record_outcome`. An outcome
contacts nobody, so it names no customer that must be in focus. Joined to the
registry by one line in :mod:`assistant.toolkit.registry`.
"""

from __future__ import annotations

from typing import Any

from assistant.toolkit import effects
from assistant.toolkit.spec import Approval, ToolSpec, dump
from assistant.views import outcome_charts
from tools.context import ToolContext
from tools.data import CustomerIdArgs
from tools.errors import CVMError
from tools.outcomes import OutcomeArgs, OutcomeResult, check_outcome, record_outcome
from tools.outcomes_expect import ExpectArgs, expected_response
from tools.outcomes_lookup import customer_outcomes
from tools.outcomes_report import ReportArgs, outcome_report


def _key(args: OutcomeArgs) -> tuple[Any, ...]:
    """Same booking, status, value and date: same action."""
    return (args.allocation_id, args.status, args.value, args.on)


def _what(args: OutcomeArgs) -> str:
    value = f", realised value £{args.value:,.2f}" if args.value is not None else ""
    return f"{args.status.replace('_', ' ')} on {args.on or 'today'}{value}"


def _describe(args: OutcomeArgs, ctx: ToolContext) -> tuple[str, list[str]]:
    """Title and what recording it does (or why it cannot be recorded)."""
    title = f"Record the outcome of booking #{args.allocation_id}: {_what(args)}"
    try:
        booking = check_outcome(args.allocation_id, args.status, ctx)
    except CVMError as exc:
        return title, [str(exc)]
    lines = [
        f"Booking #{args.allocation_id}: {booking}.",
        "It counts toward the learned acceptance of this treatment among customers "
        "like this one (new decisions use it at once).",
    ]
    for old in ctx.ledger.get_outcomes([args.allocation_id]):
        lines.append(
            f"It replaces the outcome recorded by {old.recorded_by}: "
            f"{old.status.replace('_', ' ')} on {old.on}."
        )
    return title, lines


def _check(args: OutcomeArgs, ctx: ToolContext) -> None:
    check_outcome(args.allocation_id, args.status, ctx)


def _done(result: OutcomeResult, ctx: ToolContext) -> str:
    value = f", £{result.value:,.2f}" if result.value is not None else ""
    return (
        f"**Recorded:** booking #{result.allocation_id} ({result.customer_id}, "
        f"{result.treatment_key}) {result.status.replace('_', ' ')} on {result.on}"
        f"{value} — {result.change}. It counts among {result.segment} (P(accept) "
        f"was {result.p_expected:.2f})."
    )


RECORD = Approval[OutcomeArgs, OutcomeResult](
    verb="record the outcome",
    key=_key,
    customers=lambda a, ctx: (),
    describe=_describe,
    outcome=_done,
    check=_check,
)

SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(record_outcome, OutcomeArgs, "WRITE", dump, approval=RECORD),
    ToolSpec(
        outcome_report, ReportArgs, "READ", dump, chart=outcome_charts.report_charts
    ),
    ToolSpec(expected_response, ExpectArgs, "READ", dump),
    ToolSpec(
        customer_outcomes,
        CustomerIdArgs,
        "READ",
        dump,
        effect=effects.focus_customer,
    ),
]
