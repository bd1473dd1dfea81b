"""``cvm`` commands that decide and book: recommend, allocate, constraints, reset.

Each handler imports the decision core when it runs, so ``cvm --help`` and commands
that only read the ledger start without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from assistant.cli.commands import cli_approver, cli_context, command, emit
from tools.errors import PolicyBlocked


def _customer_ids(values: list[str]) -> list[str]:
    """Customer ids given space- or comma-separated ("U124 U125", "U124,U125")."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@command("recommend")
def cmd_recommend(args: argparse.Namespace) -> int:
    """Recommend the next best action; book it only with --book (and approval).

    ``--book`` is the original one-shot "process and allocate": data, journey,
    recommend, allocate, one fallback when refused, in one pass per customer. It
    needs the analyst's approval: ``--yes``, or a yes to the question asked per
    customer on a terminal. A customer already booked today is reported with that
    booking and not booked again (no runner-up on a second run).
    """
    from assistant.cli.pipeline import run_pipeline

    ctx = cli_context()
    ids = _customer_ids(args.customer_id)
    limit = ctx.config.validation.max_customers_per_batch
    if not ids:
        print("cvm: --customer-id needs at least one id", file=sys.stderr)
        return 2
    if len(ids) > limit:
        print(
            f"cvm: at most {limit} customers per batch "
            "(validation.max_customers_per_batch)",
            file=sys.stderr,
        )
        return 2
    interactive = sys.stdin.isatty() and not args.json
    if args.book and not args.yes and not interactive:
        print(
            "refused: APPROVAL: --book needs --yes (or a terminal to confirm each "
            "booking); nothing was booked",
            file=sys.stderr,
        )
        return 1
    approver = args.approver or cli_approver()
    confirm = None if args.yes else _confirm_booking
    results = [
        run_pipeline(
            cid, ctx, approved_by=approver, allocate=args.book, confirm=confirm
        )
        for cid in ids
    ]
    payload = [r.model_dump(mode="json") for r in results]
    emit(
        args,
        payload[0] if len(payload) == 1 else payload,
        "\n\n".join(r.as_text() for r in results),
    )
    return 0


def _confirm_booking(customer_id: str, treatment_key: str) -> bool:
    """Ask the analyst on the terminal; only an explicit yes approves."""
    try:
        answer = input(f"Book {treatment_key} for {customer_id}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


@command("allocate")
def cmd_allocate(args: argparse.Namespace) -> int:
    """Book one treatment (needs --yes: the analyst's explicit approval)."""
    from tools.allocation import allocate_treatment

    if not args.yes:
        print("refused: APPROVAL: add --yes to confirm the booking", file=sys.stderr)
        return 1
    try:
        a = allocate_treatment(
            args.customer_id,
            args.treatment_key,
            args.approver or cli_approver(),
            cli_context(),
        )
    except PolicyBlocked as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "status": "refused",
                        "rule": exc.rule,
                        "rules": exc.rules,
                        "reason": exc.reason,
                    }
                )
            )
        print(f"refused: {exc.rule}: {exc.reason}", file=sys.stderr)
        return 1
    nc = a.next_contact.note if a.next_contact else ""
    emit(
        args,
        {"status": "allocated", **a.model_dump(mode="json")},
        f"allocated #{a.allocation_id}: {a.display_name} for {a.customer_id} "
        f"(approved by {a.approved_by}); {nc}",
    )
    return 0


@command("constraints")
def cmd_constraints(args: argparse.Namespace) -> int:
    """Used / max / remaining today per treatment."""
    from tools.allocation import get_constraints

    report = get_constraints(cli_context())
    lines = [f"Capacity on {report.day}:"] + [
        f"  {t.treatment_key:<20} {t.used:>5} used / "
        f"{t.max_per_day if t.max_per_day is not None else '∞':>5}  "
        f"remaining {t.remaining if t.remaining is not None else '∞'}"
        + (f"  budget £{t.spent:.2f}/£{t.daily_budget:.2f}" if t.daily_budget else "")
        for t in report.treatments
    ]
    emit(args, report.model_dump(mode="json"), "\n".join(lines))
    return 0


@command("reset-constraints")
def cmd_reset(args: argparse.Namespace) -> int:
    """Admin: release every booking of today."""
    from tools.allocation import reset_constraints

    if not args.yes:
        print("refused: add --yes to release every booking of today", file=sys.stderr)
        return 1
    n = reset_constraints(cli_context(), by=cli_approver())
    print(f"released {n} booking(s) of today")
    return 0


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add recommend, allocate, constraints and reset-constraints to ``cvm``."""
    r = add("recommend", "recommend the next best action (--book to book it)")
    r.add_argument(
        "--customer-id",
        "--customer_id",
        dest="customer_id",
        required=True,
        nargs="+",
        help="one customer, or several (a batch), space- or comma-separated",
    )
    r.add_argument("--approver", help="who approves the booking (default: cli:<user>)")
    r.add_argument(
        "--book",
        action="store_true",
        help="also book the recommendation (one fallback when refused)",
    )
    r.add_argument(
        "--yes", action="store_true", help="approve the bookings (non-interactive)"
    )
    r.add_argument(
        "--no-allocate", action="store_true", help="recommend only (the default)"
    )
    a = add("allocate", "book a treatment for a customer")
    a.add_argument("--customer-id", required=True)
    a.add_argument("--treatment-key", required=True)
    a.add_argument("--approver")
    a.add_argument("--yes", action="store_true", help="confirm the booking")
    add("constraints", "capacity used and left today")
    rc = add(
        "reset-constraints", "admin: release every booking of today", json_flag=False
    )
    rc.add_argument("--yes", action="store_true")
