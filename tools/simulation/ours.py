"""``ours``: the one decision kernel with P(accept) learned from its own outcomes.

The kernel (:func:`tools.kernel.decide.decide`) runs with the Beta posterior of
:mod:`tools.kernel.learned` over the counts this policy has seen, the campaign
solver (:func:`tools.planning.solve.solve`) plans the day, and optional
epsilon-greedy exploration (:mod:`tools.planning.explore`) logs each action's
probability. It sees the population's observable columns and its own outcomes
only; the hidden response model is never imported here (an import-linter contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.config import CVMConfig
from tools.kernel.decide import decide
from tools.kernel.learned import CELLS, LEVELS, cell, fit
from tools.kernel.treatments import treatments
from tools.planning.explore import epsilon_greedy
from tools.planning.solve import Method, solve
from tools.simulation.policy_base import NONE, Choice, booking
from tools.simulation.population import Population


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
        policy_p, greedy_p = np.ones(self.pop.n), np.ones(self.pop.n)
        action = greedy
        if self.epsilon > 0:
            ex = epsilon_greedy(b.problem, sol.choice, self.epsilon, rng)
            action = b.actions(ex.choice, self.pop.n)
            policy_p[b.rows], greedy_p[b.rows] = ex.policy_p, ex.plan_p
        n = self.pop.n
        contact = action != NONE
        predicted = np.full(n, np.nan)
        predicted[contact] = propensity[np.flatnonzero(contact), action[contact]]
        return Choice(action, policy_p, predicted, value, greedy, greedy_p)

    def learn(self, rows: np.ndarray, act: np.ndarray, accepted: np.ndarray) -> None:
        """Count each contact's outcome in its treatment x cell."""
        c = self._cells[rows, act]
        np.add.at(self.trials, (act, c), 1)
        np.add.at(self.accepted, (act, c), accepted.astype(np.int64))
