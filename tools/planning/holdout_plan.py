"""Solve a plan in arms: champion and challenger on their shares, holdout set apart.

With no challenger the champion is the one solve over every candidate (as without
arms). With a challenger share ``s``, the challenger's customers are planned by its
strategy on ``s`` of every limit (slots rounded down, budgets scaled) and the others
by the optimiser on the rest, so the two arms never compete for a slot. Then the
chosen customers whose draw falls in the holdout are set apart: recorded with the
plan, never booked (:mod:`tools.planning.holdout` says how each arm is drawn).
Exploration (:mod:`tools.planning.explore`) runs after, on the champion arm only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import numpy.typing as npt

from tools.learning_config import Experiment
from tools.planning.baselines import first_come
from tools.planning.fixed import fixed, unfixed
from tools.planning.holdout import (
    CHALLENGER,
    CHAMPION,
    HASH_RULE,
    HELD_OUT,
    arm_problem,
    arms,
    pair_index,
)
from tools.planning.model import HeldOut, PlanArms
from tools.planning.problem import UNASSIGNED, IntArray, PlanProblem
from tools.planning.solve import Method, Solution, solve


@dataclass(frozen=True)
class ArmPlan:
    """A solved plan split into arms.

    Attributes:
        solution: Champion and challenger choices over the whole problem (value and
            bound are the champion's solve plus the challenger's value).
        arm: Each customer's arm (``tools.planning.holdout`` constants).
        booked: Chosen pair indices to book (champion and challenger).
        held_out: Chosen pair indices held out (never booked).
        challenger: Chosen pair indices planned by the challenger (booked).
        booked_choice: ``solution.choice`` less the held-out customers.
    """

    solution: Solution
    arm: npt.NDArray[np.int8]
    booked: IntArray
    held_out: IntArray
    challenger: IntArray
    booked_choice: IntArray


def _with_challenger(
    p: PlanProblem, method: Method, arm: npt.NDArray[np.int8], share: float
) -> Solution:
    theirs = arm == CHALLENGER
    champ = solve(arm_problem(p, ~theirs, 1.0 - share), method)
    chal_p = arm_problem(p, theirs, share)
    picks = first_come(chal_p)
    choice = np.full(p.n_customers, UNASSIGNED, dtype=np.int64)
    mine = champ.choice != UNASSIGNED
    choice[mine] = pair_index(p, ~theirs)[champ.choice[mine]]
    took = picks != UNASSIGNED
    choice[took] = pair_index(p, theirs)[picks[took]]
    extra = unfixed(fixed(chal_p.ev[picks[took]]))  # fixed point: as shards add up
    return replace(
        champ, choice=choice, value=champ.value + extra, bound=champ.bound + extra
    )


def solve_arms(
    p: PlanProblem, method: Method, day: date, experiment: Experiment
) -> ArmPlan:
    """Solve the plan in its arms and set the holdout apart (see the module)."""
    if experiment.holdout_share == 0 and experiment.challenger_share == 0:
        arm = np.full(p.n_customers, CHAMPION, dtype=np.int8)  # no arms
    else:
        arm = arms(p.customer_ids, day, experiment)
    if experiment.challenger_share > 0:
        sol = _with_challenger(p, method, arm, experiment.challenger_share)
    else:
        sol = solve(p, method)
    return _split(sol, arm)


def _split(sol: Solution, arm: npt.NDArray[np.int8]) -> ArmPlan:
    chosen = np.flatnonzero(sol.choice != UNASSIGNED)
    held = arm[chosen] == HELD_OUT
    booked = sol.choice[chosen[~held]]
    challenger = sol.choice[chosen[arm[chosen] == CHALLENGER]]
    kept = sol.choice.copy()
    kept[chosen[held]] = UNASSIGNED
    return ArmPlan(sol, arm, booked, sol.choice[chosen[held]], challenger, kept)


def held_out_rows(p: PlanProblem, pairs: IntArray) -> list[HeldOut]:
    """The held-out rows of these chosen pairs (who, what, its expected value)."""
    return [
        HeldOut(
            customer_id=str(p.customer_ids[p.pair_customer[k]]),
            treatment_key=p.treatments[p.pair_treatment[k]],
            expected_value=round(float(p.ev[k]), 2),
        )
        for k in pairs.tolist()
    ]


def arms_record(
    experiment: Experiment,
    held: int,
    held_value: int,
    challenger: int,
    challenger_value: int,
) -> PlanArms | None:
    """The plan's arms record (None: no arms); values as fixed-point sums."""
    if experiment.holdout_share == 0 and experiment.challenger_share == 0:
        return None
    return PlanArms(
        holdout_share=experiment.holdout_share,
        challenger_share=experiment.challenger_share,
        challenger=experiment.challenger,
        rule=HASH_RULE,
        held_out=held,
        held_out_value=round(unfixed(held_value), 2),
        challenger_assigned=challenger,
        challenger_value=round(unfixed(challenger_value), 2),
    )


def arms_summary(
    p: PlanProblem, split: ArmPlan, experiment: Experiment
) -> tuple[PlanArms | None, list[HeldOut]]:
    """The plan's arms record and its held-out rows (None, []: no arms)."""
    summary = arms_record(
        experiment,
        len(split.held_out),
        fixed(p.ev[split.held_out]),
        len(split.challenger),
        fixed(p.ev[split.challenger]),
    )
    return summary, held_out_rows(p, split.held_out) if summary else []
