"""Run policies day by day against the hidden response model.

Each policy acts on its own copy of the world (the same customers, the same hidden
model, the same random numbers per customer-day). Every day: the customers not
resting may be contacted; each policy chooses (:mod:`tools.simulation.policies`);
every contact's outcome is drawn from the hidden model
(:mod:`tools.simulation.hidden`), realising the pair's value when accepted and
costing the treatment's cost always; the policy learns from its own outcomes.

The simulated world's rules: a contacted customer rests ``rest_days`` (7: at most one
contact a week, which the configured marketing frequency caps allow), a customer who
accepted rests ``accepted_rest_days`` (30). All in memory, in numpy columns. Ours'
decisions are logged for off-policy evaluation, checked against the hidden truth at
the end (:mod:`tools.simulation.ope_check`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from tools.config import CVMConfig
from tools.simulation.hidden import HiddenModel
from tools.simulation.ope_check import OffPolicy, log_day, off_policy
from tools.simulation.policies import NONE, POLICIES, Choice, Policy, make
from tools.simulation.population import Population, generated
from tools.simulation.stats import cluster_sums, expected_calibration_error, sum_ci

CALIBRATION_WINDOW = 7  # days of outcomes the calibration error is measured on


class Settings(BaseModel):
    """What to simulate."""

    customers: int = Field(20_000, ge=10, le=1_000_000)
    days: int = Field(60, ge=1, le=365)
    policies: tuple[str, ...] = POLICIES
    seed: int = Field(0, ge=0)
    epsilon: float = Field(0.0, ge=0.0, le=1.0, description="ours' exploration")
    capacity_scale: float = Field(1.0, gt=0.0)
    solver: Literal["auto", "exact", "lagrangian"] = "lagrangian"
    rest_days: int = Field(7, ge=1)
    accepted_rest_days: int = Field(30, ge=1)


@dataclass
class _Track:
    """One policy's world and what it realised."""

    policy: Policy
    rest_until: np.ndarray
    value: np.ndarray  # per customer, pounds
    contacts: int = 0
    accepted: int = 0
    by_day: list[float] = field(default_factory=list)
    predicted: list[np.ndarray] = field(default_factory=list)
    outcome: list[np.ndarray] = field(default_factory=list)
    truth: list[np.ndarray] = field(default_factory=list)
    log: list[dict[str, np.ndarray]] = field(default_factory=list)


class PolicyResult(BaseModel):
    """What one policy realised over the run."""

    value: float
    ci95: tuple[float, float]
    contacts: int
    accepted: int
    value_by_day: list[float]


class Result(BaseModel):
    """The simulation's report (``cvm simulate --json``)."""

    settings: Settings
    policies: dict[str, PolicyResult]
    calibration_error: float | None
    calibration_error_true: float | None
    calibration_by_day: list[float]
    off_policy: OffPolicy | None
    off_policy_refused: str | None = None
    seconds: float


def _step(
    track: _Track,
    choice: Choice,
    hidden: HiddenModel,
    pop: Population,
    u: np.ndarray,
    day: int,
    s: Settings,
) -> None:
    """Draw the outcomes of a day's contacts, realise their value, learn."""
    rows = np.flatnonzero(choice.action != NONE)
    act = choice.action[rows]
    yes = hidden.accepted(rows, act, u[rows])
    gain = np.where(yes, pop.value[rows, act], 0.0) - pop.prior.cost[act]
    np.add.at(track.value, rows, gain)
    track.contacts += len(rows)
    track.accepted += int(yes.sum())
    track.by_day.append(round(float(gain.sum()), 2))
    track.rest_until[rows] = day + np.where(yes, s.accepted_rest_days, s.rest_days)
    if choice.model_value is not None:
        track.predicted.append(choice.predicted[rows])
        track.outcome.append(yes)
        track.truth.append(hidden.p_true[rows, act])
    track.policy.learn(rows, act, yes)


def _calibration(track: _Track) -> tuple[float | None, float | None, list[float]]:
    """ECE of the last week's contacts (observed, and against the truth); by day."""
    if not track.predicted:
        return None, None, []
    by_day = []
    for day in range(len(track.predicted)):
        lo = max(0, day - CALIBRATION_WINDOW + 1)
        p = np.concatenate(track.predicted[lo : day + 1])
        y = np.concatenate(track.outcome[lo : day + 1])
        by_day.append(round(expected_calibration_error(p, y), 4))
    lo = max(0, len(track.predicted) - CALIBRATION_WINDOW)
    p = np.concatenate(track.predicted[lo:])
    true = expected_calibration_error(p, np.concatenate(track.truth[lo:]))
    return by_day[-1], round(true, 4), by_day


def simulate(
    settings: Settings, config: CVMConfig, population: Population | None = None
) -> Result:
    """Run the policies of ``settings`` on a generated population.

    Args:
        settings: Customers, days, policies, seed.
        config: The configuration in force (its outcome counts are ignored).
        population: A population made before (default: generated from the seed).
    """
    t0 = time.perf_counter()
    s = settings
    pop = population or generated(s.customers, s.seed, config)
    hidden = HiddenModel.draw(pop, s.seed)
    tracks = {
        name: _Track(
            make(
                name,
                pop,
                s.capacity_scale,
                s.epsilon if name == "ours" else 0.0,
                s.solver,
            ),
            np.zeros(pop.n, dtype=np.int64),
            np.zeros(pop.n),
        )
        for name in dict.fromkeys(s.policies)
    }
    for day in range(s.days):
        u = np.random.default_rng([s.seed, day, 1]).random(pop.n)  # shared draws
        for name, track in tracks.items():
            rng = np.random.default_rng([s.seed, day, 2, POLICIES.index(name)])
            eligible = track.rest_until <= day
            choice = track.policy.choose(eligible, rng)
            log_day(track.log, choice, hidden, pop, eligible, u)  # ours only
            _step(track, choice, hidden, pop, u, day, s)
    results = {}
    for name, track in tracks.items():
        total, lo, hi = sum_ci(track.value)
        results[name] = PolicyResult(
            value=round(total, 2),
            ci95=(round(lo, 2), round(hi, 2)),
            contacts=track.contacts,
            accepted=track.accepted,
            value_by_day=track.by_day,
        )
    ours = tracks.get("ours")
    ece, ece_true, by_day = _calibration(ours) if ours else (None, None, [])
    estimate, refused = off_policy(ours.log) if ours else (None, None)
    return Result(
        settings=s,
        policies=results,
        calibration_error=ece,
        calibration_error_true=ece_true,
        calibration_by_day=by_day,
        off_policy=estimate,
        off_policy_refused=refused,
        seconds=round(time.perf_counter() - t0, 2),
    )


__all__ = ["Result", "Settings", "cluster_sums", "simulate"]
