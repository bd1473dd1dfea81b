"""What one more slot of a treatment is worth to a plan.

Holding every other assignment fixed, one more slot of a full treatment goes to the
customer who gains most by moving to it (from nothing or from their planned option).
That gain is a feasible improvement, so it never overstates the re-solved optimum;
LP duals, by contrast, are not unique on this nearly integral problem and can.
"""

from __future__ import annotations

import numpy as np

from tools.planning.problem import UNASSIGNED, FloatArray, IntArray, PlanProblem, usage


def slot_values(problem: PlanProblem, choice: IntArray) -> FloatArray:
    """Per treatment: the value one more slot adds (0 when it is not full).

    Args:
        problem: The problem.
        choice: The plan's chosen pair per customer.
    """
    t = len(problem.treatments)
    out = np.zeros(t)
    chosen = choice[choice != UNASSIGNED]
    use = usage(problem, chosen)
    current = np.zeros(problem.n_customers)
    current[problem.pair_customer[chosen]] = problem.ev[chosen]
    gain = problem.ev - current[problem.pair_customer]
    on_it = np.zeros(problem.n_pairs, dtype=bool)
    on_it[chosen] = True
    spend = np.bincount(
        problem.pair_treatment[chosen], weights=problem.cost[chosen], minlength=t
    )
    for i in range(t):
        if use.all[i] < problem.cap_all[i] - 1e-9:
            continue  # not full: one more slot changes nothing
        mine = (problem.pair_treatment == i) & ~on_it & (gain > 0)
        for g in problem.groups:  # a shared budget must still afford the move
            if i in g.treatments:
                room = g.bound - spend[list(g.treatments)].sum()
                mine &= problem.cost <= room + 1e-9
        if mine.any():
            out[i] = float(gain[mine].max())
    return out
