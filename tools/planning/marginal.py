"""What one more slot of a treatment is worth to a plan.

Holding every other assignment fixed, one more slot of a full treatment goes to the
customer who gains most by moving to it (from nothing or from their planned option).
That gain is a feasible improvement, so it never overstates the re-solved optimum;
LP duals, by contrast, are not unique on this nearly integral problem and can.
The parts are in :mod:`tools.planning.totals` (the Ray engine merges them per shard).
"""

from __future__ import annotations

import numpy as np

from tools.planning.problem import FloatArray, IntArray, PlanProblem
from tools.planning.totals import PlanTotals, slot_gains, slot_room


def slot_values(problem: PlanProblem, choice: IntArray) -> FloatArray:
    """Per treatment: the value one more slot adds (0 when it is not full).

    Args:
        problem: The problem.
        choice: The plan's chosen pair per customer.
    """
    totals = PlanTotals.of(problem, choice)
    full, room = slot_room(problem.cap_all, problem.groups, totals)
    gains = slot_gains(problem, choice, full, room)
    return np.where(np.isfinite(gains), gains, 0.0)
