"""What every simulated policy shares: its day's choice, and booking through a plan.

A policy (:class:`Policy`) chooses the day's actions (:class:`Choice`) and learns
from their outcomes. All of them book through the planner's problem
(:func:`booking`: :class:`tools.planning.problem.PlanProblem`), so capacity, the
high-value reservation and budgets are counted one way, on each day's fresh slots
(:func:`daily_caps`). Nothing here sees the hidden response model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tools.config import CVMConfig
from tools.kernel.treatments import treatments
from tools.planning.problem import UNASSIGNED, PlanProblem, treatment_caps
from tools.simulation.population import Population

NONE = -1  # no action


@dataclass(frozen=True)
class Choice:
    """A policy's actions for one day.

    Attributes:
        action: Treatment index per customer, ``NONE`` for no contact.
        policy_p: The probability each action had under the policy (1 when
            deterministic).
        predicted: The policy's P(accept) of each action (NaN: none / no model).
        model_value: The policy's expected value per customer x treatment (its
            reward model), or None for a policy without one.
        greedy: The action the policy takes without exploration (None: the same).
        greedy_p: The probability ``greedy`` had under the policy (None: 1).
    """

    action: np.ndarray
    policy_p: np.ndarray
    predicted: np.ndarray
    model_value: np.ndarray | None = None
    greedy: np.ndarray | None = None
    greedy_p: np.ndarray | None = None


class Policy(Protocol):
    """A policy: choose the day's actions, then learn from their outcomes."""

    name: str

    def choose(self, eligible: np.ndarray, rng: np.random.Generator) -> Choice:
        """The day's actions for the customers that may be contacted."""

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """Take the outcomes of the day's contacts."""


def daily_caps(config: CVMConfig, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Slots per treatment for everyone and for standard customers, a fresh day.

    ``scale`` multiplies each configured daily capacity and budget (a population
    smaller or larger than the one the configuration was made for).
    """
    keys = tuple(config.treatments)
    cap_all, cap_std = np.full(len(keys), np.inf), np.full(len(keys), np.inf)
    for i, key in enumerate(keys):
        cons = config.constraints.get(key)
        if cons is None:
            continue
        most = None if cons.max_per_day is None else round(cons.max_per_day * scale)
        budget = None if cons.daily_budget is None else cons.daily_budget * scale
        cap_all[i], cap_std[i] = treatment_caps(
            most, cons.reserved_share, 0, budget, 0.0, config.treatments[key].cost
        )
    return cap_all, cap_std


@dataclass(frozen=True)
class Booking:
    """A day's pairs as a plan problem, with the population row of each customer."""

    problem: PlanProblem
    rows: np.ndarray  # population index of each problem customer

    def actions(self, choice: np.ndarray, n: int) -> np.ndarray:
        """Treatment index per population customer (``NONE`` when unassigned)."""
        out = np.full(n, NONE, dtype=np.int64)
        got = choice != UNASSIGNED
        out[self.rows[got]] = self.problem.pair_treatment[choice[got]]
        return out


def booking(
    pop: Population,
    mask: np.ndarray,
    score: np.ndarray,
    order: np.ndarray,
    caps: tuple[np.ndarray, np.ndarray],
) -> Booking:
    """The pairs ``mask`` allows (``score > 0``), customers first-come in ``order``."""
    same = len(order) == len(mask) and bool(np.all(order[1:] > order[:-1]))
    m, v = (mask, score) if same else (mask[order], score[order])
    ok = m & (v > 0)
    rows, cols = np.nonzero(ok)
    has = np.unique(rows)
    problem = PlanProblem(
        customer_ids=np.asarray(pop.prior.customer_id)[order][has].astype(str),
        high_value=np.asarray(pop.prior.high_value)[order][has],
        treatments=pop.treatments,
        pair_customer=np.searchsorted(has, rows).astype(np.int64),
        pair_treatment=cols.astype(np.int64),
        ev=v[rows, cols].astype(np.float64),
        cost=pop.prior.cost[cols].astype(np.float64),
        cap_all=caps[0],
        cap_std=caps[1],
    )
    return Booking(problem, order[has])


def contactable(pop: Population, eligible: np.ndarray) -> np.ndarray:
    """Lawful pairs of customers who may be contacted today, no-action excluded."""
    mask = pop.prior.lawful & eligible[:, None]
    base = treatments(pop.config).baseline
    if base is not None:
        mask[:, base] = False
    return mask  # type: ignore[no-any-return]


def deterministic(action: np.ndarray) -> Choice:
    """A choice made with probability 1 and no model (the rule policies')."""
    n = len(action)
    return Choice(action, np.ones(n), np.full(n, np.nan))
