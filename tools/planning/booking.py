"""Book a stored plan (WRITE): in chunks, each one transaction of the booking writer.

Each chunk's customers go through the decision kernel now (their own rules:
DISABLED, CONSENT, OBJECTION, VULNERABLE; a customer no longer in the base is
refused UNKNOWN-CUSTOMER), and the chunk goes to the one booking writer
(:func:`tools.ledger.writer.write_bookings`), which checks PAST-DAY, refuses a
hypothetical plan, and applies the ledger's rules (DUPLICATE, CAPACITY with the
high-value reservation, BUDGET, FREQUENCY) to every row inside the transaction that
books it. Standard customers are booked before high-value ones, the order the plan's
reservation arithmetic assumes. Each row is marked booked (with its allocation id)
or refused (with its rule) in the same transaction, and a row is marked only once,
so booking a plan again, or several times at once, books each row once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from pydantic import Field

from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.ledger.days import ledger_day
from tools.ledger.writer import BookingRequest, BookingResult, write_bookings
from tools.planning.adapter import CUSTOMER_RULES, DecisionBatch
from tools.planning.model import Plan
from tools.planning.store import PlanRow, PlanStore, plan_store
from tools.rule_verdicts import RuleVerdict

log = logging.getLogger(__name__)
CHUNK = 2_000
KERNEL_CHECKED = "checked by the decision kernel when the plan was booked"


class Refusal(LazyModel):
    """One planned booking the rules refused."""

    customer_id: str
    treatment_key: str
    rule: str
    reason: str


class PlanBooking(LazyModel):
    """What booking a plan did."""

    plan_id: str
    booked: int = Field(description="Bookings made now.")
    already_booked: int = Field(description="Rows booked by an earlier booking.")
    refused: dict[str, int] = Field(description="Rows refused, by rule id.")
    refusals: list[Refusal] = Field(description="The first few refusals.")
    approved_by: str
    seconds: float


def chunk_requests(
    rows: Sequence[PlanRow], batch: DecisionBatch
) -> list[BookingRequest]:
    """The writer's requests for plan rows, with the kernel's verdicts taken now.

    Args:
        rows: Plan rows, in booking order.
        batch: The kernel's decisions for their customers (absent = not in the base).
    """
    index = {str(c): i for i, c in enumerate(batch.customer_id)}
    column = {k: j for j, k in enumerate(batch.treatments)}
    rules = [*CUSTOMER_RULES, *(r for r in batch.failed if r not in CUSTOMER_RULES)]
    passed = tuple(
        RuleVerdict.model_validate(
            {"rule": r, "passed": True, "reason": KERNEL_CHECKED}
        )
        for r in rules
    )
    i = np.array([index.get(r.customer_id, -1) for r in rows], dtype=np.int64)
    j = np.array([column.get(r.treatment_key, -1) for r in rows], dtype=np.int64)
    known = (i >= 0) & (j >= 0)
    fails = np.zeros((len(rows), len(rules)), dtype=bool)
    for k, rule in enumerate(rules):
        mask = batch.failed.get(rule)
        if mask is not None:
            fails[known, k] = np.asarray(mask, dtype=bool)[i[known], j[known]]
    high = np.asarray(batch.high_value, dtype=bool)
    out = []
    for r, at, failing in zip(rows, i.tolist(), fails.tolist(), strict=True):
        if at < 0:  # not in the customer base now
            out.append(
                BookingRequest(r.customer_id, r.treatment_key, None, plan_seq=r.seq)
            )
            continue
        verdicts = passed
        if any(failing):
            verdicts = tuple(
                RuleVerdict.model_validate(
                    {
                        "rule": rule,
                        "passed": False,
                        "reason": f"{rule} fails for {r.customer_id} now",
                    }
                )
                if failed
                else ok
                for rule, failed, ok in zip(rules, failing, passed, strict=True)
            )
        out.append(
            BookingRequest(
                customer_id=r.customer_id,
                treatment_key=r.treatment_key,
                high_value=bool(high[at]),
                customer_rules=verdicts,
                plan_seq=r.seq,
            )
        )
    return out


class _Tally:
    """The report's counts, chunk by chunk."""

    def __init__(self, already: int) -> None:
        self.booked, self.already = 0, already
        self.refused: Counter[str] = Counter()
        self.examples: list[Refusal] = []

    def add(self, results: list[BookingResult]) -> None:
        for res in results:
            if res.booked:
                self.booked += 1
            elif res.marked == "booked":  # by a booking running at the same time
                self.already += 1
            elif res.refused:
                self.refused[res.refused[0]] += 1
                if len(self.examples) < 5:
                    self.examples.append(
                        Refusal(
                            customer_id=res.request.customer_id,
                            treatment_key=res.request.treatment_key,
                            rule=res.refused[0],
                            reason=res.reason,
                        )
                    )

    def report(self, plan_id: str, approved_by: str, seconds: float) -> PlanBooking:
        """What booking the plan did (logged without customer ids)."""
        log.info(
            "plan %s booked=%d already=%d refused=%s",
            plan_id,
            self.booked,
            self.already,
            dict(self.refused),
        )
        return PlanBooking(
            plan_id=plan_id,
            booked=self.booked,
            already_booked=self.already,
            refused=dict(self.refused),
            refusals=self.examples,
            approved_by=approved_by,
            seconds=round(seconds, 3),
        )


def _todays_plan(
    plan_id: str, approved_by: str, ctx: ToolContext
) -> tuple[PlanStore, Plan, datetime]:
    """The plan to book, if an approver is named and it is for today's ledger day.

    Returns:
        The plan store, the plan and the time it is booked at.

    Raises:
        ToolInputError: No approver, no such plan, or a plan for another day.
    """
    if not approved_by.strip():
        raise ToolInputError("approved_by must name the person approving the plan")
    store = plan_store(ctx)
    plan = store.get(plan_id)
    at = ctx.now()
    day = ledger_day(ctx.config, at)
    if plan.day != day:
        raise ToolInputError(
            f"Plan {plan.plan_id} is for {plan.day}; only a plan for today ({day}) "
            "can be booked."
        )
    return store, plan, at


def book_plan(
    plan_id: str,
    approved_by: str,
    ctx: ToolContext,
    chunk: int = CHUNK,
    decide: Callable[[list[str]], DecisionBatch] | None = None,
) -> PlanBooking:
    """Book a plan the analyst approved (WRITE); rules re-checked per booking.

    Args:
        plan_id: The plan to book, e.g. P20240306-1.
        approved_by: Who approved booking this plan.
        ctx: Configuration, ledger, customers and clock.
        chunk: Rows per transaction.
        decide: Decisions taken now for a list of ids (default: the context's).

    Raises:
        ToolInputError: No such plan, not today's plan, or no approver.
        PolicyBlocked: The plan cannot be booked at all: HYPOTHETICAL (made with
            limits beyond the configuration) or PAST-DAY (the clock is behind a day
            the ledger holds).
        LedgerUnavailable: The ledger cannot be written safely (rule LEDGER).
    """
    from tools.planning.plan import decide_ids  # with the planner's modules

    store, plan, at = _todays_plan(plan_id, approved_by, ctx)
    t0 = time.perf_counter()
    rows = store.rows(plan.plan_id)
    todo = [r for r in rows if r.outcome is None]
    tally = _Tally(already=sum(1 for r in rows if r.outcome == "booked"))
    for lo in range(0, len(todo), chunk):
        part = todo[lo : lo + chunk]
        ids = sorted({r.customer_id for r in part})
        batch = decide(ids) if decide else decide_ids(ctx, ids)
        results = write_bookings(
            ctx.ledger,
            chunk_requests(part, batch),
            config=ctx.config,
            at=at,
            approved_by=approved_by,
            plan_id=plan.plan_id,
        )
        tally.add(results)
    return tally.report(plan.plan_id, approved_by, time.perf_counter() - t0)
