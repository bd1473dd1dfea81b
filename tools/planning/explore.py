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
(:func:`explore_plan`, called by :func:`tools.planning.plan.solve_problem`), after
the plan's control groups are set apart, and only in the champion arm
(``members``): the held out are never contacted, the challenger keeps its rule,
each of their actions with probability 1 given the arm (the arm itself is the
hash's draw, :mod:`tools.planning.holdout`); the draw is
seeded by the plan's day and time (reproducible, auditable), and each planned
action's ``policy_p`` goes to the decision log (counts at INFO, the customers at
DEBUG only).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from tools.planning.fixed import fixed, unfixed
from tools.planning.problem import (
    UNASSIGNED,
    BudgetGroup,
    FloatArray,
    IntArray,
    PlanProblem,
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
        plan_p: The probability the solver's action (the plan without
            exploration) had under the policy: what off-policy evaluation of the
            plan would weigh it by (``policy_p`` where it was taken).
    """

    choice: IntArray
    policy_p: FloatArray
    explored: np.ndarray
    plan_p: FloatArray


def never_binding(problem: PlanProblem) -> np.ndarray:
    """Treatments whose limits hold even if every customer with a pair took one."""
    t = len(problem.treatments)
    holders = np.bincount(problem.pair_treatment, minlength=t)
    tr, cost = problem.pair_treatment, problem.cost
    spend = [fixed(cost[tr == i]) for i in range(t)]
    return explorable(holders, spend, problem.cap_all, problem.cap_std, problem.groups)


def explorable(
    holders: IntArray,
    spend: list[int],
    cap_all: FloatArray,
    cap_std: FloatArray,
    groups: tuple[BudgetGroup, ...],
) -> np.ndarray:
    """:func:`never_binding` from totals over all the plan's pairs.

    Args:
        holders: Per treatment, the customers with a pair of it.
        spend: Per treatment, what all those pairs cost (fixed point, so shards'
            parts add up to the same number).
        cap_all: Slots left per treatment.
        cap_std: Slots left for standard customers.
        groups: The shared budgets.
    """
    ok = (cap_std >= holders) & (cap_all >= holders)
    for g in groups:
        members = list(g.treatments)
        if unfixed(sum(spend[i] for i in members)) > g.bound:
            ok[members] = False
    return ok  # type: ignore[no-any-return]


def epsilon_greedy(
    problem: PlanProblem,
    choice: IntArray,
    epsilon: float,
    rng: np.random.Generator,
    members: np.ndarray | None = None,
) -> Explored:
    """Replace a share ``epsilon`` of the plan's actions by random explorable ones.

    Args:
        problem: The plan's problem.
        choice: The solver's pair per customer (``UNASSIGNED`` = none).
        epsilon: The exploration share, 0 to 1.
        rng: The random generator (seeded by the caller: reproducible).
        members: Customers who may explore (default all); the others keep their
            action with probability 1 (a plan's held out and challenger arms).
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be between 0 and 1, not {epsilon}")
    n = problem.n_customers
    coin, draw = rng.random(n), rng.random(n)
    ok = never_binding(problem)
    return explore_choice(problem, choice, epsilon, ok, coin, draw, members)


def explore_choice(
    problem: PlanProblem,
    choice: IntArray,
    epsilon: float,
    ok_treatments: np.ndarray,
    coin_u: FloatArray,
    draw_u: FloatArray,
    members: np.ndarray | None = None,
) -> Explored:
    """:func:`epsilon_greedy` given its uniforms (one pair per customer).

    A shard of a plan (:mod:`tools.engines.ray_plan`) runs it on its customers with
    the whole plan's explorable treatments and its slice of the draws
    (:func:`plan_draws`). ``members``: who may explore (default all).
    """
    n = problem.n_customers
    ok_pairs = np.flatnonzero(ok_treatments[problem.pair_treatment])
    owner = problem.pair_customer[ok_pairs]
    k = np.bincount(owner, minlength=n) + 1  # explorable pairs + no action
    first = np.searchsorted(owner, np.arange(n))
    coin = coin_u < epsilon
    if members is not None:
        coin &= members
    draw = np.floor(draw_u * k).astype(np.int64)  # 0 = no action
    at = np.minimum(first + draw - 1, max(len(ok_pairs) - 1, 0))
    random_pick = np.where(draw > 0, ok_pairs[at] if len(ok_pairs) else -1, UNASSIGNED)
    out = np.where(coin, random_pick, choice).astype(np.int64)
    explorable = np.zeros(problem.n_pairs + 1, dtype=bool)  # last slot: no action
    explorable[ok_pairs] = True
    explorable[-1] = True
    in_options = explorable[np.where(out == UNASSIGNED, problem.n_pairs, out)]
    p = (1.0 - epsilon) * (out == choice) + epsilon * in_options / k
    in_plan = explorable[np.where(choice == UNASSIGNED, problem.n_pairs, choice)]
    plan_p = (1.0 - epsilon) + epsilon * in_plan / k
    if members is not None:
        p[~members] = 1.0
        plan_p[~members] = 1.0
    return Explored(out, p.astype(np.float64), coin, plan_p.astype(np.float64))


def _generator(seed: str, skip: int = 0) -> np.random.Generator:
    """The plan's random generator, seeded by text (the plan's day and time).

    ``skip``: advanced past that many draws (one 64-bit output per uniform).
    """
    digest = hashlib.sha256(seed.encode()).digest()
    bits = np.random.PCG64(list(digest[:16]))  # what default_rng(seed) holds
    bits.advance(skip)
    return np.random.Generator(bits)


def plan_draws(seed: str, n: int, lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
    """Customers ``lo:hi``'s part of a whole plan's two draws of ``n`` uniforms.

    The same numbers :func:`explore_plan` draws for those customers (the generator
    is advanced past the ones before, as if they were drawn).
    """
    coins = _generator(seed, lo).random(hi - lo)
    picks = _generator(seed, n + lo).random(hi - lo)  # after all n coins
    return coins, picks


def log_explored(
    epsilon: float,
    customers: int,
    explored: int,
    p_min: float,
    picks: Iterable[tuple[str, str, float, bool]],
) -> None:
    """The decision log's lines for an explored plan (counts INFO, ids DEBUG).

    Args:
        epsilon: The exploration share.
        customers: The plan's customers with a pair.
        explored: How many of them got a random action.
        p_min: The smallest policy probability.
        picks: Per planned customer in order: id, treatment, policy_p, explored.
    """
    log.info(
        "plan explore epsilon=%.3f customers=%d explored=%d policy_p_min=%.3f",
        epsilon,
        customers,
        explored,
        p_min,
    )
    if log.isEnabledFor(logging.DEBUG):
        for cid, key, p, was in picks:
            log.debug(
                "plan customer=%s chosen=%s policy_p=%.4f explored=%s",
                cid,
                key,
                p,
                was,
            )


def explored_picks(
    problem: PlanProblem, ex: Explored
) -> Iterator[tuple[str, str, float, bool]]:
    """Per planned customer: id, treatment, policy_p and whether it was drawn."""
    for c in np.flatnonzero(ex.choice != UNASSIGNED).tolist():
        yield (
            str(problem.customer_ids[c]),
            problem.treatments[problem.pair_treatment[ex.choice[c]]],
            float(ex.policy_p[c]),
            bool(ex.explored[c]),
        )


def explore_plan(
    problem: PlanProblem,
    sol: Solution,
    epsilon: float,
    seed: str,
    members: np.ndarray | None = None,
) -> Solution:
    """The plan's solution with exploration (itself when ``epsilon`` is 0).

    Args:
        problem: The plan's problem.
        sol: The solver's solution (held-out customers already set apart).
        epsilon: ``learning.exploration``.
        seed: Text the random draw is seeded by (the plan's day and time).
        members: Customers who may explore (default all: the champion arm).
    """
    if epsilon <= 0:
        return sol
    ex = epsilon_greedy(problem, sol.choice, epsilon, _generator(seed), members)
    p_min = float(ex.policy_p.min()) if len(ex.policy_p) else 1.0
    log_explored(
        epsilon,
        problem.n_customers,
        int(ex.explored.sum()),
        p_min,
        explored_picks(problem, ex),
    )
    value = unfixed(fixed(problem.ev[ex.choice[ex.choice != UNASSIGNED]]))
    return replace(sol, choice=ex.choice, value=value)
