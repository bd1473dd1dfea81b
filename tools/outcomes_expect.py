"""What response to expect from a plan: P(accept) of its bookings, and the track record.

For a stored plan (default the latest), the kernel decides its customers now and
reads the P(accept) of each planned booking (the learned P when outcomes moved it);
their sum is the acceptances to expect, per treatment and in all. Beside it, the
track record of the policy so far: of the bookings reached that had an outcome, the
P the policy expected and the share that accepted (calibration), with the 95%
Wilson interval of the realised rate.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from tools.config import CVMConfig
from tools.context import ToolContext
from tools.kernel.batch import decide_ids
from tools.lazy_model import LazyModel
from tools.ledger.outcomes import TRIAL_STATUSES
from tools.outcomes_stats import wilson
from tools.planning.store import PlanRow, PlanStore


class ExpectedLine(LazyModel):
    """One treatment's planned bookings and the acceptances to expect."""

    treatment_key: str
    display_name: str
    bookings: int
    expected_accepted: float
    expected_rate: float


class ExpectedResponse(LazyModel):
    """The response a plan should get, and how the policy's P has done so far."""

    plan_id: str
    day: str
    bookings: int = Field(description="Bookings the plan makes (held out excluded).")
    held_out: int
    expected_accepted: float = Field(description="Sum of P(accept) of the bookings.")
    expected_rate: float | None
    by_treatment: list[ExpectedLine]
    track_reached: int = Field(description="Bookings reached with an outcome so far.")
    track_expected_rate: float | None = Field(description="Mean P they were given.")
    track_rate: float | None = Field(description="Share of them that accepted.")
    track_ci95: tuple[float, float] | None


class ExpectArgs(LazyModel):
    """Which plan."""

    plan_id: str | None = Field(None, description="A plan id (null: the latest).")


def expected_response(ctx: ToolContext, plan_id: str | None = None) -> ExpectedResponse:
    """What response to expect from a plan (null: the latest), with the track record.

    For 'what response should we expect from today's plan?'.

    Args:
        ctx: Configuration, ledger, customers and clock.
        plan_id: The plan (None: the latest).

    Raises:
        ToolInputError: No such plan, or no plan yet.
    """
    from tools.errors import ToolInputError

    store = PlanStore(ctx.ledger)
    plan = store.get(plan_id) if plan_id else store.latest()
    if plan is None:
        raise ToolInputError("There is no plan yet: make one first.")
    rows = store.rows(plan.plan_id)
    p = _planned_p(ctx, rows)
    lines = _lines(ctx.config, rows, p)
    groups = [g for g in ctx.ledger.outcome_groups() if g.status in TRIAL_STATUSES]
    n = sum(g.count for g in groups)
    a = sum(g.count for g in groups if g.status == "accepted")
    low, high = wilson(a, n)
    return ExpectedResponse(
        plan_id=plan.plan_id,
        day=plan.day.isoformat(),
        bookings=len(rows),
        held_out=plan.arms.held_out if plan.arms else 0,
        expected_accepted=round(float(p.sum()), 2),
        expected_rate=round(float(p.mean()), 4) if len(p) else None,
        by_treatment=sorted(lines, key=lambda line: -line.expected_accepted),
        track_reached=n,
        track_expected_rate=(
            round(sum(g.p_expected for g in groups) / n, 4) if n else None
        ),
        track_rate=round(a / n, 4) if n else None,
        track_ci95=(round(low, 4), round(high, 4)) if n else None,
    )


def _planned_p(ctx: ToolContext, rows: list[PlanRow]) -> np.ndarray:
    """P(accept) under the policy in force of each planned booking (0: unknown)."""
    config = ctx.config
    keys = list(config.treatments)
    batch = decide_ids(ctx.customers, config, sorted({r.customer_id for r in rows}))
    at = {str(c): i for i, c in enumerate(batch.customer_id)}
    return np.array(
        [
            batch.propensity[at[r.customer_id], keys.index(r.treatment_key)]
            if r.customer_id in at and r.treatment_key in keys
            else 0.0
            for r in rows
        ]
    )


def _lines(config: CVMConfig, rows: list[PlanRow], p: np.ndarray) -> list[ExpectedLine]:
    """Per treatment planned: bookings and the acceptances expected."""
    lines = []
    for key in dict.fromkeys(r.treatment_key for r in rows):
        mine = np.array([r.treatment_key == key for r in rows])
        tr = config.treatments.get(key)
        lines.append(
            ExpectedLine(
                treatment_key=key,
                display_name=tr.display_name if tr else key,
                bookings=int(mine.sum()),
                expected_accepted=round(float(p[mine].sum()), 2),
                expected_rate=round(float(p[mine].mean()), 4),
            )
        )
    return lines
