"""Off-policy evaluation: what another policy would have earned, from a logged one.

The log holds, per decision (a customer on a day), the action taken, the
probability it had under the policy that took it (``policy_p``: the decision log's,
see :mod:`tools.planning.explore`), the realised reward, and a reward model's
expected reward for the logged action and for the action the *target* policy would
have taken. Two estimators of the target's total reward:

* inverse propensity scoring (``ips``): ``sum [a = target] / policy_p x reward``;
* doubly robust (``dr``): ``sum model(target) + [a = target] / policy_p x (reward -
  model(a))``, unbiased when either the propensities or the model are right, and of
  much lower variance than IPS when the model is good.

One estimate, two questions about the logged decisions (their customers and days,
given the history before each day), each with its own 95% interval (``estimand``):

* ``realised``: what the target *would have earned* on them, the sum of each
  decision's outcome had the target's action been taken (a fixed, unknown number
  once the customers have answered: the finite-population estimand). Where the log
  took the target's action that outcome is observed, so the only randomness left is
  the exploration coin: decision ``i`` errs by ``(Y_i - model_i) x ([a = target] /
  policy_p - 1)``, of variance ``(Y_i - model_i)^2 (1 - p_i) / p_i`` (``p_i`` the
  target action's probability), estimated without bias from the decisions that
  took it (:func:`realised_variance`). The coins are drawn afresh each day,
  independently per customer, so the errors are a martingale over the days with
  uncorrelated terms: no clustering is needed and no outcome model is assumed.
* ``expected``: the target's expected total on them (each decision's ``P x value -
  cost``), which also counts the customers' own answers as noise. Given the
  history the reward model's prediction ``model(target)`` is fixed (the model is
  the policy's own, learned from earlier outcomes only), so DR's error is the
  correction term's deviation from its expectation, a martingale over the days
  with mean zero whenever ``policy_p`` is exact; its interval is the normal
  approximation of the correction term's sum alone, its variance over independent
  clusters (a customer's decisions summed first: :mod:`tools.simulation.stats`;
  centring every customer at one mean errs wide). Adding the variance of
  ``model(target)`` across customers would answer a third question (a new
  population's value).

A log whose every action had probability 1 (no exploration, no holdout) says nothing
about any other action: :class:`DeterministicLog` is raised rather than an estimate
made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tools.errors import CVMError
from tools.simulation.stats import Z95, cluster_sums, sum_ci

Method = Literal["ips", "dr"]
Estimand = Literal["realised", "expected"]


class DeterministicLog(CVMError):
    """The log has no randomised decision: no other policy can be estimated."""


@dataclass(frozen=True)
class LoggedDecisions:
    """A log of decisions, one entry per decision (all arrays of one length).

    Attributes:
        cluster: The independent unit of each decision (e.g. the customer).
        action: The action taken (an integer; -1 for no action).
        policy_p: Its probability under the logging policy, in (0, 1].
        reward: The realised reward (0 for no action).
        model_action: The reward model's expected reward of the action taken.
        target: The action the target policy takes.
        model_target: The reward model's expected reward of the target's action.
    """

    cluster: np.ndarray
    action: np.ndarray
    policy_p: np.ndarray
    reward: np.ndarray
    model_action: np.ndarray
    target: np.ndarray
    model_target: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.action)
        for name in (
            "cluster",
            "policy_p",
            "reward",
            "model_action",
            "target",
            "model_target",
        ):
            if len(getattr(self, name)) != m:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, not {m}")
        p = np.asarray(self.policy_p, dtype=np.float64)
        if m and (np.any(~np.isfinite(p)) or np.any(p <= 0) or np.any(p > 1)):
            raise ValueError("policy_p must be in (0, 1] for every logged decision")


@dataclass(frozen=True)
class Estimate:
    """An off-policy estimate of the target's total reward, with its 95% interval."""

    method: str
    estimand: str
    value: float
    low: float
    high: float
    se: float  # the standard error the interval is made of
    rows: int  # decisions in the log
    matched: int  # decisions where the log took the target's action


def is_deterministic(log: LoggedDecisions) -> bool:
    """Whether every logged action had probability 1 (nothing was randomised)."""
    return bool(np.all(np.asarray(log.policy_p) >= 1.0))


def realised_variance(
    match: np.ndarray, policy_p: np.ndarray, residual: np.ndarray
) -> float:
    """The variance of the estimate's error about what the target would have earned.

    ``sum (Y - model)^2 (1 - p) / p`` over the decisions, estimated from those that
    took the target's action (each weighed by ``1 / p``).

    Args:
        match: Whether each decision took the target's action.
        policy_p: Each action's probability (the target's where ``match``).
        residual: The reward less the model's expected reward of the action taken.
    """
    p = np.asarray(policy_p, np.float64)
    per = np.where(match, residual**2 * (1.0 - p) / p**2, 0.0)
    return float(per.sum())


def estimate(
    log: LoggedDecisions, method: Method = "dr", estimand: Estimand = "expected"
) -> Estimate:
    """The target policy's total reward over the logged decisions.

    Args:
        log: The logged decisions.
        method: ``dr`` (doubly robust) or ``ips`` (inverse propensity).
        estimand: What the interval is about: what the target would have earned on
            the logged decisions (``realised``) or its expected value there
            (``expected``); the estimate is the same.

    Raises:
        DeterministicLog: The log is deterministic (no exploration, no holdout).
        ValueError: An unknown method or estimand.
    """
    if is_deterministic(log):
        raise DeterministicLog(
            "the decisions were logged without exploration or a holdout (every "
            "action had probability 1): another policy's value cannot be estimated "
            "from them"
        )
    if method not in ("ips", "dr"):
        raise ValueError(f"unknown method {method!r}: ips or dr")
    if estimand not in ("realised", "expected"):
        raise ValueError(f"unknown estimand {estimand!r}: realised or expected")
    match = np.asarray(log.action) == np.asarray(log.target)
    policy_p = np.asarray(log.policy_p, np.float64)
    weight = np.where(match, 1.0 / policy_p, 0.0)
    reward = np.asarray(log.reward, np.float64)
    if method == "dr":
        model_t = np.asarray(log.model_target, np.float64)
        model_a = np.asarray(log.model_action, np.float64)
    else:  # IPS is DR with a reward model of 0 everywhere
        model_t = model_a = np.zeros(len(reward))
    correction = weight * (reward - model_a)
    if estimand == "realised":
        total = float(correction.sum())
        half = Z95 * np.sqrt(realised_variance(match, policy_p, reward - model_a))
        low, high = total - half, total + half
    else:
        _, inverse = np.unique(np.asarray(log.cluster), return_inverse=True)
        total, low, high = sum_ci(cluster_sums(correction, inverse))
    fixed = float(model_t.sum())  # the direct-method part: no noise (see above)
    return Estimate(
        method,
        estimand,
        fixed + total,
        fixed + low,
        fixed + high,
        (high - low) / (2 * Z95),
        len(reward),
        int(match.sum()),
    )
