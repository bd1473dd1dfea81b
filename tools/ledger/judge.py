"""The ledger's rules on one batch of booking requests: pure, no SQL, no store.

:func:`judge` is what the one booking writer (:mod:`tools.ledger.writer`) runs
inside :meth:`tools.ledger.protocol.LedgerStore.book`'s transaction, on the
:class:`~tools.ledger.model.DayState` read there: the whole batch is refused by
HYPOTHETICAL (a plan made with limits beyond the configuration) or PAST-DAY (a day
earlier than the newest the ledger holds); then each request in order by
UNKNOWN-CUSTOMER, the customer rules as the kernel gave them (a failure refuses
unless the analyst overrode that rule and it may be overridden), then the ledger's
rules (:func:`tools.eligibility.ledger_verdicts`: DUPLICATE, CAPACITY with the
high-value reservation, BUDGET, FREQUENCY), counting the requests accepted before
it in the batch. A plan row another booking already marked is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, cast

from tools.config import CVMConfig
from tools.eligibility import (
    HARD_RULES,
    Booking,
    LedgerState,
    RuleVerdict,
    ledger_verdicts,
)
from tools.errors import PolicyBlocked, ToolInputError
from tools.ledger.model import DayState, Judgement, NewBooking

if TYPE_CHECKING:
    from tools.customer import CustomerData
    from tools.ledger.group_commit import Order

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


def refuse_batch(state: DayState, day: date, plan_id: str | None) -> None:
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


def judge(
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
