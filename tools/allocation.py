"""The Allocation tools: book, release and count treatments in the ledger.

The reads of bookings (a page, one by id) are :mod:`tools.bookings`'s, also
importable from here.

A booking goes through the one booking writer (:mod:`tools.ledger.writer`): the
decision kernel decides the customer's own rules, the writer decides PAST-DAY and
the ledger's rules inside the ledger's write transaction, so what is checked is
what is committed, across threads and processes. Bookings asked for at once on
one ledger (booking threads) are decided and written together by one of them
(:mod:`tools.single_bookings`), each as it would be alone.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import Field

from tools.allocation_results import (
    MAX_ALLOCATION_ID,
    Allocation,
    AllocationPage,
    Availability,
    ConstraintsReport,
    allocation_of,
    availability,
)
from tools.bookings import (  # the reads, public here too (tools.allocation's API)
    DEFAULT_PAGE,
    MAX_PAGE,
    allocation_page,
    get_allocation,
    list_allocations,
)
from tools.config import NO_ACTION, CVMConfig
from tools.contact_time import NextContact
from tools.context import ToolContext
from tools.eligibility import customer_verdicts
from tools.errors import PolicyBlocked, ToolInputError
from tools.lazy_model import LazyModel
from tools.ledger import LedgerStore
from tools.ledger.days import history_since, ledger_day
from tools.ledger.judge import PAST_DAY
from tools.ledger_rules import LedgerState

if TYPE_CHECKING:  # the kernel and the booking writer: loaded by the first booking
    from tools.assess import Assessment
    from tools.ledger.writer import BookingRequest, BookingResult
    from tools.single_bookings import Ask

__all__ = [
    "DEFAULT_PAGE",
    "MAX_ALLOCATION_ID",
    "MAX_PAGE",
    "PAST_DAY",
    "Allocation",
    "AllocationPage",
    "Availability",
    "ConstraintsReport",
    "allocate_treatment",
    "allocation_page",
    "check_availability",
    "get_allocation",
    "get_constraints",
    "ledger_day",
    "list_allocations",
    "read_state",
    "release_allocation",
    "reset_constraints",
]
log = logging.getLogger(__name__)


class AllocateArgs(LazyModel):
    """Arguments of ``allocate_treatment``."""

    customer_id: str
    treatment_key: str = Field(description="A treatment key, e.g. 'retention_email'.")


class ReleaseArgs(LazyModel):
    """Arguments of ``release_allocation``."""

    allocation_id: int = Field(
        ge=1, le=MAX_ALLOCATION_ID, description="The id returned by allocate_treatment."
    )


class AvailabilityArgs(LazyModel):
    """Arguments of ``check_availability``."""

    treatment_key: str = Field(
        description="A treatment key, e.g. 'marketing_call_back'."
    )


class NoArgs(LazyModel):
    """No arguments."""


def read_state(
    ledger: LedgerStore, customer_id: str | None, day: date, config: CVMConfig
) -> LedgerState:
    """Today's counts and the customer's recent bookings, as the rules need them."""
    ids = (customer_id,) if customer_id else ()
    state = ledger.day_state(day, ids, history_since(day, config))
    return state.for_customer(customer_id)


def allocate_treatment(
    customer_id: str,
    treatment_key: str,
    approved_by: str,
    ctx: ToolContext,
    overrides: frozenset[str] = frozenset(),
) -> Allocation:
    """Book a treatment for a customer today (WRITE).

    Only when the analyst asked to book. Every hard rule (consent, objection,
    vulnerable, capacity, budget, frequency, duplicate) is re-checked at commit; a
    refusal names its rule id.

    Args:
        customer_id: The customer id, e.g. U124.
        treatment_key: The treatment to book.
        approved_by: The person who approved the booking.
        ctx: Configuration, ledger, customers and clock.
        overrides: Rules the analyst's own order overrides (only the booking
            writer's ``OVERRIDABLE``: SUITABILITY); recorded with the booking when
            they failed.

    Returns:
        The booking, with the next lawful contact time.

    Raises:
        PolicyBlocked: A hard rule refused it; ``rule`` names the first rule failed
            (``PAST-DAY`` when the clock is behind a day the ledger already holds).
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
        UnknownCustomerError, InvalidCustomerIdError, UnknownTreatmentError.
        ToolInputError: The no-action baseline was asked for (nothing to book).
    """
    # the kernel and the writer load only where a booking is made
    from tools.single_bookings import Ask, book_single

    ask = Ask(
        customer_id, treatment_key, approved_by, overrides, ctx, ctx.now(), _decided
    )
    done = book_single(ask)  # decided with the single bookings asked meanwhile
    result = done.result
    if result.allocation_id is None:
        log.info(
            "allocation refused treatment=%s rules=%s",
            treatment_key,
            list(result.refused),
        )
        raise PolicyBlocked(result.refused[0], result.reason, list(result.refused))
    return _booked(result, done.request, done.contact, ask.at, approved_by, done.config)


def _decided(
    a: Assessment, ask: Ask, config: CVMConfig
) -> tuple[BookingRequest, NextContact]:
    """One booking decided on the configuration in force: what the writer gets.

    The customer's own rules are the kernel's (``a``), worded; the ledger's rules
    are the writer's, inside its transaction.

    Raises:
        UnknownTreatmentError, ToolInputError: See :func:`allocate_treatment`.
    """
    from tools.ledger.writer import BookingRequest, check_approval

    _check_bookable(ask.treatment_key, config)
    fixed = customer_verdicts(a, ask.treatment_key, config, ask.at)
    check_approval(ask.approved_by, ask.overrides)
    request = BookingRequest(
        customer_id=a.customer.customer_id,
        treatment_key=ask.treatment_key,
        high_value=bool(a.decisions.high_value[0]),
        customer_rules=fixed.before,
        soft_rules=(fixed.applicability,),
    )
    return request, fixed.next_contact


def _check_bookable(treatment_key: str, config: CVMConfig) -> None:
    """Raise unless the key names a configured treatment other than the baseline.

    Raises:
        UnknownTreatmentError: The treatment key is not configured.
        ToolInputError: The no-action baseline (nothing to book).
    """
    treatment = config.treatment(treatment_key)
    if treatment_key == NO_ACTION:
        raise ToolInputError(
            f"'{NO_ACTION}' ({treatment.display_name}) is the no-action baseline: "
            "there is nothing to book."
        )


def _booked(
    result: BookingResult,
    request: BookingRequest,
    contact: NextContact,
    at: datetime,
    approved_by: str,
    config: CVMConfig,
) -> Allocation:
    """The committed booking as the tool answers it (with the next lawful contact)."""
    treatment = config.treatment(request.treatment_key)
    assert result.allocation_id is not None
    log.info(
        "allocation #%d committed treatment=%s",
        result.allocation_id,
        request.treatment_key,
    )
    log.debug(
        "allocation #%d customer=%s approver=%s",
        result.allocation_id,
        request.customer_id,
        approved_by,
    )
    return Allocation(
        allocation_id=result.allocation_id,
        customer_id=request.customer_id,
        treatment_key=request.treatment_key,
        display_name=treatment.display_name,
        channel=treatment.channel,
        purpose=treatment.purpose,
        day=result.day,
        created_at=at.isoformat(timespec="seconds"),
        approved_by=approved_by,
        cost=treatment.cost,
        next_contact=contact,
        rules=list(result.verdicts),
        overrides=list(result.overrides),
        catalogue_version=config.catalogue_version,
    )


def release_allocation(
    allocation_id: int, released_by: str, ctx: ToolContext
) -> Allocation:
    """Cancel an active booking (WRITE).

    By allocation id, freeing its capacity. Only when the
    analyst asked to cancel.

    Args:
        allocation_id: The id returned by ``allocate_treatment``.
        released_by: Who cancelled it.
        ctx: Configuration and ledger.

    Raises:
        ToolInputError: No such booking, or it was already released.
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
    """
    if not 1 <= allocation_id <= MAX_ALLOCATION_ID:
        raise ToolInputError(f"There is no allocation #{allocation_id}.")
    before = ctx.ledger.release(allocation_id, ctx.now(), released_by)
    if before is None:
        raise ToolInputError(f"There is no allocation #{allocation_id}.")
    if before.status != "active":
        raise ToolInputError(
            f"Allocation #{allocation_id} was already released on {before.released_at}."
        )
    return allocation_of(before, ctx.config).model_copy(update={"status": "released"})


def check_availability(treatment_key: str, ctx: ToolContext) -> Availability:
    """How much of a treatment's daily capacity and budget is used and left today.

    Raises:
        UnknownTreatmentError: The treatment key is not configured.
    """
    ctx.config.treatment(treatment_key)
    state = ctx.ledger.day_state(ledger_day(ctx.config, ctx.now()))
    return availability(treatment_key, state, ctx.config)


def get_constraints(ctx: ToolContext) -> ConstraintsReport:
    """Used / maximum / remaining today, and budget, for every treatment."""
    state = ctx.ledger.day_state(ledger_day(ctx.config, ctx.now()))
    return ConstraintsReport(
        day=state.day,
        treatments=[availability(k, state, ctx.config) for k in ctx.config.treatments],
    )


def reset_constraints(ctx: ToolContext, by: str = "admin") -> int:
    """Admin only (not a model tool): release every booking of today.

    History is kept (rows are marked released). Returns how many were released.
    """
    at = ctx.now()
    return ctx.ledger.reset_day(ledger_day(ctx.config, at), at, by)
