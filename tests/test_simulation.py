"""The simulator (issue 19 part 5): hidden model kept from policies; seeds; rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.cli.main import main
from tools.config import get_config
from tools.simulation.hidden import HiddenModel
from tools.simulation.policies import NONE, SeedRules, daily_caps, make
from tools.simulation.population import generated
from tools.simulation.run import Settings, simulate
from tools.simulation.stats import expected_calibration_error, sum_ci

ROOT = Path(__file__).resolve().parent.parent
N = 600


@pytest.fixture(scope="module")
def pop():
    return generated(N, 4, get_config())


def test_the_policies_run_without_the_hidden_model_loaded():
    """Choosing with every policy never imports the hidden model (nor is given it)."""
    code = (
        "import sys, numpy as np\n"
        "from tools.config import get_config\n"
        "from tools.simulation.population import generated\n"
        "from tools.simulation.policies import POLICIES, make\n"
        "pop = generated(200, 1, get_config())\n"
        "for name in POLICIES:\n"
        "    p = make(name, pop, 1.0, 0.1 if name == 'ours' else 0.0)\n"
        "    c = p.choose(np.ones(pop.n, bool), np.random.default_rng(0))\n"
        "    rows = np.flatnonzero(c.action >= 0)\n"
        "    p.learn(rows, c.action[rows], np.ones(len(rows), bool))\n"
        "    p.choose(np.ones(pop.n, bool), np.random.default_rng(1))\n"
        "assert 'tools.simulation.hidden' not in sys.modules, 'hidden model loaded'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_import_contract_forbids_the_hidden_model_to_the_policies():
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("the simulator's hidden response model")[1].split("[[")[0]
    for module in ("tools.simulation.policies", "tools.kernel", "tools.planning"):
        assert f'"{module}"' in block
    assert 'forbidden_modules = ["tools.simulation.hidden"]' in block


def test_the_hidden_model_differs_from_the_prior_and_by_seed(pop):
    a, b = HiddenModel.draw(pop, 1), HiddenModel.draw(pop, 2)
    lawful = pop.prior.lawful & (pop.prior.propensity > 0)
    gap = np.abs(a.p_true - pop.prior.propensity)[lawful]
    assert gap.mean() > 0.02  # the prior is partly wrong
    assert np.abs(a.p_true - b.p_true)[lawful].mean() > 0.01
    assert a.p_true.max() <= 0.95 and a.p_true.min() >= 0.0
    base = pop.treatments.index("ignore")
    assert not a.p_true[:, base].any()  # no action is never "accepted"


def test_a_seed_gives_the_same_run(pop):
    s = Settings(customers=N, days=4, seed=3, epsilon=0.1)
    one = simulate(s, get_config(), pop).model_dump(exclude={"seconds"})
    two = simulate(s, get_config(), pop).model_dump(exclude={"seconds"})
    assert one == two
    other = simulate(s.model_copy(update={"seed": 4}), get_config(), pop)
    assert other.model_dump(exclude={"seconds"}) != one


def test_seed_rules_take_the_highest_stated_lawful_offer(pop):
    caps = (np.full(len(pop.treatments), np.inf), np.full(len(pop.treatments), np.inf))
    rules = SeedRules(pop, caps)
    c = rules.choose(np.ones(pop.n, bool), np.random.default_rng(0))
    o = pop.offers
    best: dict[int, float] = {}
    lawful = pop.prior.lawful
    base = pop.treatments.index("ignore")
    for row, t, live, p in zip(
        o["row_no"], o["treatment_index"], o["live"], o["propensity"], strict=True
    ):
        i = int(np.searchsorted(pop.prior.row_no, row))
        if live and t >= 0 and t != base and lawful[i, t]:
            best[i] = max(best.get(i, 0.0), float(p))
    assert best, "the population has lawful live offers"
    for i in range(pop.n):
        if i in best:
            assert c.action[i] != NONE and lawful[i, c.action[i]]
            assert rules.stated[i, c.action[i]] == pytest.approx(best[i])
        else:
            assert c.action[i] == NONE
    assert np.all(c.policy_p == 1.0)


def test_seed_rules_book_first_come_in_id_order_within_capacity(pop):
    caps = daily_caps(pop.config, 1.0)
    unlimited = SeedRules(pop, (np.full_like(caps[0], np.inf),) * 2)
    free = unlimited.choose(np.ones(pop.n, bool), np.random.default_rng(0)).action
    t = int(np.bincount(free[free >= 0]).argmax())
    wanted = np.flatnonzero(free == t)
    assert len(wanted) >= 3
    cap_all = np.full_like(caps[0], np.inf)
    cap_all[t] = 2
    limited = SeedRules(pop, (cap_all, cap_all.copy()))
    got = limited.choose(np.ones(pop.n, bool), np.random.default_rng(0)).action
    assert list(np.flatnonzero(got == t)) == list(wanted[:2])  # the first two ids


def test_random_is_lawful_and_within_capacity(pop):
    caps = daily_caps(pop.config, 1.0)
    policy = make("random", pop, 1.0)
    c = policy.choose(np.ones(pop.n, bool), np.random.default_rng(5))
    rows = np.flatnonzero(c.action != NONE)
    assert len(rows) > pop.n // 4
    assert pop.prior.lawful[rows, c.action[rows]].all()
    used = np.bincount(c.action[rows], minlength=len(pop.treatments))
    assert np.all(used <= caps[0])
    assert len(set(c.action[rows].tolist())) >= 4


def test_ours_learns_toward_the_truth(pop):
    s = Settings(customers=N, days=12, seed=2, policies=("ours",))
    r = simulate(s, get_config(), pop)
    assert r.calibration_by_day and r.calibration_error is not None
    assert r.policies["ours"].contacts > 0
    # later weeks are better calibrated than the first day (the prior is off)
    assert r.calibration_error_true is not None
    assert np.mean(r.calibration_by_day[-3:]) < r.calibration_by_day[0]


def test_intervals_and_calibration_error_on_known_numbers():
    total, lo, hi = sum_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    half = 1.959964 * 2 * np.std([1, 2, 3, 4], ddof=1)
    assert (
        total == 10
        and lo == pytest.approx(10 - half)
        and hi == pytest.approx(10 + half)
    )
    p = np.array([0.05, 0.05, 0.55, 0.55])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    # bins 0 and 5: |0.05 - 0| and |0.55 - 1|, each half the outcomes
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.05 + 0.5 * 0.45)
    assert expected_calibration_error(p, p) == 0.0


def test_cvm_simulate_json_shape(capsys):
    argv = ["simulate", "--customers", "300", "--days", "3", "--seed", "1"]
    assert main([*argv, "--policy", "ours", "--policy", "random", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["policies"]) == {"ours", "random"}
    for p in out["policies"].values():
        lo, hi = p["ci95"]
        assert lo <= p["value"] <= hi
    assert isinstance(out["calibration_error"], float)
    assert out["off_policy"] is None  # no exploration, nothing to estimate from
    assert "cannot be estimated" in out["off_policy_refused"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "seed-rules" in text and "ours" in text and "95% CI" in text
    assert "Off-policy: not estimated: the decisions were logged without" in text


def test_cvm_simulate_refuses_bad_numbers_in_one_line(capsys):
    assert main(["simulate", "--customers", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--customers" in err


def test_cvm_simulate_writes_a_loss_with_its_minus_before_the_pound():
    from assistant.cli.simulate import _pounds

    assert _pounds(-283.4) == "-£283" and _pounds(1_012_174.2) == "£1,012,174"
