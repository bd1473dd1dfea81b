"""Data kept only as long as it should be: retention, and erasing one customer.

What is kept, for how long:

* Audit records (one per turn: the question, the tools run, the model-call record
  with its usage): ``settings.audit.retention_days``. Enforced as each record is
  written, at start-up and by ``cvm retention``.
* Conversations stored by the UI (threads, with login on: their messages, steps
  and saved state): ``settings.threads.retention_days`` after their last
  activity. Enforced at start-up and by ``cvm retention``
  (:mod:`tools.thread_care`).
* Bookings: kept. The ledger must show who was contacted with what, on which day
  and on whose approval (contact-frequency rules read them; they are the record of
  consent-relevant contacts). Erasing a customer leaves them.
* Log files: bounded by size (``settings.logging.max_bytes`` x ``backup_count``);
  they carry no customer id above DEBUG (:mod:`tools.decision_log`).

``erase`` removes a customer's audit records (their transcripts and model-call
records) and replaces the id wherever other records quote it, stored threads
included (a thread that mentions them also loses its saved conversation state).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from tools.context import ToolContext

log = logging.getLogger(__name__)


class RetentionReport(NamedTuple):
    """What a retention run deleted, and the cut-off it used."""

    audit_deleted: int
    audit_before: datetime
    threads_deleted: int
    threads_before: datetime


class ErasureReport(NamedTuple):
    """What erasing a customer did."""

    customer_id: str
    audit_deleted: int
    audit_anonymised: int
    threads_anonymised: int
    thread_steps_anonymised: int
    bookings_kept: int


def enforce_retention(ctx: ToolContext) -> RetentionReport:
    """Delete what is older than the configured retention (now, by ctx's clock).

    Audit records first, then stored threads (each kind in one transaction).

    Raises:
        LedgerUnavailable: The ledger refused the delete (nothing deleted).
        StorageError: The thread store refused (its threads are all kept).
    """
    from tools.thread_care import purge_threads

    settings = ctx.config.settings
    now = ctx.now().astimezone(timezone.utc)
    before = now - timedelta(days=settings.audit.retention_days)
    deleted = ctx.ledger.purge_audit(before)
    if deleted:
        log.info(
            "retention: %d audit record(s) older than %d days deleted",
            deleted,
            settings.audit.retention_days,
        )
    threads_before = now - timedelta(days=settings.threads.retention_days)
    gone = purge_threads(ctx.config, threads_before)
    if gone:
        log.info(
            "retention: %d thread(s) idle longer than %d days deleted",
            gone,
            settings.threads.retention_days,
        )
    return RetentionReport(deleted, before, gone, threads_before)


def erase_customer(ctx: ToolContext, customer_id: str) -> ErasureReport:
    """Erase a customer's transcripts and model-call records; bookings are kept.

    The audit (ledger) first, then the stored threads: their mentions of the
    customer are replaced by ``[erased]``.

    Raises:
        LedgerUnavailable: The ledger refused (nothing erased).
        StorageError: The thread store refused (its threads unchanged).
    """
    from tools.ledger import BookingQuery
    from tools.thread_care import erase_customer_threads

    deleted, anonymised = ctx.ledger.erase_customer(customer_id)
    in_threads = erase_customer_threads(ctx.config, customer_id)
    kept = ctx.ledger.list_bookings(
        BookingQuery(
            customer_id=customer_id, include_released=True, limit=0, count=True
        )
    ).total
    log.info(
        "erase: audit records of one customer deleted (%d) / anonymised (%d); "
        "threads anonymised (%d, %d steps)",
        deleted,
        anonymised,
        in_threads.threads,
        in_threads.steps,
    )
    return ErasureReport(
        customer_id,
        deleted,
        anonymised,
        in_threads.threads,
        in_threads.steps,
        int(kept or 0),
    )
