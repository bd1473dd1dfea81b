"""Champion vs challenger (and the holdout) of plans, from recorded outcomes.

For the plans whose bookings have outcomes dated in the period, each booking's arm
is drawn again from its customer id and the plan's day with the shares the plan
recorded (:mod:`tools.planning.holdout`: the same hash, so anyone can check it).
Per arm: the bookings reached (accepted, declined or no response), the acceptances
with their 95% Wilson interval, the P(accept) the policy expected, and the realised
value per booking reached. Uplift of the champion over the challenger: the
difference in acceptance rate with Newcombe's 95% interval, and in realised value
per booking reached with Welch's 95% interval (:mod:`tools.outcomes_stats`).

The held-out customers are counted from the plans; they were never contacted, so
no booking carries their outcome. Where a plan's held-out rows carry one measured
with no contact (``converted``, ``realised_value``: recorded by the team with
:mod:`tools.outcomes_organic`, or by a simulated month from what the hidden model
says they did, :mod:`tools.simulation.experiment`), the uplift of
treated (the champion's bookings) over held out is estimated the same way: the
difference in acceptance (Newcombe) and in realised value per customer (Welch).
Where none is measured, the report says so rather than estimate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import numpy.typing as npt
from pydantic import Field

from tools.lazy_model import LazyModel
from tools.learning_config import Experiment
from tools.ledger import LedgerStore
from tools.ledger.outcomes import TRIAL_STATUSES, StoredOutcome
from tools.outcomes_stats import mean_diff, rate_diff, wilson
from tools.planning.holdout import ARM_NAMES, CHALLENGER, CHAMPION, arms
from tools.planning.model import HeldOut
from tools.planning.store import PlanStore

HOLDOUT_NOTE = (
    "held-out customers were not contacted: no booking carries their outcome, so "
    "the uplift of treated over held out is not estimated until what they did on "
    "their own is recorded (cvm import-organic FILE --plan PLAN)"
)
MEASURED_NOTE = (
    "held-out customers' outcomes with no contact, as recorded with their plans"
)


class ArmRow(LazyModel):
    """One arm's outcomes across the plans."""

    arm: str = Field(description="champion, challenger or held out (no contact)")
    reached: int
    accepted: int
    rate: float | None
    ci95: tuple[float, float] | None = Field(description="Wilson 95% interval.")
    expected_rate: float | None = Field(description="Mean P(accept) expected.")
    value_per_reached: float | None = Field(description="Realised £ per reached.")


class Uplift(LazyModel):
    """The champion's lift over the challenger (difference, 95% interval)."""

    rate_diff: float
    rate_ci95: tuple[float, float] = Field(description="Newcombe 95% interval.")
    value_diff: float | None = Field(description="£ per booking reached.")
    value_ci95: tuple[float, float] | None = Field(description="Welch 95% interval.")


class ArmReport(LazyModel):
    """Arms of the plans with outcomes in the period."""

    plans: int = Field(description="Plans with outcomes in the period.")
    held_out: int = Field(description="Customers those plans held out.")
    arms: list[ArmRow]
    champion_vs_challenger: Uplift | None = Field(
        description="None: an arm has fewer than 2 bookings reached."
    )
    held_out_measured: int = Field(0, description="Held out with an outcome measured.")
    treated_vs_held_out: Uplift | None = Field(
        None, description="Champion over held out (None: under 2 measured)."
    )
    holdout_note: str = HOLDOUT_NOTE


def _rounded(ci: tuple[float, float]) -> tuple[float, float]:
    return round(ci[0], 4), round(ci[1], 4)


def _arm_row(name: str, outcomes: list[StoredOutcome]) -> ArmRow:
    reached = [o for o in outcomes if o.status in TRIAL_STATUSES]
    n = len(reached)
    a = sum(o.status == "accepted" for o in reached)
    value = sum(o.value or 0.0 for o in reached)
    return ArmRow(
        arm=name,
        reached=n,
        accepted=a,
        rate=round(a / n, 4) if n else None,
        ci95=_rounded(wilson(a, n)) if n else None,
        expected_rate=round(sum(o.p_expected for o in reached) / n, 4) if n else None,
        value_per_reached=round(value / n, 2) if n else None,
    )


Units = tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]  # accepted, value


def _reached(outcomes: list[StoredOutcome]) -> Units:
    x = [o for o in outcomes if o.status in TRIAL_STATUSES]
    return (
        np.array([o.status == "accepted" for o in x], dtype=bool),
        np.array([o.value or 0.0 for o in x], dtype=np.float64),
    )


def lift(x: Units, y: Units) -> Uplift | None:
    """Group ``x``'s lift over ``y``: acceptance and value (None: under 2 in one)."""
    (ax, vx), (ay, vy) = x, y
    if len(ax) < 2 or len(ay) < 2:
        return None
    diff, low, high = rate_diff(int(ax.sum()), len(ax), int(ay.sum()), len(ay))
    value = mean_diff(vx, vy)
    return Uplift(
        rate_diff=round(diff, 4),
        rate_ci95=(round(low, 4), round(high, 4)),
        value_diff=round(float(vx.mean() - vy.mean()), 2),
        value_ci95=None if value is None else (round(value[1], 2), round(value[2], 2)),
    )


def _held_row(units: Units) -> ArmRow:
    """The held out measured with no contact, as an arm row (nobody was reached)."""
    took, value = units
    n, a = len(took), int(took.sum())
    return ArmRow(
        arm="held out (no contact)",
        reached=n,
        accepted=a,
        rate=round(a / n, 4),
        ci95=_rounded(wilson(a, n)),
        expected_rate=None,
        value_per_reached=round(float(value.mean()), 2),
    )


def uplift(
    champion: list[StoredOutcome], challenger: list[StoredOutcome]
) -> Uplift | None:
    """The champion's lift over the challenger (None: under 2 reached in an arm)."""
    return lift(_reached(champion), _reached(challenger))


def _in(o: StoredOutcome, since: date | None, until: date) -> bool:
    return (since is None or o.on >= since) and o.on <= until


def arm_report(
    ledger: LedgerStore, plan_ids: Iterable[str], since: date | None, until: date
) -> ArmReport:
    """Champion and challenger outcomes of these plans dated ``since``..``until``."""
    store = PlanStore(ledger)
    by_arm: dict[int, list[StoredOutcome]] = {CHAMPION: [], CHALLENGER: []}
    plans = held = 0
    measured: list[HeldOut] = []
    for plan_id in sorted(set(plan_ids)):
        plan = store.get(plan_id)
        rows = [r for r in store.rows(plan_id) if r.allocation_id is not None]
        outcomes = [
            o
            for o in ledger.get_outcomes([r.allocation_id for r in rows])  # type: ignore[misc]
            if _in(o, since, until)
        ]
        if not outcomes:
            continue
        plans += 1
        experiment = Experiment()
        if plan.arms is not None:
            held += plan.arms.held_out
            measured += [h for h in plan.held_out_rows if h.converted is not None]
            experiment = Experiment(
                holdout_share=plan.arms.holdout_share,
                challenger_share=plan.arms.challenger_share,
            )
        drawn = arms([o.customer_id for o in outcomes], plan.day, experiment)
        for o, arm in zip(outcomes, drawn.tolist(), strict=True):
            by_arm.setdefault(arm, []).append(o)
    held_units: Units = (
        np.array([bool(h.converted) for h in measured], dtype=bool),
        np.array([h.realised_value or 0.0 for h in measured], dtype=np.float64),
    )
    table = [_arm_row(ARM_NAMES[a], by_arm[a]) for a in (CHAMPION, CHALLENGER)]
    if measured:
        table.append(_held_row(held_units))
    return ArmReport(
        plans=plans,
        held_out=held,
        arms=table,
        champion_vs_challenger=uplift(by_arm[CHAMPION], by_arm[CHALLENGER]),
        held_out_measured=len(measured),
        treated_vs_held_out=lift(_reached(by_arm[CHAMPION]), held_units),
        holdout_note=MEASURED_NOTE if measured else HOLDOUT_NOTE,
    )
