"""Exploration in plans (off by default): epsilon-greedy, with each action's propensity.

A plan's solver picks, per customer, the best pair the limits allow (deterministic:
the chosen action had probability 1). With exploration on, each customer of the plan
is, with probability ``epsilon``, given instead an action drawn uniformly from its
*explorable* options: no action, or a pair of a treatment whose limits cannot bind
today (even if every customer holding it took it). Capacity-bound treatments are only
ever chosen by the solver, so exploration never overbooks and every action's
probability under the policy is exact::

    policy_p = (1 - epsilon) x [action == the plan's] + epsilon x [explorable] / k

with ``k`` the customer's explorable options (no action included). That probability
is what off-policy evaluation weighs by (:mod:`tools.simulation.ope`). With
``epsilon = 0`` the plan is unchanged and every ``policy_p`` is 1.

Plans explore when ``learning.exploration`` (the epsilon) is above 0
(:func:`explore_plan`, called by :func:`tools.planning.plan.make_plan`); the draw is
seeded by the plan's day and time (reproducible, auditable), and each planned
action's ``policy_p`` goes to the decision log (counts at INFO, the customers at
DEBUG only).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import numpy as np

from tools.planning.problem import (
    UNASSIGNED,
    FloatArray,
    IntArray,
    PlanProblem,
    value_of,
)
from tools.planning.solve import Solution

log = logging.getLogger("tools.decisions")  # the decision log


@dataclass(frozen=True)
class Explored:
    """A plan's choice after exploration.

    Attributes:
        choice: Chosen pair per customer (``UNASSIGNED`` = no action).
        policy_p: The probability each customer's action had under the policy.
        explored: Whether each customer's action was drawn at random.
    """

    choice: IntArray
    policy_p: FloatArray
    explored: np.ndarray


def never_binding(problem: PlanProblem) -> np.ndarray:
    """Treatments whose limits hold even if every customer with a pair took one."""
    t = len(problem.treatments)
    holders = np.bincount(problem.pair_treatment, minlength=t).astype(np.float64)
    ok = (problem.cap_std >= holders) & (problem.cap_all >= holders)
    spend = np.bincount(problem.pair_treatment, weights=problem.cost, minlength=t)
    for g in problem.groups:
        members = list(g.treatments)
        if spend[members].sum() > g.bound:
            ok[members] = False
    return ok  # type: ignore[no-any-return]


def epsilon_greedy(
    problem: PlanProblem, choice: IntArray, epsilon: float, rng: np.random.Generator
) -> Explored:
    """Replace a share ``epsilon`` of the plan's actions by random explorable ones.

    Args:
        problem: The plan's problem.
        choice: The solver's pair per customer (``UNASSIGNED`` = none).
        epsilon: The exploration share, 0 to 1.
        rng: The random generator (seeded by the caller: reproducible).
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be between 0 and 1, not {epsilon}")
    n = problem.n_customers
    ok_pairs = np.flatnonzero(never_binding(problem)[problem.pair_treatment])
    owner = problem.pair_customer[ok_pairs]
    k = np.bincount(owner, minlength=n) + 1  # explorable pairs + no action
    first = np.searchsorted(owner, np.arange(n))
    coin = rng.random(n) < epsilon
    draw = np.floor(rng.random(n) * k).astype(np.int64)  # 0 = no action
    at = np.minimum(first + draw - 1, max(len(ok_pairs) - 1, 0))
    random_pick = np.where(draw > 0, ok_pairs[at] if len(ok_pairs) else -1, UNASSIGNED)
    out = np.where(coin, random_pick, choice).astype(np.int64)
    explorable = np.zeros(problem.n_pairs + 1, dtype=bool)  # last slot: no action
    explorable[ok_pairs] = True
    explorable[-1] = True
    in_options = explorable[np.where(out == UNASSIGNED, problem.n_pairs, out)]
    p = (1.0 - epsilon) * (out == choice) + epsilon * in_options / k
    return Explored(out, p.astype(np.float64), coin)


def explore_plan(
    problem: PlanProblem, sol: Solution, epsilon: float, seed: str
) -> Solution:
    """The plan's solution with exploration (itself when ``epsilon`` is 0).

    Args:
        problem: The plan's problem.
        sol: The solver's solution.
        epsilon: ``learning.exploration``.
        seed: Text the random draw is seeded by (the plan's day and time).
    """
    if epsilon <= 0:
        return sol
    digest = hashlib.sha256(seed.encode()).digest()
    ex = epsilon_greedy(
        problem, sol.choice, epsilon, np.random.default_rng(list(digest[:16]))
    )
    log.info(
        "plan explore epsilon=%.3f customers=%d explored=%d policy_p_min=%.3f",
        epsilon,
        problem.n_customers,
        int(ex.explored.sum()),
        float(ex.policy_p.min()) if len(ex.policy_p) else 1.0,
    )
    if log.isEnabledFor(logging.DEBUG):
        for c in np.flatnonzero(ex.choice != UNASSIGNED).tolist():
            log.debug(
                "plan customer=%s chosen=%s policy_p=%.4f explored=%s",
                problem.customer_ids[c],
                problem.treatments[problem.pair_treatment[ex.choice[c]]],
                ex.policy_p[c],
                bool(ex.explored[c]),
            )
    return replace(sol, choice=ex.choice, value=value_of(problem, ex.choice))
