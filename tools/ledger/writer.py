"""The one booking writer: a single booking and a plan's chunks, every rule at commit.

Callers bring the customer-rule verdicts the decision kernel computed (DISABLED,
CONSENT, OBJECTION, VULNERABLE, and any further customer rule such as SUITABILITY;
a single booking is a batch of one through the kernel, a plan a batch per chunk).
Inside :meth:`tools.ledger.protocol.LedgerStore.book`'s transaction the writer then
decides, on the state read there:

* for the whole batch: HYPOTHETICAL (a plan made with limits beyond the
  configuration is never bookable) and PAST-DAY (no booking for a day earlier than
  the newest day the ledger holds: a clock set back);
* per request, in order: UNKNOWN-CUSTOMER (not in the customer base now), the
  customer rules as given (a failure refuses unless the analyst overrode that rule
  and it may be overridden), then the ledger's rules by
  :func:`tools.eligibility.ledger_verdicts` (DUPLICATE, CAPACITY with the
  high-value reservation, BUDGET, FREQUENCY) against the counts and history read
  in the transaction, counting the bookings accepted before it in the batch.

Accepted requests are inserted with every verdict, the overrides used and the
catalogue version they were judged on (``config.catalogue_version``) in the same
commit; plan rows are marked booked (with their allocation id) or refused (with
the rule), and a row another booking already marked is left as it is.

Single bookings made at once on one ledger (booking threads) are written together,
one transaction per group, judged one after another in arrival order
(:mod:`tools.ledger.group_commit`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple, cast

from tools.config import CVMConfig
from tools.decision_log import log_booking
from tools.eligibility import (
    HARD_RULES,
    Booking,
    LedgerState,
    RuleVerdict,
    ledger_verdicts,
)
from tools.errors import PolicyBlocked, ToolInputError
from tools.ledger.days import history_since, ledger_day
from tools.ledger.group_commit import Order, book_together
from tools.ledger.model import BookingScope, DayState, Judgement, NewBooking
from tools.ledger.protocol import LedgerStore

if TYPE_CHECKING:
    from tools.customer import CustomerData

log = logging.getLogger(__name__)
PAST_DAY = "PAST-DAY"
UNKNOWN_CUSTOMER = "UNKNOWN-CUSTOMER"
HYPOTHETICAL = "HYPOTHETICAL"
OVERRIDABLE: frozenset[str] = frozenset({"SUITABILITY"})


class BookingRequest(NamedTuple):
    """One booking to make, with what the kernel decided about the customer.

    ``high_value``: the kernel's flag (may use the reserved slots); None when the
    customer is not in the customer base now. ``customer_rules``: the kernel's
    verdicts on the customer's own hard rules (a failure refuses). ``soft_rules``:
    recorded, never refusing (APPLICABILITY). ``plan_seq``: the plan row it books.
    """

    customer_id: str
    treatment_key: str
    high_value: bool | None
    customer_rules: tuple[RuleVerdict, ...] = ()
    soft_rules: tuple[RuleVerdict, ...] = ()
    plan_seq: int | None = None


class BookingResult(NamedTuple):
    """What became of one request.

    Booked: ``allocation_id`` set. Refused: ``refused`` lists every failed hard
    rule (the first is the reason, ``reason`` their words). ``marked``: the plan
    row's outcome when another booking had already marked it (nothing done now).
    """

    request: BookingRequest
    day: date
    allocation_id: int | None = None
    verdicts: tuple[RuleVerdict, ...] = ()
    refused: tuple[str, ...] = ()
    reason: str = ""
    overrides: tuple[str, ...] = ()
    marked: str | None = None

    @property
    def booked(self) -> bool:
        """Whether this request was booked now."""
        return self.allocation_id is not None


class _Who(NamedTuple):
    """What the ledger rules read of a customer: id and high-value status."""

    customer_id: str
    monthly_revenue: float


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
    if not approved_by.strip():
        raise ToolInputError("approved_by must name the person approving the booking")
    if overrides - OVERRIDABLE:
        raise ToolInputError(
            f"{', '.join(sorted(overrides - OVERRIDABLE))} cannot be overridden "
            f"(only {', '.join(sorted(OVERRIDABLE))} can)"
        )
    orders = [
        Order(r, config, at, ledger_day(config, at), approved_by, overrides)
        for r in requests
    ]
    if plan_id is None and len(orders) == 1:  # concurrent ones share a transaction
        return [book_together(store, orders[0], _commit)]
    return _commit(store, orders, plan_id)


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

    def judge(state: DayState) -> Judgement:
        nonlocal judged  # the last call's (a backend may retry the transaction)
        _refuse_batch(state, day, plan_id)
        judged, judgement = _judge(state, orders, config)
        return judgement

    ids = iter(store.book(scope, judge))
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


def _refuse_batch(state: DayState, day: date, plan_id: str | None) -> None:
    """Refuse the whole batch: a hypothetical or missing plan, a day that is over."""
    if plan_id is not None:
        if state.plan is None:
            raise ToolInputError(f"There is no plan {plan_id!r}.")
        if state.plan.hypothetical:
            raise PolicyBlocked(
                HYPOTHETICAL,
                f"plan {plan_id} was made with limits beyond today's configuration "
                "(a what-if with extra slots or budget): it is for comparison and "
                "cannot be booked; book a plan made within today's limits",
            )
    if state.newest_day is not None and day < state.newest_day:
        raise PolicyBlocked(
            PAST_DAY,
            f"the clock says {day}, but the ledger already holds bookings for "
            f"{state.newest_day}: a day that is over cannot be booked (check the "
            "clock / CVM_NOW)",
        )


def _judge(
    state: DayState, orders: Sequence[Order], config: CVMConfig
) -> tuple[list[BookingResult], Judgement]:
    """Each request's verdicts against the state, counting the ones accepted."""
    used, spent = dict(state.used), dict(state.spent)
    history = {c: list(b) for c, b in state.history.items()}
    results: list[BookingResult] = []
    judgement = Judgement()
    for order in orders:
        req = order.request
        if req.plan_seq is not None and req.plan_seq in state.marked:
            results.append(
                BookingResult(req, state.day, marked=state.marked[req.plan_seq])
            )
            continue
        mine = LedgerState(
            state.day, used, spent, tuple(history.get(req.customer_id, ()))
        )
        result = _decide(req, mine, config, order.overrides)
        results.append(result)
        if result.refused:
            if req.plan_seq is not None:
                judgement.refused.append((req.plan_seq, result.refused[0]))
            continue
        t = config.treatments[req.treatment_key]
        used[req.treatment_key] = used.get(req.treatment_key, 0) + 1
        spent[req.treatment_key] = spent.get(req.treatment_key, 0.0) + t.cost
        history.setdefault(req.customer_id, []).append(
            Booking(req.treatment_key, t.channel, t.purpose, state.day)
        )
        judgement.bookings.append(
            NewBooking(
                customer_id=req.customer_id,
                treatment_key=req.treatment_key,
                channel=t.channel,
                purpose=t.purpose,
                day=state.day,
                created_at=order.at,
                approved_by=order.approved_by,
                cost=t.cost,
                high_value=bool(req.high_value),
                rules=result.verdicts,
                overrides=result.overrides,
                plan_seq=req.plan_seq,
                catalogue_version=config.catalogue_version,
            )
        )
    return results, judgement


def _decide(
    req: BookingRequest,
    state: LedgerState,
    config: CVMConfig,
    overrides: frozenset[str],
) -> BookingResult:
    """One request's verdicts: booked (no hard failure) or refused by rule."""
    cid, key = req.customer_id, req.treatment_key
    if req.high_value is None:
        return _refused(
            req, state.day, UNKNOWN_CUSTOMER, f"{cid} is not in the customer base now"
        )
    if key not in config.treatments:
        return _refused(req, state.day, "DISABLED", f"{key} is no longer configured")
    threshold = config.policy.high_value_min_monthly_revenue
    who = _Who(cid, threshold if req.high_value else 0.0)
    ledger = ledger_verdicts(cast("CustomerData", who), key, config, state)
    verdicts = (*req.customer_rules, *ledger, *req.soft_rules)
    failed = [v for v in req.customer_rules if not v.passed]
    used = tuple(v.rule for v in failed if v.rule in overrides)
    hard = [v for v in failed if v.rule not in overrides]
    hard += [v for v in ledger if not v.passed and v.rule in HARD_RULES]
    if not hard:
        return BookingResult(req, state.day, verdicts=verdicts, overrides=used)
    reason = "; ".join(
        v.reason if i == 0 else f"{v.rule}: {v.reason}" for i, v in enumerate(hard)
    )
    return BookingResult(
        req,
        state.day,
        verdicts=verdicts,
        refused=tuple(v.rule for v in hard),
        reason=reason,
    )


def _refused(req: BookingRequest, day: date, rule: str, reason: str) -> BookingResult:
    return BookingResult(req, day, refused=(rule,), reason=reason)
