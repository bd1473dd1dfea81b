"""The simulated policies: ours, the seed system's rules, and random.

Each policy sees only the population's observable columns
(:class:`tools.simulation.population.Population`) and the outcomes of its own
contacts; the hidden response model is never imported here (an import-linter
contract). All three book through the planner's problem (:mod:`tools.planning`,
by way of :mod:`tools.simulation.policy_base`), so capacity, the high-value
reservation and budgets are counted one way:

* ``ours`` (:mod:`tools.simulation.ours`): the one decision kernel
  (:func:`tools.kernel.decide.decide`) with P(accept) learned from its own outcomes
  (the Beta posterior of :mod:`tools.kernel.learned`), planned by the campaign solver
  (:func:`tools.planning.solve.solve`); optional epsilon-greedy exploration
  (:mod:`tools.planning.explore`).
* ``seed-rules``: for each customer the recommender offer with the highest stated
  acceptance probability among its lawful treatments (consented channels, every
  contact rule), booked first-come in id order within capacity
  (:func:`tools.planning.baselines.first_come`); no learning.
* ``random``: customers in a random order, each a uniformly random lawful treatment
  with room left; no learning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.planning.baselines import first_come
from tools.planning.solve import Method
from tools.simulation.ours import Ours
from tools.simulation.policy_base import (
    NONE,
    Choice,
    Policy,
    booking,
    contactable,
    daily_caps,
    deterministic,
)
from tools.simulation.population import Population

POLICIES = ("ours", "seed-rules", "random")


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
            self.pop, contactable(self.pop, eligible), self.stated, order, self.caps
        )
        return deterministic(b.actions(first_come(b.problem), self.pop.n))

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
        b = booking(self.pop, contactable(self.pop, eligible), score, order, self.caps)
        return deterministic(b.actions(first_come(b.problem), self.pop.n))

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """No learning."""


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


__all__ = ["NONE", "POLICIES", "Choice", "Ours", "Policy", "daily_caps", "make"]
