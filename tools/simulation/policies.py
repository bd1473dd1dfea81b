"""The simulated policies: ours, the seed system's rules, and random.

Each policy sees only the population's observable columns
(:class:`tools.simulation.population.Population`) and the outcomes of its own
contacts; the hidden response model is never imported here (an import-linter
contract). All three book through the planner's problem (:mod:`tools.planning`), so
capacity, the high-value reservation and budgets are counted one way:

* ``ours``: the one decision kernel (:func:`tools.kernel.decide.decide`) with P(accept)
  learned from its own outcomes (the Beta posterior of :mod:`tools.kernel.learned`),
  planned by the campaign solver (:func:`tools.planning.solve.solve`); optional
  epsilon-greedy exploration (:mod:`tools.planning.explore`).
* ``seed-rules``: for each customer the recommender offer with the highest stated
  acceptance probability among its lawful treatments (consented channels, every
  contact rule), booked first-come in id order within capacity
  (:func:`tools.planning.baselines.first_come`); no learning.
* ``random``: customers in a random order, each a uniformly random lawful treatment
  with room left; no learning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tools.config import CVMConfig
from tools.kernel.decide import decide
from tools.kernel.learned import CELLS, LEVELS, cell, fit
from tools.kernel.treatments import treatments
from tools.planning.baselines import first_come
from tools.planning.explore import epsilon_greedy
from tools.planning.problem import UNASSIGNED, PlanProblem, treatment_caps
from tools.planning.solve import Method, solve
from tools.simulation.population import Population

POLICIES = ("ours", "seed-rules", "random")
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
    """

    action: np.ndarray
    policy_p: np.ndarray
    predicted: np.ndarray
    model_value: np.ndarray | None = None
    greedy: np.ndarray | None = None


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


def _contactable(pop: Population, eligible: np.ndarray) -> np.ndarray:
    """Lawful pairs of customers who may be contacted today, no-action excluded."""
    mask = pop.prior.lawful & eligible[:, None]
    base = treatments(pop.config).baseline
    if base is not None:
        mask[:, base] = False
    return mask  # type: ignore[no-any-return]


def _deterministic(action: np.ndarray) -> Choice:
    n = len(action)
    return Choice(action, np.ones(n), np.full(n, np.nan))


@dataclass
class SeedRules:
    """The seed system's rule: the highest stated offer P, first-come, no learning."""

    pop: Population
    caps: tuple[np.ndarray, np.ndarray]
    name: str = "seed-rules"
    stated: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """The highest stated P of a live offer per customer x treatment."""
        o, d = self.pop.offers, self.pop.prior
        self.stated = np.zeros(d.lawful.shape)
        t = np.asarray(o["treatment_index"], dtype=np.int64)
        keep = np.asarray(o["live"], dtype=bool) & (t >= 0)
        at = np.searchsorted(d.row_no, np.asarray(o["row_no"])[keep])
        np.maximum.at(self.stated, (at, t[keep]), np.asarray(o["propensity"])[keep])

    def choose(self, eligible: np.ndarray, rng: np.random.Generator) -> Choice:
        """Each customer in id order takes its highest-stated offer still free."""
        order = np.arange(self.pop.n)
        b = booking(
            self.pop, _contactable(self.pop, eligible), self.stated, order, self.caps
        )
        return _deterministic(b.actions(first_come(b.problem), self.pop.n))

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """No learning."""


@dataclass
class RandomPolicy:
    """A uniformly random lawful treatment with room, customers in random order."""

    pop: Population
    caps: tuple[np.ndarray, np.ndarray]
    name: str = "random"

    def choose(self, eligible: np.ndarray, rng: np.random.Generator) -> Choice:
        """Random order, random scores: first-come takes a random free option."""
        score = rng.random(self.pop.prior.lawful.shape) + 1e-6
        order = rng.permutation(self.pop.n)
        b = booking(self.pop, _contactable(self.pop, eligible), score, order, self.caps)
        return _deterministic(b.actions(first_come(b.problem), self.pop.n))

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """No learning."""


@dataclass
class Ours:
    """The kernel with learned P, planned by the solver; optional exploration."""

    pop: Population
    caps: tuple[np.ndarray, np.ndarray]
    epsilon: float = 0.0
    method: Method = "auto"
    name: str = "ours"
    trials: np.ndarray = field(init=False)
    accepted: np.ndarray = field(init=False)
    _cells: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Empty counts; the learning cell of every pair (observable bands)."""
        n_t = len(self.pop.treatments)
        self.trials = np.zeros((n_t, CELLS), dtype=np.int64)
        self.accepted = np.zeros((n_t, CELLS), dtype=np.int64)
        d = self.pop.prior
        self._cells = cell(
            d.value_level,
            d.churn_level,
            fit(d.p_journey, treatments(self.pop.config).base),
        )

    def config(self) -> CVMConfig:
        """The configuration with the counts learned so far."""
        rows = []
        for t, c in zip(*np.nonzero(self.trials), strict=True):
            seg = int(c) // 2
            rows.append(
                (
                    self.pop.treatments[t],
                    seg // LEVELS,
                    seg % LEVELS,
                    bool(c % 2),
                    int(self.trials[t, c]),
                    int(self.accepted[t, c]),
                )
            )
        return self.pop.config.model_copy(update={"learned_counts": tuple(rows)})

    def _decide(
        self, eligible: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kernel over the customers who may be contacted (a batch of them).

        Returns lawful pairs, P(accept) and expected values, ``(n, T)`` each (no
        pair, P 0 and value 0 for a customer resting today).
        """
        pop, rows = self.pop, np.flatnonzero(eligible)
        cols = {k: np.asarray(v)[rows] for k, v in pop.cols.items()}
        o = pop.offers
        keep = np.isin(np.asarray(o["row_no"]), pop.prior.row_no[rows])
        per_row = len(o["row_no"])
        offers = {
            k: (
                np.asarray(v)[keep]
                if len(v) == per_row and k != "treatment_keys"
                else v
            )
            for k, v in o.items()
        }
        d = decide(cols, offers, self.config())
        shape = pop.prior.lawful.shape
        lawful, p, ev = np.zeros(shape, bool), np.zeros(shape), np.zeros(shape)
        lawful[rows], p[rows], ev[rows] = d.lawful, d.propensity, d.expected_value
        return lawful, p, ev

    def choose(self, eligible: np.ndarray, rng: np.random.Generator) -> Choice:
        """Decide with the kernel, plan with the solver, explore if asked."""
        lawful, propensity, value = self._decide(eligible)
        b = booking(self.pop, lawful, value, np.arange(self.pop.n), self.caps)
        sol = solve(b.problem, self.method)
        greedy = b.actions(sol.choice, self.pop.n)
        policy_p = np.ones(self.pop.n)
        action = greedy
        if self.epsilon > 0:
            ex = epsilon_greedy(b.problem, sol.choice, self.epsilon, rng)
            action = b.actions(ex.choice, self.pop.n)
            policy_p[b.rows] = ex.policy_p
        n = self.pop.n
        contact = action != NONE
        predicted = np.full(n, np.nan)
        predicted[contact] = propensity[np.flatnonzero(contact), action[contact]]
        return Choice(action, policy_p, predicted, value, greedy)

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """Count each contact's outcome in its treatment x cell."""
        c = self._cells[rows, act]
        np.add.at(self.trials, (act, c), 1)
        np.add.at(self.accepted, (act, c), accepted.astype(np.int64))


def make(
    name: str,
    pop: Population,
    scale: float,
    epsilon: float = 0.0,
    method: Method = "auto",
) -> Policy:
    """A policy by name (one of :data:`POLICIES`)."""
    caps = daily_caps(pop.config, scale)
    if name == "ours":
        return Ours(pop, caps, epsilon, method)
    if name == "seed-rules":
        return SeedRules(pop, caps)
    if name == "random":
        return RandomPolicy(pop, caps)
    raise ValueError(f"unknown policy {name!r}: one of {', '.join(POLICIES)}")
