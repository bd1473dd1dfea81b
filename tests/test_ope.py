"""Off-policy evaluation (issue 19 part 6) and exploration's propensities."""

from __future__ import annotations

import numpy as np
import pytest

from tools.config import get_config
from tools.planning.explore import epsilon_greedy, never_binding
from tools.planning.problem import UNASSIGNED, PlanProblem
from tools.simulation.ope import DeterministicLog, LoggedDecisions, estimate
from tools.simulation.population import generated
from tools.simulation.run import Settings, simulate


def _log(action, p, reward, target, model_a=None, model_t=None):
    m = len(action)
    return LoggedDecisions(
        cluster=np.arange(m),
        action=np.asarray(action),
        policy_p=np.asarray(p, float),
        reward=np.asarray(reward, float),
        model_action=np.zeros(m) if model_a is None else np.asarray(model_a, float),
        target=np.asarray(target),
        model_target=np.zeros(m) if model_t is None else np.asarray(model_t, float),
    )


def test_ips_and_dr_recover_a_known_value_on_a_balanced_log():
    # two actions logged half and half at p = 0.5; action 1 pays 10, action 0 pays 2
    action = np.array([0, 1] * 50)
    reward = np.where(action == 1, 10.0, 2.0)
    target = np.ones(100, dtype=int)
    ips = estimate(_log(action, [0.5] * 100, reward, target), "ips")
    assert ips.value == pytest.approx(1000.0) and ips.matched == 50
    model_a = np.where(action == 1, 10.0, 2.0)
    dr = estimate(_log(action, [0.5] * 100, reward, target, model_a, [10.0] * 100))
    assert dr.value == pytest.approx(1000.0)
    assert dr.low == pytest.approx(1000.0) and dr.high == pytest.approx(1000.0)


def test_dr_interval_covers_the_truth_of_a_random_log():
    rng = np.random.default_rng(7)
    m = 20_000
    p_accept = np.array([0.1, 0.3, 0.5])
    action = rng.integers(0, 3, m)
    reward = (rng.random(m) < p_accept[action]) * 20.0
    target = np.full(m, 2)
    truth = m * 0.5 * 20.0
    wrong_model = 20.0 * 0.4  # a biased model: DR is still unbiased
    dr = estimate(
        _log(action, [1 / 3] * m, reward, target, [wrong_model] * m, [wrong_model] * m)
    )
    assert dr.low <= truth <= dr.high
    assert (dr.high - dr.low) / dr.value < 0.1
    ips = estimate(_log(action, [1 / 3] * m, reward, target), "ips")
    assert ips.low <= truth <= ips.high
    assert dr.high - dr.low < ips.high - ips.low  # the model takes noise out


def test_a_deterministic_log_is_refused_not_estimated():
    with pytest.raises(DeterministicLog, match="cannot be estimated"):
        estimate(_log([1, 0, 1], [1.0] * 3, [5.0, 0.0, 0.0], [0, 0, 0]))
    with pytest.raises(ValueError, match="policy_p"):
        _log([1], [0.0], [1.0], [1])


def _problem(cap_t1: float) -> PlanProblem:
    # 4 customers; treatment 0 unlimited, treatment 1 capped
    return PlanProblem(
        customer_ids=np.array(["A", "B", "C", "D"]),
        high_value=np.zeros(4, bool),
        treatments=("t0", "t1"),
        pair_customer=np.array([0, 0, 1, 1, 2, 3]),
        pair_treatment=np.array([0, 1, 0, 1, 0, 1]),
        ev=np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0]),
        cost=np.ones(6),
        cap_all=np.array([np.inf, cap_t1]),
        cap_std=np.array([np.inf, cap_t1]),
    )


def test_epsilon_greedy_off_changes_nothing_and_is_deterministic():
    p = _problem(1)
    choice = np.array([1, 2, 4, UNASSIGNED])
    ex = epsilon_greedy(p, choice, 0.0, np.random.default_rng(0))
    assert np.array_equal(ex.choice, choice) and np.all(ex.policy_p == 1.0)


def test_epsilon_greedy_propensities_match_the_draws_and_respect_capacity():
    p = _problem(2)  # t1: 3 customers hold it, 2 slots: it may bind
    assert list(never_binding(p)) == [True, False]
    choice = np.array([1, 2, 4, 5])  # the plan: A t1, B t0, C t0, D t1
    eps, runs = 0.3, 4000
    rng = np.random.default_rng(1)
    seen: dict[tuple[int, int], list[float]] = {}
    counts: dict[tuple[int, int], int] = {}
    kept = np.zeros(4)  # how often each customer got the plan's own action
    for _ in range(runs):
        ex = epsilon_greedy(p, choice, eps, rng)
        kept += ex.choice == choice
        assert np.array_equal(
            ex.policy_p[ex.choice == choice], ex.plan_p[ex.choice == choice]
        )
        for c in range(4):
            key = (c, int(ex.choice[c]))
            counts[key] = counts.get(key, 0) + 1
            seen.setdefault(key, []).append(float(ex.policy_p[c]))
            if ex.choice[c] != UNASSIGNED and ex.choice[c] != choice[c]:
                assert p.pair_treatment[ex.choice[c]] == 0  # never a capped one
    for key, ps in seen.items():
        assert len(set(ps)) == 1  # one probability per (customer, action)
        assert counts[key] / runs == pytest.approx(ps[0], abs=0.03)
    for c in range(4):
        assert sum(seen[k][0] for k in seen if k[0] == c) == pytest.approx(1.0)
    # the plan's action: 1 - eps, plus eps / k when exploration may draw it too
    assert list(ex.plan_p) == pytest.approx(
        [1 - eps, 1 - eps + eps / 2, 1 - eps + eps / 2, 1 - eps]
    )
    assert kept / runs == pytest.approx(ex.plan_p, abs=0.02)


def test_the_dr_interval_covers_the_expected_value_on_the_logged_decisions():
    """Repeated logs of fixed decisions: the 95% interval covers about 95% of runs.

    The customers differ a lot (so a variance across them would be far too wide for
    this estimand) and the reward model is biased (so DR must lean on the
    correction term, whose noise is the interval).
    """
    rng = np.random.default_rng(11)
    m, runs, eps = 3000, 400, 0.2
    value = rng.lognormal(3.0, 1.2, (m, 2))  # two actions, customers unalike
    p_true = rng.uniform(0.5, 0.9, (m, 2))
    q = p_true * value - 1.0  # the true expected reward of each action
    target = np.argmax(rng.random((m, 2)), axis=1)
    model = q * 1.3 + rng.normal(0, 3, (m, 2))  # biased and noisy
    truth = q[np.arange(m), target].sum()
    policy_p_target = 1 - eps + eps / 2
    covered, widths, spread = 0, [], []
    for _ in range(runs):
        explore = rng.random(m) < eps
        action = np.where(explore, rng.integers(0, 2, m), target)
        policy_p = np.where(action == target, policy_p_target, eps / 2)
        yes = rng.random(m) < p_true[np.arange(m), action]
        reward = yes * value[np.arange(m), action] - 1.0
        dr = estimate(
            _log(
                action,
                policy_p,
                reward,
                target,
                model[np.arange(m), action],
                model[np.arange(m), target],
            )
        )
        covered += dr.low <= truth <= dr.high
        widths.append(dr.high - dr.low)
        spread.append(dr.value)
    assert 0.92 <= covered / runs <= 0.98
    # as wide as the estimate really varies (with the model term: 1.6 x wider)
    assert np.median(widths) / (2 * 1.96 * np.std(spread)) == pytest.approx(1, abs=0.15)


def test_the_realised_interval_covers_what_the_target_would_have_earned():
    """Customers who have answered, exploration coins drawn again: about 95% covered.

    Each decision's outcome under each action is drawn once (the finite-population
    truth: the target's outcomes summed is a fixed number); only the logging
    policy's coin varies from run to run, so the interval is the coin's noise alone,
    far narrower than the expected value's on the same logs.
    """
    rng = np.random.default_rng(12)
    m, runs, eps = 3000, 400, 0.2
    value = rng.lognormal(3.0, 1.2, (m, 2))  # two actions, customers unalike
    p_true = rng.uniform(0.5, 0.9, (m, 2))
    outcome = (rng.random((m, 2)) < p_true) * value - 1.0  # each answer, drawn once
    target = np.argmax(rng.random((m, 2)), axis=1)
    model = (p_true * value - 1.0) * 1.3 + rng.normal(0, 3, (m, 2))  # biased
    truth = outcome[np.arange(m), target].sum()
    p_target = 1 - eps + eps / 2
    covered, widths, spread, expected_widths = 0, [], [], []
    for _ in range(runs):
        explore = rng.random(m) < eps
        action = np.where(explore, rng.integers(0, 2, m), target)
        log = _log(
            action,
            np.where(action == target, p_target, eps / 2),
            outcome[np.arange(m), action],
            target,
            model[np.arange(m), action],
            model[np.arange(m), target],
        )
        got = estimate(log, "dr", "realised")
        covered += got.low <= truth <= got.high
        widths.append(got.high - got.low)
        spread.append(got.value)
        expected = estimate(log, "dr", "expected")
        assert expected.value == got.value  # one estimate, two intervals
        expected_widths.append(expected.high - expected.low)
    assert 0.92 <= covered / runs <= 0.98
    assert np.mean(spread) - truth == pytest.approx(0, abs=np.std(spread) / 5)
    assert np.median(widths) / (2 * 1.96 * np.std(spread)) == pytest.approx(1, abs=0.15)
    assert np.median(expected_widths) > 2 * np.median(widths)


def test_an_unknown_estimand_is_refused():
    with pytest.raises(ValueError, match="estimand"):
        estimate(_log([1, 0], [0.5, 0.5], [1.0, 0.0], [1, 1]), "dr", "future")


def test_the_simulated_off_policy_estimate_covers_the_hidden_truth():
    pop = generated(1000, 2, get_config())
    zs: dict[str, list[float]] = {"realised": [], "expected": []}
    ratios: dict[str, list[float]] = {"realised": [], "expected": []}
    for seed in range(1, 7):
        s = Settings(
            customers=1000, days=12, seed=seed, epsilon=0.2, policies=("ours",)
        )
        o = simulate(s, get_config(), pop).off_policy
        assert o is not None and o.rows > 0 and 0 < o.matched < o.rows
        for name in zs:
            c = getattr(o, name)
            assert c.ci95[0] <= o.estimate <= c.ci95[1] and c.se > 0
            assert c.covered == (c.ci95[0] <= c.truth <= c.ci95[1])
            ratios[name].append(c.se / c.se_exact)  # the hidden model's se
            zs[name].append(c.z)
        assert o.realised.se < o.expected.se  # the customers' answers are known
    for name in zs:
        assert sum(abs(z) <= 1.96 for z in zs[name]) >= 5, (name, zs[name])
        assert 0.85 < np.mean(ratios[name]) < 1.4, (name, ratios[name])
        assert min(ratios[name]) > 0.6, (name, ratios[name])
        assert np.mean(np.abs(zs[name])) < 1.3, (name, zs[name])  # ~0.8 if right


def test_a_simulation_without_exploration_refuses_the_off_policy_estimate():
    pop = generated(300, 3, get_config())
    s = Settings(customers=300, days=3, seed=1, epsilon=0.0, policies=("ours",))
    r = simulate(s, get_config(), pop)
    assert r.off_policy is None
    assert r.off_policy_refused is not None
    assert "cannot be estimated" in r.off_policy_refused
    s = s.model_copy(update={"policies": ("random",)})
    assert simulate(s, get_config(), pop).off_policy_refused is None  # no ours


def _explore_ctx(tmp_path, epsilon, name):
    from tools.context import ToolContext

    config = get_config()
    learning = config.learning.model_copy(update={"exploration": epsilon})
    return ToolContext.create(
        config.model_copy(update={"learning": learning}), state_dir=tmp_path / name
    )


def test_plans_explore_only_when_asked_and_log_each_policy_p(tmp_path, caplog):
    import logging

    from tools.planning.plan import make_plan, plan_store

    def pairs(ctx, out):
        rows = plan_store(ctx).rows(out.plan.plan_id)
        return sorted((r.customer_id, r.treatment_key) for r in rows)

    caplog.set_level(logging.DEBUG, logger="tools.decisions")
    off_ctx = _explore_ctx(tmp_path, 0.0, "off")
    off = pairs(off_ctx, make_plan(None, off_ctx))
    assert "plan explore" not in caplog.text
    on_ctx = _explore_ctx(tmp_path, 1.0, "on")
    on = pairs(on_ctx, make_plan(None, on_ctx))
    info = [r for r in caplog.records if r.getMessage().startswith("plan explore")]
    assert len(info) == 1 and info[0].levelno == logging.INFO
    assert "customer=" not in info[0].getMessage()  # ids at DEBUG only
    lines = [r.getMessage() for r in caplog.records if "policy_p=" in r.getMessage()]
    assert len([x for x in lines if x.startswith("plan customer=")]) == len(on)
    assert on != off  # everyone explored (epsilon 1)
    again_ctx = _explore_ctx(tmp_path, 1.0, "again")
    assert pairs(again_ctx, make_plan(None, again_ctx)) == on  # seeded by the time
