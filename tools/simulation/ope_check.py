"""Off-policy evaluation in the simulator: ours' log, the estimate, the hidden truth.

Each day ours (with exploration) logs its decisions (:func:`log_day`): the action
taken and its probability, the realised reward, ours' reward model for the action
taken and for the one it takes without exploration (the target), and, from the
hidden response model, two truths about the target: what it would have earned
(its action's outcome with the customer-day's own uniform draw, the common random
numbers every policy shares) and its true expected reward. At the end
:func:`off_policy` estimates the target's total with the doubly robust estimator of
:mod:`tools.simulation.ope` and checks each of its two intervals against its truth
(a log without exploration is refused, with the sentence saying why). Only the
runner's side of the simulator reads the hidden model (:mod:`tools.simulation.run`
and this module).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from tools.simulation.hidden import HiddenModel
from tools.simulation.ope import (
    DeterministicLog,
    Estimate,
    LoggedDecisions,
    estimate,
)
from tools.simulation.policies import NONE, Choice
from tools.simulation.population import Population


class Check(BaseModel):
    """One estimand's 95% interval against its simulated truth.

    ``z`` is ``(estimate - truth) / se``; ``se_exact`` the estimate's standard
    error computed from the hidden model (what ``se`` estimates; only a simulation
    knows it).
    """

    ci95: tuple[float, float]
    se: float
    se_exact: float
    truth: float
    covered: bool
    z: float


class OffPolicy(BaseModel):
    """The off-policy estimate of ours without exploration, against the truth.

    ``realised`` checks the interval about what the target would have earned on the
    logged decisions (the truth: the hidden outcome of each action it would have
    taken, with the same draws); ``expected`` the interval about its expected value
    there (the truth: the hidden ``P x value - cost`` of those actions), given the
    history of the run.
    """

    target: str
    method: str
    estimate: float
    realised: Check
    expected: Check
    rows: int
    matched: int


def log_day(
    log: list[dict[str, np.ndarray]],
    choice: Choice,
    hidden: HiddenModel,
    pop: Population,
    eligible: np.ndarray,
    u: np.ndarray,
) -> None:
    """Add ours' decisions of the day to ``log`` for off-policy evaluation.

    A decision is a customer who could be contacted and had an option (an action
    by either policy, or a randomised one); the rest add nothing to any estimate.
    """
    if choice.model_value is None or choice.greedy is None:
        return
    decided = (choice.action != NONE) | (choice.greedy != NONE)
    rows = np.flatnonzero(eligible & (decided | (choice.policy_p < 1.0)))
    a, g = choice.action[rows], choice.greedy[rows]
    target_p = np.ones(len(rows)) if choice.greedy_p is None else choice.greedy_p[rows]
    model = choice.model_value[rows]
    r_model_a = np.where(a != NONE, model[np.arange(len(rows)), a], 0.0)
    r_model_g = np.where(g != NONE, model[np.arange(len(rows)), g], 0.0)
    yes = (a != NONE) & (u[rows] < hidden.p_true[rows, np.maximum(a, 0)])
    reward = np.where(
        a != NONE, yes * pop.value[rows, np.maximum(a, 0)] - pop.prior.cost[a], 0.0
    )
    g0 = np.maximum(g, 0)
    value_g, cost_g = pop.value[rows, g0], pop.prior.cost[g]
    true_g = np.where(g != NONE, hidden.p_true[rows, g0] * value_g - cost_g, 0.0)
    yes_g = (g != NONE) & (u[rows] < hidden.p_true[rows, g0])  # the same draws
    realised_g = np.where(g != NONE, yes_g * value_g - cost_g, 0.0)
    log.append(
        {
            "customer": rows,
            "action": a,
            "policy_p": choice.policy_p[rows],
            "target_p": target_p,
            "reward": reward,
            "model_action": r_model_a,
            "target": g,
            "model_target": r_model_g,
            "truth": true_g,
            "realised": realised_g,
            "p_true_g": np.where(g != NONE, hidden.p_true[rows, g0], 0.0),
            "value_g": np.where(g != NONE, value_g, 0.0),
        }
    )


def exact_se(cat: dict[str, np.ndarray]) -> float:
    """DR's standard error about the expected value, from the hidden model.

    The sum of each decision's variance given the history (the exploration coin and
    the outcome), estimated without bias from the decisions that took the target's
    action, each weighed by ``1 / policy_p``.
    """
    pi, p, v = cat["policy_p"], cat["p_true_g"], cat["value_g"]
    bias = cat["truth"] - cat["model_target"]
    noise = p * (1 - p) * v**2  # the outcome's variance
    var = (bias**2 + noise) / pi - bias**2  # coin and outcome, given the history
    took = cat["action"] == cat["target"]
    return float(np.sqrt(np.sum(np.where(took, var / pi, 0.0))))


def exact_se_realised(cat: dict[str, np.ndarray]) -> float:
    """DR's standard error about what the target would have earned, exactly.

    ``sum (Y - model)^2 (1 - p) / p`` over every decision, with ``Y`` the target's
    outcome with the same draws (hidden where the log took another action) and
    ``p`` its action's probability under the logging policy.
    """
    p = cat["target_p"]
    residual = cat["realised"] - cat["model_target"]
    return float(np.sqrt(np.sum(residual**2 * (1.0 - p) / p)))


def _check(est: Estimate, truth: float, se_exact: float) -> Check:
    """An estimate's interval against a truth."""
    z = (est.value - truth) / est.se if est.se > 0 else 0.0
    return Check(
        ci95=(round(est.low, 2), round(est.high, 2)),
        se=round(est.se, 2),
        se_exact=round(se_exact, 2),
        truth=round(truth, 2),
        covered=est.low <= truth <= est.high,
        z=round(z, 3),
    )


def off_policy(
    days: list[dict[str, np.ndarray]],
) -> tuple[OffPolicy | None, str | None]:
    """Ours without exploration, estimated from ours' log, vs the truth.

    Args:
        days: Ours' log, one entry per day (:func:`log_day`).

    Returns:
        The estimate, or None and the sentence saying why it was not made (the
        log is deterministic: exploration off).
    """
    if not days:
        return None, None
    cat = {k: np.concatenate([d[k] for d in days]) for k in days[0]}
    log = LoggedDecisions(
        cluster=cat["customer"],
        action=cat["action"],
        policy_p=cat["policy_p"],
        reward=cat["reward"],
        model_action=cat["model_action"],
        target=cat["target"],
        model_target=cat["model_target"],
    )
    try:
        realised = estimate(log, "dr", "realised")
        expected = estimate(log, "dr", "expected")
    except DeterministicLog as exc:
        return None, str(exc)
    return (
        OffPolicy(
            target="ours without exploration",
            method=realised.method,
            estimate=round(realised.value, 2),
            realised=_check(
                realised, float(cat["realised"].sum()), exact_se_realised(cat)
            ),
            expected=_check(expected, float(cat["truth"].sum()), exact_se(cat)),
            rows=realised.rows,
            matched=realised.matched,
        ),
        None,
    )
