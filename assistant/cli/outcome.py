"""``cvm outcome``, ``cvm import-outcomes``: what came of bookings, into the ledger.

``outcome ALLOCATION_ID STATUS [--value V] [--on DATE] --yes`` records one (without
``--yes`` it says what it would record and records nothing, exit 1);
``import-outcomes FILE`` records a CSV or Parquet file's outcomes, all or none (a
bad row is named, exit 2). The held-out customers' outcomes with no contact go on
their plan (:mod:`tools.outcomes_organic`): ``organic-outcome PLAN CUSTOMER
converted|not_converted [--value V] --yes`` one, ``import-organic FILE [--plan
PLAN]`` a file's. All are idempotent: the same outcome again changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.commands import (
    cli_approver,
    cli_context,
    command,
    emit,
    iso_day,
)

if TYPE_CHECKING:
    from tools.outcomes_organic import OrganicResult


@command("outcome")
def cmd_outcome(args: argparse.Namespace) -> int:
    """Record what came of one booking (needs --yes)."""
    from tools.outcomes import check_outcome, record_outcome

    ctx = cli_context()
    booking = check_outcome(args.allocation_id, args.status, ctx)
    if not args.yes:
        print(f"Outcome of booking #{args.allocation_id} ({booking}): {args.status}")
        print(
            "refused: APPROVAL: recording an outcome needs --yes; nothing recorded",
            file=sys.stderr,
        )
        return 1
    r = record_outcome(
        args.allocation_id,
        args.status,
        ctx,
        value=args.value,
        on=args.on,
        approved_by=args.approver or cli_approver(),
    )
    value = f", £{r.value:,.2f}" if r.value is not None else ""
    emit(
        args,
        r.model_dump(mode="json"),
        f"booking #{r.allocation_id} ({r.customer_id} {r.treatment_key}): "
        f"{r.status} on {r.on}{value} — {r.change}; counts among {r.segment} "
        f"(P was {r.p_expected:.2f})",
    )
    return 0


@command("import-outcomes")
def cmd_import_outcomes(args: argparse.Namespace) -> int:
    """Record a file's outcomes in one transaction, or none."""
    from tools.outcomes_import import import_outcomes

    ctx = cli_context()
    r = import_outcomes(Path(args.file), ctx, args.approver or cli_approver())
    emit(
        args,
        r.model_dump(mode="json"),
        f"{r.file}: {r.rows:,} row(s): {r.recorded:,} recorded, {r.replaced:,} "
        f"replaced, {r.unchanged:,} already so",
    )
    return 0


@command("organic-outcome")
def cmd_organic_outcome(args: argparse.Namespace) -> int:
    """Record what one held-out customer did with no contact (needs --yes)."""
    from tools.outcomes_organic import OrganicInput, record_organic

    one = OrganicInput(args.customer_id, args.status, args.value, args.customer_id)
    if not args.yes:
        value = f", £{args.value:,.2f}" if args.value is not None else ""
        print(
            f"Organic outcome of held-out {args.customer_id} in plan {args.plan_id}: "
            f"{args.status}{value}"
        )
        print(
            "refused: APPROVAL: recording an outcome needs --yes; nothing recorded",
            file=sys.stderr,
        )
        return 1
    r = record_organic(args.plan_id, [one], cli_context())
    _organic_line(args, r)
    return 0


@command("import-organic")
def cmd_import_organic(args: argparse.Namespace) -> int:
    """Record a file's held-out outcomes on their plan in one transaction, or none."""
    from tools.outcomes_organic import import_organic

    _organic_line(args, import_organic(Path(args.file), cli_context(), args.plan))
    return 0


def _organic_line(args: argparse.Namespace, r: OrganicResult) -> None:
    emit(
        args,
        r.model_dump(mode="json"),
        f"plan {r.plan_id}: {r.rows:,} held-out outcome(s): {r.recorded:,} recorded, "
        f"{r.replaced:,} replaced, {r.unchanged:,} already so; {r.measured:,} of "
        f"{r.held_out:,} held out measured",
    )


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add outcome and import-outcomes to ``cvm``."""
    o = add("outcome", "record what came of a booking")
    o.add_argument("allocation_id", type=int, help="the booking's id")
    o.add_argument(
        "status", choices=["accepted", "declined", "no_response", "unreachable"]
    )
    o.add_argument("--value", type=float, help="realised value in pounds")
    o.add_argument("--on", type=iso_day, help="when it happened (default: today)")
    o.add_argument("--approver", help="who records it (default: cli:<user>)")
    o.add_argument("--yes", action="store_true", help="record it")
    i = add("import-outcomes", "record outcomes from a CSV or Parquet file")
    i.add_argument("file", help="allocation_id, status[, on][, value] columns")
    i.add_argument("--approver", help="who records them (default: cli:<user>)")
    g = add("organic-outcome", "record what a held-out customer did with no contact")
    g.add_argument("plan_id", help="the plan that held the customer out")
    g.add_argument("customer_id", type=str.upper, help="the held-out customer")
    g.add_argument("status", choices=["converted", "not_converted"])
    g.add_argument("--value", type=float, help="value realised, pounds")
    g.add_argument("--yes", action="store_true", help="record it")
    f = add("import-organic", "record held-out customers' outcomes from a file")
    f.add_argument("file", help="customer_id, converted[, value][, plan_id] columns")
    f.add_argument("--plan", help="the plan (when the file has no plan_id column)")
