"""The one booking writer: a single booking and a plan's chunks, every rule at commit.

Callers bring the customer-rule verdicts the decision kernel computed (DISABLED,
CONSENT, OBJECTION, VULNERABLE, and any further customer rule such as SUITABILITY;
a single booking is a batch of one through the kernel, a plan a batch per chunk).
The writer checks who approves and what is overridden, then runs the rules
(:mod:`tools.ledger.judge`: HYPOTHETICAL and PAST-DAY for the whole batch;
UNKNOWN-CUSTOMER, the customer rules and the ledger's rules per request) inside
:meth:`tools.ledger.protocol.LedgerStore.book`'s transaction, on the state read
there, counting the bookings accepted before each request in the batch.

Accepted requests are inserted with every verdict, the overrides used and the
catalogue version they were judged on (``config.catalogue_version``) in the same
commit; plan rows are marked booked (with their allocation id) or refused (with
the rule), and a row another booking already marked is left as it is.

Single bookings made at once on one ledger (booking threads) are written together,
one transaction per group, judged one after another in arrival order: those that
come through :func:`write_bookings` by a group commit
(:mod:`tools.ledger.group_commit`), ``allocate_treatment``'s decided together
first and handed over as one group (:func:`write_orders`, from
:mod:`tools.single_bookings`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tools.config import CVMConfig
from tools.decision_log import log_booking
from tools.errors import ToolInputError
from tools.ledger.days import history_since, ledger_day
from tools.ledger.group_commit import Order, book_together, commit_orders
from tools.ledger.judge import (
    OVERRIDABLE,
    BookingRequest,
    BookingResult,
    judge,
    refuse_batch,
)
from tools.ledger.model import BookingScope, DayState, Judgement
from tools.ledger.protocol import LedgerStore

__all__ = [  # the writer's request and result types travel with it
    "BookingRequest",
    "BookingResult",
    "Order",
    "check_approval",
    "write_bookings",
    "write_orders",
]
log = logging.getLogger(__name__)


def write_bookings(
    store: LedgerStore,
    requests: Sequence[BookingRequest],
    *,
    config: CVMConfig,
    at: datetime,
    approved_by: str,
    overrides: frozenset[str] = frozenset(),
    plan_id: str | None = None,
) -> list[BookingResult]:
    """Book what the rules allow of ``requests``, in order, in one transaction.

    Args:
        store: The ledger.
        requests: The bookings asked for (a plan's rows: standard customers first).
        config: Treatments, constraints and policy in force.
        at: The instant the bookings are made (their day is its ledger day).
        approved_by: Who approved them.
        overrides: Rules the analyst explicitly overrode (only those in
            :data:`OVERRIDABLE`); recorded with each booking they let through.
        plan_id: The plan whose rows ``requests`` are (their ``plan_seq``).

    Returns:
        One result per request, in order.

    Raises:
        PolicyBlocked: The whole batch is refused (PAST-DAY, HYPOTHETICAL);
            nothing was written.
        ToolInputError: No approver, a rule that may not be overridden, or a
            plan that does not exist.
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
    """
    check_approval(approved_by, overrides)
    orders = [
        Order(r, config, at, ledger_day(config, at), approved_by, overrides)
        for r in requests
    ]
    if plan_id is None and len(orders) == 1:  # concurrent ones share a transaction
        return [book_together(store, orders[0], _commit)]
    return _commit(store, orders, plan_id)


def check_approval(approved_by: str, overrides: frozenset[str]) -> None:
    """Raise unless someone approves and only overridable rules are overridden.

    Raises:
        ToolInputError: No approver, or a rule that may not be overridden.
    """
    if not approved_by.strip():
        raise ToolInputError("approved_by must name the person approving the booking")
    if overrides - OVERRIDABLE:
        raise ToolInputError(
            f"{', '.join(sorted(overrides - OVERRIDABLE))} cannot be overridden "
            f"(only {', '.join(sorted(OVERRIDABLE))} can)"
        )


def write_orders(
    store: LedgerStore, orders: Sequence[Order]
) -> dict[Order, BookingResult | Exception]:
    """Write single bookings decided together (each its own instant and approver).

    One transaction per configuration and day, each order judged in arrival order
    against the state read inside it, as a group commit does; their approvals
    checked by :func:`check_approval` before.

    Returns:
        Each order's result, or the exception its transaction raised.
    """
    return commit_orders(store, orders, _commit)


def _commit(
    store: LedgerStore, orders: Sequence[Order], plan_id: str | None = None
) -> list[BookingResult]:
    """Judge and write orders of one configuration and day in one transaction."""
    config, day = orders[0].config, orders[0].day
    requests = [o.request for o in orders]
    scope = BookingScope(
        day=day,
        customer_ids=tuple(sorted({r.customer_id for r in requests})),
        treatments=tuple(sorted({r.treatment_key for r in requests})),
        history_since=history_since(day, config),
        plan_id=plan_id,
        plan_seqs=tuple(r.plan_seq for r in requests if r.plan_seq is not None),
    )
    judged: list[BookingResult] = []

    def judge_batch(state: DayState) -> Judgement:
        nonlocal judged  # the last call's (a backend may retry the transaction)
        refuse_batch(state, day, plan_id)
        judged, judgement = judge(state, orders, config)
        return judgement

    ids = iter(store.book(scope, judge_batch))
    out = [_with_id(r, next(ids)) if _accepted(r) else r for r in judged]
    for r in out:
        if r.marked is None:  # decided now (not left as another booking marked it)
            log_booking(
                r.request.customer_id,
                r.request.treatment_key,
                r.verdicts,
                r.booked,
                config.catalogue_version,
            )
    return out


def _accepted(r: BookingResult) -> bool:
    return not r.refused and r.marked is None


def _with_id(r: BookingResult, allocation_id: int) -> BookingResult:
    return r._replace(allocation_id=allocation_id)
