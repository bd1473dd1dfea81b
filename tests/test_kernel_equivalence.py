"""One decision kernel: the batch over a 10k generated base and the per-customer tool
(a batch of one, with reasons and the ledger rules on top) agree for every customer."""

from __future__ import annotations

from tools.kernel.batch import decide_where
from tools.store.generate import generate
from tools.store.importer import import_path
from tools.store.source import store_path
from tools.treatment import recommend_treatment

N = 10_000


def test_batch_and_per_customer_paths_agree_on_10k_customers(ctx, tmp_path):
    generate(N, 11, tmp_path / "base")
    import_path(
        tmp_path / "base",
        store_path(ctx.config),
        ctx.config.validation.customer_id_pattern,
        replace=True,
    )
    d = decide_where(ctx.customers, ctx.config)
    assert len(d.customer_id) == N
    keys = d.treatments
    mismatches = []
    for i, cid in enumerate(d.customer_id):
        rec = recommend_treatment(str(cid), ctx)
        one = [(r.treatment_key, r.score.expected_value) for r in rec.ranked]
        batch = [(keys[t], float(d.expected_value[i, t])) for t in d.ranking(i)]
        if one != batch or rec.top.treatment_key != d.best_key[i]:
            mismatches.append((cid, one[:2], batch[:2]))
        assert rec.top.score.expected_value == float(d.best_ev[i])
        assert rec.top.score.value == float(d.value_at_risk[i])
    assert not mismatches, mismatches[:5]
    # the choices are varied, not one treatment for everybody
    assert len(set(d.best_key)) >= 8
