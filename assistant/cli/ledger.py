"""``cvm allocations``, ``backup``, ``restore``, ``accept-ledger``: the ledger itself.

``allocations`` lists bookings a page at a time with the total matching: today's by
default (a day filter keeps it fast on a ledger of millions of rows); ``--day``,
``--customer-id`` or ``--all`` widen it, ``--limit`` and ``--before`` page through
it newest first. ``backup DEST`` copies the ledger while bookings go on; ``restore
SRC --yes`` puts a backup in its place; ``accept-ledger --yes`` is the operator's
explicit decision to go on with the ledger file as it is after the state dir showed
that an earlier ledger was lost (see :mod:`tools.ledger.marker`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.commands import cli_context, command, emit, iso_day

if TYPE_CHECKING:
    from tools.ledger import BackupInfo


@command("allocations")
def cmd_allocations(args: argparse.Namespace) -> int:
    """List bookings a page at a time: today's by default, ``--all`` for every day."""
    from tools.bookings import allocation_page
    from tools.ledger.days import ledger_day

    ctx = cli_context()
    day = args.day
    if day is None and not args.customer_id and not args.all:
        day = ledger_day(ctx.config, ctx.now())
    page = allocation_page(
        ctx,
        customer_id=args.customer_id,
        day=day,
        include_released=args.all or args.released,
        all_days=args.all,
        limit=args.limit,
        before_id=args.before,
    )
    rows = page.allocations
    text = "\n".join(
        f"#{a.allocation_id:<4} {a.day} {a.customer_id} {a.treatment_key:<20} "
        f"{a.status:<8} by {a.approved_by}"
        for a in rows
    ) or (f"no allocations on {day}" if day else "no allocations")
    if rows:
        which = "booking(s)" if args.all or args.released else "active booking(s)"
        where = f" on {day}" if day else ""
        text += f"\n{page.total:,} {which}{where}; showing {len(rows):,}"
    if len(rows) == args.limit:
        text += f" (newest first; next page: add --before {rows[-1].allocation_id})"
    emit(args, [a.model_dump(mode="json", exclude={"rules"}) for a in rows], text)
    return 0


@command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the ledger to a new file while bookings go on (SQLite's backup API)."""
    info = cli_context().ledger.backup(Path(args.dest))
    emit(
        args,
        _info(info),
        f"backed up ledger {info.ledger_id[:8]} ({info.bookings:,} bookings, the "
        f"last #{info.last_booking:,}) to {info.path}",
    )
    return 0


@command("restore")
def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the ledger with a backup (needs --yes); the state dir's marker too."""
    from tools.config import get_config
    from tools.ledger import LedgerStore, SQLiteLedger, ledger_url, open_ledger

    if not args.yes:
        print(
            "refused: APPROVAL: add --yes to replace the ledger with the backup",
            file=sys.stderr,
        )
        return 1
    store: LedgerStore = (  # a server ledger has no state-dir marker to recover
        open_ledger(get_config().state_path)
        if ledger_url()
        else SQLiteLedger.in_state_dir(get_config().state_path, recover=True)
    )
    info = store.restore(Path(args.src))
    emit(
        args,
        _info(info),
        f"restored ledger {info.ledger_id[:8]} ({info.bookings:,} bookings, the "
        f"last #{info.last_booking:,}) from {info.path} into {store.location}",
    )
    return 0


@command("accept-ledger")
def cmd_accept_ledger(args: argparse.Namespace) -> int:
    """Accept the ledger file as it is now, where an earlier one was lost (--yes)."""
    from tools.config import get_config
    from tools.ledger import SQLiteLedger, ledger_url

    if not args.yes:
        print(
            "refused: APPROVAL: add --yes to accept the ledger as it is now (bookings "
            "it lost will not be known)",
            file=sys.stderr,
        )
        return 1
    if ledger_url():
        print(
            "refused: a PostgreSQL ledger (CVM_LEDGER_URL) keeps no state-dir marker: "
            "there is nothing to accept",
            file=sys.stderr,
        )
        return 1
    store = SQLiteLedger.in_state_dir(get_config().state_path, recover=True)
    marker = store.accept()
    emit(
        args,
        {"ledger_id": marker.ledger_id, "last_booking": marker.last_booking},
        f"accepted ledger {marker.ledger_id[:8]} at {store.location} "
        f"(bookings up to #{marker.last_booking:,})",
    )
    return 0


def _info(info: BackupInfo) -> dict[str, object]:
    return {
        "path": str(info.path),
        "ledger_id": info.ledger_id,
        "last_booking": info.last_booking,
        "bookings": info.bookings,
        "bytes": info.bytes,
    }


def _page_size(text: str) -> int:
    from tools.bookings import MAX_PAGE

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
    al.add_argument("--day", type=iso_day, help="bookings of this day (YYYY-MM-DD)")
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
    b = add("backup", "copy the ledger to a new file (consistent while booking)")
    b.add_argument("dest", help="the new file (must not exist)")
    r = add("restore", "replace the ledger with a backup (needs --yes)")
    r.add_argument("src", help="a file made by `cvm backup`")
    r.add_argument("--yes", action="store_true", help="confirm replacing the ledger")
    a = add(
        "accept-ledger",
        "go on with the ledger file as it is after an earlier one was lost",
    )
    a.add_argument(
        "--yes", action="store_true", help="confirm (lost bookings stay lost)"
    )
