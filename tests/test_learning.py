"""Learned P(accept): the Beta posterior on known counts, in the one kernel."""

from __future__ import annotations

import numpy as np
import pytest

from tools.allocation import allocate_treatment
from tools.kernel.batch import decide_ids
from tools.kernel.learned import Learned, posterior
from tools.learning import cells_of, learned_step, resolve_cells
from tools.outcomes import record_outcome

KEY = "marketing_call_back"


def test_posterior_mean_on_known_counts():
    """Prior 0.10 worth 20 trials, 34 accepted of 120 -> (2 + 34) / 140."""
    trials = np.zeros((2, 18), dtype=np.int64)
    accepted = np.zeros((2, 18), dtype=np.int64)
    trials[1, 5], accepted[1, 5] = 120, 34
    counts = Learned(trials, accepted, 20.0)
    p0 = np.array([[0.3, 0.10], [0.3, 0.10]])
    cells = np.array([[5, 5], [4, 4]])
    p, n, a = posterior(p0, cells, counts)
    assert p[0, 1] == pytest.approx(36 / 140)  # 0.257
    assert (n[0, 1], a[0, 1]) == (120, 34)
    assert p[0, 0] == 0.3 and p[1, 1] == 0.10  # no trials in the cell: the prior
    strong = posterior(p0, cells, Learned(trials, accepted, 1e6))[0]
    assert strong[0, 1] == pytest.approx(0.10, abs=1e-4)  # a strong prior barely moves
    none = posterior(p0, cells, Learned(trials, accepted, 0.0))[0]
    assert none[0, 1] == pytest.approx(34 / 120)  # no prior: the cell's own rate


def _learned_config(ctx, customer: str, trials: int, accepted: int):
    config = ctx.config
    [(cell, _)] = resolve_cells(ctx.customers, config, [(customer, KEY)])  # type: ignore[misc]
    row = (KEY, cell.value_level, cell.churn_level, cell.fit, trials, accepted)
    return config.model_copy(update={"learned_counts": (row,)})


def test_the_kernel_uses_the_posterior_and_says_where_p_came_from(ctx):
    before = decide_ids(ctx.customers, ctx.config, ["U128"])
    j = before.treatments.index(KEY)
    p0 = float(before.propensity[0, j])
    assert "p_prior" not in before.extra  # nothing learned: P as it was
    config = _learned_config(ctx, "U128", 120, 34)
    after = decide_ids(ctx.customers, config, ["U128"])
    prior = float(after.extra["p_prior"][0, j])
    assert prior == p0
    want = (config.learning.prior_strength * p0 + 34) / (
        config.learning.prior_strength + 120
    )
    assert float(after.propensity[0, j]) == pytest.approx(want, abs=1e-3)
    value = float(after.value_at_risk[0])
    assert float(after.expected_value[0, j]) == pytest.approx(
        float(after.propensity[0, j]) * value - float(after.cost[j]), abs=0.01
    )
    step = learned_step(after, 0, j, config)
    assert step is not None and step.startswith(f"prior {p0:.2f}; 34 accepted of 120")
    assert step.endswith(f"→ {float(after.propensity[0, j]):.2f}")
    other = before.treatments.index("retention_sms")
    assert after.propensity[0, other] == before.propensity[0, other]
    assert learned_step(after, 0, other, config) is None


def test_a_recorded_outcome_moves_the_next_decision(ctx):
    p0 = decide_ids(ctx.customers, ctx.config, ["U127"])
    j = p0.treatments.index(KEY)
    a = allocate_treatment("U128", KEY, "ana", ctx).allocation_id
    record_outcome(a, "accepted", ctx)
    config = ctx.config
    assert sum(r[4] for r in config.learned_counts) == 1
    d = decide_ids(ctx.customers, config, ["U128"])
    k = config.learning.prior_strength
    prior = float(d.extra["p_prior"][0, j])
    assert float(d.propensity[0, j]) == pytest.approx((k * prior + 1) / (k + 1), 1e-3)
    cell_128 = int(cells_of(d, config)[0, j])
    other = decide_ids(ctx.customers, config, ["U127"])
    if int(cells_of(other, config)[0, j]) != cell_128:  # another cell: unmoved
        assert other.propensity[0, j] == p0.propensity[0, j]


def test_learning_can_be_switched_off(ctx):
    a = allocate_treatment("U128", KEY, "ana", ctx).allocation_id
    record_outcome(a, "accepted", ctx)
    off = ctx.config.model_copy(
        update={
            "learning": ctx.config.learning.model_copy(update={"enabled": False}),
            "learned_counts": (),
        }
    )
    from tools.learning_counts import with_outcomes

    assert with_outcomes(off, ctx.ledger).learned_counts == ()


def test_each_decision_logs_its_p_and_the_policy_probability(ctx, caplog):
    from tools.treatment import recommend_treatment

    a = allocate_treatment("U128", KEY, "ana", ctx).allocation_id
    record_outcome(a, "accepted", ctx)
    with caplog.at_level("INFO", logger="tools.decisions"):
        rec = recommend_treatment("U127", ctx)
    [line] = [r.getMessage() for r in caplog.records if "chosen=" in r.getMessage()]
    top = rec.top
    assert f"chosen={top.treatment_key} p_accept={top.score.propensity:.3f} " in line
    assert "policy_p=1.000" in line
    mcb = [r for r in rec.ranked if r.treatment_key == KEY]
    for r in mcb:  # where its P came from, when its cell has an outcome
        assert "accepted of" not in r.score.propensity_source or (
            "prior" in r.score.propensity_source
        )
