"""``cvm erase --customer-id X --yes`` and ``cvm retention``: data kept only as needed.

``erase`` deletes a customer's audit records (transcripts, model-call records) and
replaces their id where other records and the UI's stored threads quote it; their
bookings stay (the ledger must keep them, see :mod:`tools.retention`).
``retention`` deletes what is older than the configured retention now, audit
records and stored threads (it also runs at start-up and as records are written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from assistant.cli.commands import cli_context, command, emit


@command("erase")
def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a customer's transcripts and model-call records (needs --yes)."""
    from tools.data import validate_customer_id
    from tools.retention import erase_customer

    ctx = cli_context()
    cid = validate_customer_id(args.customer_id, ctx.config)
    if not args.yes:
        print(
            f"refused: APPROVAL: add --yes to erase {cid}'s transcripts and "
            "model-call records (bookings are kept)",
            file=sys.stderr,
        )
        return 1
    report = erase_customer(ctx, cid)
    emit(
        args,
        report._asdict(),
        f"erased {cid}: {report.audit_deleted} audit record(s) deleted, "
        f"{report.audit_anonymised} anonymised; {report.threads_anonymised} stored "
        f"conversation(s) anonymised ({report.thread_steps_anonymised} message(s)); "
        f"{report.bookings_kept} booking(s) "
        "kept (the ledger keeps who was contacted, when and on whose approval)",
    )
    return 0


@command("retention")
def cmd_retention(args: argparse.Namespace) -> int:
    """Delete what is older than the configured retention."""
    from tools.retention import enforce_retention

    report = enforce_retention(cli_context())
    emit(
        args,
        report._asdict(),
        f"retention: {report.audit_deleted} audit record(s) from before "
        f"{report.audit_before:%Y-%m-%d %H:%M} UTC deleted; "
        f"{report.threads_deleted} stored conversation(s) idle since before "
        f"{report.threads_before:%Y-%m-%d %H:%M} UTC deleted",
    )
    return 0


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``erase`` and ``retention`` to the ``cvm`` parser."""
    e = add("erase", "erase a customer's transcripts and model-call records")
    e.add_argument("--customer-id", required=True, help="the customer to erase")
    e.add_argument("--yes", action="store_true", help="confirm the erasure")
    add("retention", "delete records older than the configured retention")
