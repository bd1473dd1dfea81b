"""Outcomes of bookings: record one (a WRITE tool) or many (an import), all or none.

An outcome says what came of a booking: ``accepted``, ``declined``, ``no_response``
or ``unreachable``, on which day, and the value it realised if known. It is stored
beside the booking in the ledger (:mod:`tools.ledger.outcomes`) with the customer's
learning cell and the P(accept) the policy in force gave the booking when it was
recorded (:func:`tools.learning.resolve_cells`); the ledger's counts of that cell
change in the same transaction, so the next decision learns from it
(:mod:`tools.kernel.learned`). A booking has one outcome: the same one again changes
nothing (a re-import), a different one replaces it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field

from tools.allocation import MAX_ALLOCATION_ID
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.learning import cell_label, resolve_cells
from tools.ledger.days import ledger_day
from tools.ledger.outcomes import (
    STATUSES,
    NewOutcome,
    OutcomeRefused,
    OutcomeStatus,
    OutcomeWrite,
)

log = logging.getLogger(__name__)


class OutcomeArgs(LazyModel):
    """What came of one booking."""

    allocation_id: int = Field(description="The booking's id (#N).")
    status: OutcomeStatus = Field(
        description="accepted, declined, no_response or unreachable."
    )
    value: float | None = Field(
        None, description="Realised value in pounds, if known (None: unknown)."
    )
    on: date | None = Field(None, description="When it happened (None: today).")


class OutcomeResult(LazyModel):
    """An outcome as recorded."""

    allocation_id: int
    customer_id: str
    treatment_key: str
    status: OutcomeStatus
    on: date
    value: float | None
    recorded_by: str
    segment: str = Field(description="The learning cell it counts in, in words.")
    p_expected: float = Field(description="P(accept) the policy gave it.")
    change: str = Field(description="recorded, replaced or unchanged.")


@dataclass(frozen=True)
class OutcomeInput:
    """One outcome to record, as given (a tool call or an import row)."""

    allocation_id: int
    status: str
    value: float | None
    on: date | None
    where: str  # how to name it in an error: "booking #3", "FILE: row 7"


class OutcomeInputError(ToolInputError):
    """An outcome that cannot be recorded; nothing was written.

    Attributes:
        where: The input named (``booking #3`` or ``FILE: row 7``).
        problem: What is wrong, one short line.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}; nothing was recorded")


def _checked(o: OutcomeInput, today: date) -> tuple[OutcomeStatus, date]:
    """The input's status and date, or the problem with it."""
    if not 1 <= o.allocation_id <= MAX_ALLOCATION_ID:
        raise OutcomeInputError(o.where, f"no booking #{o.allocation_id}")
    if o.status not in STATUSES:
        raise OutcomeInputError(
            o.where,
            f"status '{str(o.status)[:40]}' is not one of {', '.join(STATUSES)}",
        )
    if o.value is not None and not (-1e9 <= o.value <= 1e9):  # also NaN
        raise OutcomeInputError(o.where, f"value {o.value} is not an amount")
    on = o.on or today
    if on > today:
        raise OutcomeInputError(o.where, f"date {on} is after today ({today})")
    return o.status, on  # type: ignore[return-value]


def _booked_pairs(
    inputs: Sequence[OutcomeInput], ctx: ToolContext
) -> list[tuple[str, str]]:
    """Each input's booking as (customer, treatment); active bookings only.

    Raises:
        OutcomeInputError: The first input with no booking, or a released one.
    """
    bookings = ctx.ledger.outcome_bookings([o.allocation_id for o in inputs])
    for o in inputs:
        b = bookings.get(o.allocation_id)
        if b is None:
            raise OutcomeInputError(o.where, f"no booking #{o.allocation_id}")
        if b.status != "active":
            raise OutcomeInputError(
                o.where, f"booking #{o.allocation_id} was released: it has no outcome"
            )
    return [
        (bookings[o.allocation_id].customer_id, bookings[o.allocation_id].treatment_key)
        for o in inputs
    ]


def write_outcomes(
    inputs: Sequence[OutcomeInput], ctx: ToolContext, by: str
) -> tuple[OutcomeWrite, list[NewOutcome]]:
    """Record outcomes in one ledger transaction: all of them, or none.

    Raises:
        OutcomeInputError: The first input that cannot be recorded (its ``where``).
        LedgerUnavailable: The ledger cannot be written (rule LEDGER).
    """
    now, config = ctx.now(), ctx.config  # one read of the version in force
    today = ledger_day(config, now)
    checked = [_checked(o, today) for o in inputs]
    pairs = _booked_pairs(inputs, ctx)
    resolved = resolve_cells(ctx.customers, config, pairs)
    stamp = now.isoformat(timespec="seconds")
    rows: list[NewOutcome] = []
    for o, (status, on), (customer_id, key), found in zip(
        inputs, checked, pairs, resolved, strict=True
    ):
        if found is None:
            raise OutcomeInputError(
                o.where,
                f"booking #{o.allocation_id}: {customer_id} or {key} is no longer in "
                "the customer store or the catalogue in force",
            )
        rows.append(
            NewOutcome(
                o.allocation_id,
                customer_id,
                key,
                status,
                on,
                o.value,
                stamp,
                by,
                cell=found[0],
                p_expected=found[1],
            )  # fmt: skip
        )
    try:
        done = ctx.ledger.record_outcomes(rows)
    except OutcomeRefused as exc:  # the booking changed since it was read
        raise OutcomeInputError(inputs[exc.index].where, exc.problem) from None
    log.info(
        "outcomes recorded=%d replaced=%d unchanged=%d version=%d",
        done.recorded,
        done.replaced,
        done.unchanged,
        done.version,
    )
    return done, rows


def record_outcome(
    allocation_id: int,
    status: OutcomeStatus,
    ctx: ToolContext,
    value: float | None = None,
    on: date | None = None,
    approved_by: str = "analyst",
) -> OutcomeResult:
    """Record what came of a booking (WRITE), only when the analyst says so.

    Status accepted, declined, no_response or unreachable (e.g. 'U124 accepted the
    bill review'); a booking has one outcome, a new one replaces it.

    Args:
        allocation_id: The booking's id.
        status: What came of it.
        ctx: Configuration, ledger, customers and clock.
        value: Realised value in pounds, if known.
        on: When it happened (default: today).
        approved_by: Who recorded it.

    Raises:
        OutcomeInputError: No such booking, a released one, a bad status, value or
            date; nothing was recorded.
    """
    one = OutcomeInput(allocation_id, status, value, on, f"booking #{allocation_id}")
    done, [row] = write_outcomes([one], ctx, approved_by)
    change = (
        "recorded" if done.recorded else "replaced" if done.replaced else "unchanged"
    )
    return OutcomeResult(
        allocation_id=row.allocation_id,
        customer_id=row.customer_id,
        treatment_key=row.treatment_key,
        status=row.status,
        on=row.on,
        value=row.value,
        recorded_by=approved_by,
        segment=cell_label(row.cell),
        p_expected=row.p_expected,
        change=change,
    )


def check_outcome(allocation_id: int, status: str, ctx: ToolContext) -> str:
    """Refuse at once an outcome that could not be recorded; its booking in words.

    Raises:
        OutcomeInputError: No such booking, a released one, or a bad status.
    """
    where = f"booking #{allocation_id}"
    _checked(OutcomeInput(allocation_id, status, None, None, where), date.max)
    b = ctx.ledger.outcome_bookings([allocation_id]).get(allocation_id)
    if b is None:
        raise OutcomeInputError(where, f"no booking #{allocation_id}")
    if b.status != "active":
        raise OutcomeInputError(
            where, f"booking #{allocation_id} was released: it has no outcome"
        )
    return f"{b.customer_id}'s {b.treatment_key} ({b.channel}, {b.day})"
