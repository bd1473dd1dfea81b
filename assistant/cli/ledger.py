"""``cvm allocations``: the ledger's bookings, a page at a time.

Today's bookings by default (a day filter keeps it fast on a ledger of millions of
rows); ``--day``, ``--customer-id`` or ``--all`` widen it, ``--limit`` and
``--before`` page through it newest first.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from assistant.cli.commands import cli_context, command, emit


@command("allocations")
def cmd_allocations(args: argparse.Namespace) -> int:
    """List bookings a page at a time: today's by default, ``--all`` for every day."""
    from tools.allocation import ledger_day, list_allocations

    ctx = cli_context()
    day = args.day
    if day is None and not args.customer_id and not args.all:
        day = ledger_day(ctx.config)
    rows = list_allocations(
        ctx,
        customer_id=args.customer_id,
        day=day,
        include_released=args.all or args.released,
        all_days=args.all,
        limit=args.limit,
        before_id=args.before,
    )
    text = "\n".join(
        f"#{a.allocation_id:<4} {a.day} {a.customer_id} {a.treatment_key:<20} "
        f"{a.status:<8} by {a.approved_by}"
        for a in rows
    ) or (f"no allocations on {day}" if day else "no allocations")
    if len(rows) == args.limit:
        text += (
            f"\n(first {args.limit} shown, newest first; next page: add "
            f"--before {rows[-1].allocation_id})"
        )
    emit(args, [a.model_dump(mode="json", exclude={"rules"}) for a in rows], text)
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD)"
        ) from None


def _page_size(text: str) -> int:
    from tools.allocation import MAX_PAGE

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"give a number from 1 to {MAX_PAGE}")
    return value


def _allocation_id(text: str) -> int:
    from tools.allocation import MAX_ALLOCATION_ID

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ALLOCATION_ID:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not an allocation id")
    return value


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the ``allocations`` sub-command to the ``cvm`` parser."""
    al = add("allocations", "list bookings (today's unless --all / --day / customer)")
    al.add_argument("--customer-id", help="one customer's bookings, every day")
    al.add_argument("--day", type=_day, help="bookings of this day (YYYY-MM-DD)")
    al.add_argument(
        "--all", action="store_true", help="every day, released ones too (paged)"
    )
    al.add_argument("--released", action="store_true", help="include released ones")
    al.add_argument(
        "--limit", type=_page_size, default=100, help="page size (default 100)"
    )
    al.add_argument(
        "--before", type=_allocation_id, help="next page: ids below this one"
    )
