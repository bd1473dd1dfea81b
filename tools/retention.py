"""Data kept only as long as it should be: retention, and erasing one customer.

What is kept, for how long:

* Audit records (one per turn: the question, the tools run, the model-call record
  with its usage): ``settings.audit.retention_days``. Enforced as each record is
  written, at start-up and by ``cvm retention``.
* Bookings: kept. The ledger must show who was contacted with what, on which day
  and on whose approval (contact-frequency rules read them; they are the record of
  consent-relevant contacts). Erasing a customer leaves them.
* Log files: bounded by size (``settings.logging.max_bytes`` x ``backup_count``);
  they carry no customer id above DEBUG (:mod:`tools.decision_log`).

``erase`` removes a customer's audit records (their transcripts and model-call
records) and replaces the id wherever other records quote it.
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


class ErasureReport(NamedTuple):
    """What erasing a customer did."""

    customer_id: str
    audit_deleted: int
    audit_anonymised: int
    bookings_kept: int


def enforce_retention(ctx: ToolContext) -> RetentionReport:
    """Delete what is older than the configured retention (now, by ctx's clock).

    Raises:
        LedgerUnavailable: The ledger refused the delete (nothing deleted).
    """
    days = ctx.config.settings.audit.retention_days
    before = ctx.now().astimezone(timezone.utc) - timedelta(days=days)
    deleted = ctx.ledger.purge_audit(before)
    if deleted:
        log.info(
            "retention: %d audit record(s) older than %d days deleted", deleted, days
        )
    return RetentionReport(deleted, before)


def erase_customer(ctx: ToolContext, customer_id: str) -> ErasureReport:
    """Erase a customer's transcripts and model-call records; bookings are kept.

    Raises:
        LedgerUnavailable: The ledger refused (nothing erased).
    """
    from tools.ledger import BookingQuery

    deleted, anonymised = ctx.ledger.erase_customer(customer_id)
    kept = ctx.ledger.list_bookings(
        BookingQuery(
            customer_id=customer_id, include_released=True, limit=0, count=True
        )
    ).total
    log.info(
        "erase: audit records of one customer deleted (%d) / anonymised (%d)",
        deleted,
        anonymised,
    )
    return ErasureReport(customer_id, deleted, anonymised, int(kept or 0))
