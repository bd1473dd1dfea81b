"""Book a stored plan (WRITE): in chunks, each one ledger transaction.

Inside each chunk's transaction every hard rule is checked again for every row: the
customer's own rules (DISABLED, CONSENT, OBJECTION, VULNERABLE) from decisions taken
now, and the ledger's (DUPLICATE, CAPACITY with the high-value reservation, BUDGET,
FREQUENCY) by :func:`tools.eligibility.ledger_verdicts` against the counts read in that
transaction. Standard customers are booked before high-value ones, the order the
plan's reservation arithmetic assumes. Each row is marked booked (with its allocation
id) or refused (with its rule) in the same transaction, so booking a plan again books
nothing new.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from pydantic import BaseModel, Field

from tools.allocation import ledger_day
from tools.clock import now as clock_now
from tools.config import CVMConfig
from tools.context import ToolContext, default_context
from tools.customer import CustomerData
from tools.eligibility import (
    HARD_RULES,
    Booking,
    LedgerState,
    ledger_verdicts,
)
from tools.errors import ToolInputError
from tools.planning.adapter import CUSTOMER_RULES, DecisionBatch
from tools.planning.plan import decide_ids, plan_store
from tools.planning.store import PlanRow

log = logging.getLogger(__name__)
CHUNK = 2_000


class Refusal(BaseModel):
    """One planned booking the rules refused."""

    customer_id: str
    treatment_key: str
    rule: str
    reason: str


class PlanBooking(BaseModel):
    """What booking a plan did."""

    plan_id: str
    booked: int = Field(description="Bookings made now.")
    already_booked: int = Field(description="Rows booked by an earlier booking.")
    refused: dict[str, int] = Field(description="Rows refused, by rule id.")
    refusals: list[Refusal] = Field(description="The first few refusals.")
    approved_by: str
    seconds: float


@dataclass(frozen=True)
class _Who:
    """What the ledger rules read of a customer: id and high-value status."""

    customer_id: str
    monthly_revenue: float


def _customer_failures(batch: DecisionBatch) -> dict[tuple[str, str], tuple[str, str]]:
    """(customer, treatment) -> (rule, reason) for pairs a customer rule refuses."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    ids = [str(c) for c in batch.customer_id]
    for rule in CUSTOMER_RULES:
        mask = batch.failed.get(rule)
        if mask is None:
            continue
        for i, j in zip(*mask.nonzero(), strict=True):
            key = (ids[int(i)], batch.treatments[int(j)])
            out.setdefault(key, (rule, f"{rule} fails for {key[0]} now"))
    return out


def _bookings(
    conn: object, ids: list[str], day: date, config: CVMConfig
) -> dict[str, list[Booking]]:
    longest = max((c.period_days for c in config.policy.frequency_caps), default=1)
    since = (day - timedelta(days=longest)).isoformat()
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT customer_id, treatment_key, channel, purpose, day FROM allocations "
        "WHERE status = 'active' AND day >= ? AND customer_id IN "
        "(SELECT value FROM json_each(?))",
        (since, json.dumps(ids)),
    ).fetchall()
    out: dict[str, list[Booking]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(
            Booking(r[1], r[2], r[3], date.fromisoformat(r[4]))
        )
    return out


def book_plan(
    plan_id: str,
    approved_by: str,
    ctx: ToolContext | None = None,
    chunk: int = CHUNK,
    decide: Callable[[list[str]], DecisionBatch] | None = None,
) -> PlanBooking:
    """Book a plan the analyst approved (WRITE); rules re-checked per booking.

    Args:
        plan_id: The plan to book, e.g. P20240306-1.
        approved_by: Who approved booking this plan.
        ctx: Configuration and ledger.
        chunk: Rows per transaction.
        decide: Decisions taken now for a list of ids (default: the context's).

    Raises:
        ToolInputError: No such plan, not today's plan, or no approver.
    """
    ctx = ctx or default_context()
    config = ctx.config
    if not approved_by.strip():
        raise ToolInputError("approved_by must name the person approving the plan")
    store = plan_store(ctx)
    plan = store.get(plan_id)
    at = clock_now()
    day = ledger_day(config, at)
    if plan.day != day:
        raise ToolInputError(
            f"Plan {plan.plan_id} is for {plan.day}; only a plan for today ({day}) "
            "can be booked."
        )
    t0 = time.perf_counter()
    rows = store.rows(plan.plan_id)
    todo = [r for r in rows if r.outcome is None]
    already = sum(1 for r in rows if r.outcome == "booked")
    booked, refused, examples = 0, Counter[str](), list[Refusal]()
    threshold = config.policy.high_value_min_monthly_revenue
    for lo in range(0, len(todo), chunk):
        part = todo[lo : lo + chunk]
        ids = sorted({r.customer_id for r in part})
        batch = decide(ids) if decide else decide_ids(ctx, ids)
        failures = _customer_failures(batch)
        high = dict(
            zip(
                (str(c) for c in batch.customer_id),
                (bool(h) for h in batch.high_value),
                strict=True,
            )
        )
        stamp = at.isoformat(timespec="seconds")
        with ctx.ledger.write() as conn:
            state = LedgerState(day=day)
            for row in conn.execute(
                "SELECT treatment_key, used, spent FROM daily_usage WHERE day = ?",
                (day.isoformat(),),
            ):
                state.used_today[row[0]], state.spent_today[row[0]] = row[1], row[2]
            history = _bookings(conn, ids, day, config)
            inserts, done, bad = [], [], []
            for r in part:
                verdict = _check(r, state, history, failures, high, threshold, config)
                if isinstance(verdict, Refusal):
                    bad.append((f"refused:{verdict.rule}", plan.plan_id, r.seq))
                    refused[verdict.rule] += 1
                    if len(examples) < 5:
                        examples.append(verdict)
                    continue
                t = config.treatments[r.treatment_key]
                inserts.append(
                    (
                        r.customer_id,
                        r.treatment_key,
                        t.channel,
                        t.purpose,
                        day.isoformat(),
                        stamp,
                        approved_by,
                        t.cost,
                        int(high.get(r.customer_id, r.high_value)),
                        verdict,
                    )
                )
                done.append(r.seq)
            conn.executemany(
                "INSERT INTO allocations (customer_id, treatment_key, channel, "
                "purpose, day, created_at, approved_by, cost, high_value, rules) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            conn.execute(
                "UPDATE plan_rows SET outcome = 'booked', allocation_id = ("
                "SELECT a.id FROM allocations a WHERE a.customer_id = "
                "plan_rows.customer_id AND a.treatment_key = plan_rows.treatment_key "
                "AND a.day = ? AND a.status = 'active') "
                "WHERE plan_id = ? AND seq IN (SELECT value FROM json_each(?))",
                (day.isoformat(), plan.plan_id, json.dumps(done)),
            )
            conn.executemany(
                "UPDATE plan_rows SET outcome = ? WHERE plan_id = ? AND seq = ?", bad
            )
        booked += len(inserts)
    report = PlanBooking(
        plan_id=plan.plan_id,
        booked=booked,
        already_booked=already,
        refused=dict(refused),
        refusals=examples,
        approved_by=approved_by,
        seconds=round(time.perf_counter() - t0, 3),
    )
    log.info(
        "plan %s booked=%d already=%d refused=%s",
        plan.plan_id,
        booked,
        already,
        dict(refused),
    )
    return report


def _check(
    r: PlanRow,
    state: LedgerState,
    history: dict[str, list[Booking]],
    failures: dict[tuple[str, str], tuple[str, str]],
    high: dict[str, bool],
    threshold: float,
    config: CVMConfig,
) -> Refusal | str:
    """A refusal, or the verdicts (JSON) to store with the booking; updates counts."""
    failed = failures.get((r.customer_id, r.treatment_key))
    if r.customer_id not in high:
        failed = ("CONSENT", f"{r.customer_id} is no longer in the customer base")
    if failed:
        return Refusal(
            customer_id=r.customer_id,
            treatment_key=r.treatment_key,
            rule=failed[0],
            reason=failed[1],
        )
    who = _Who(r.customer_id, threshold if high[r.customer_id] else 0.0)
    mine = LedgerState(
        day=state.day,
        used_today=state.used_today,
        spent_today=state.spent_today,
        customer_bookings=tuple(history.get(r.customer_id, ())),
    )
    verdicts = ledger_verdicts(cast(CustomerData, who), r.treatment_key, config, mine)
    hard = [v for v in verdicts if not v.passed and v.rule in HARD_RULES]
    if hard:
        return Refusal(
            customer_id=r.customer_id,
            treatment_key=r.treatment_key,
            rule=hard[0].rule,
            reason=hard[0].reason,
        )
    t = config.treatments[r.treatment_key]
    state.used_today[r.treatment_key] = state.used_today.get(r.treatment_key, 0) + 1
    state.spent_today[r.treatment_key] = (
        state.spent_today.get(r.treatment_key, 0.0) + t.cost
    )
    history.setdefault(r.customer_id, []).append(
        Booking(r.treatment_key, t.channel, t.purpose, state.day)
    )
    checked = [
        {"rule": rule, "passed": True, "reason": "checked when the plan was booked"}
        for rule in CUSTOMER_RULES
    ]
    return json.dumps(checked + [v.model_dump() for v in verdicts])
