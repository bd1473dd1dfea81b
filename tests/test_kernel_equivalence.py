"""One decision kernel: the batch over a 10k generated base and the per-customer tool
(with reasons and the ledger rules on top) agree for every customer.

The per-customer side is the product's own per-customer code, called once per
customer, in the two ways the product calls it: alone (a chat turn: a batch of one)
for an evenly spread sample, and from many threads at once for everybody else (as
concurrent bookings do): :func:`tools.assess.assess` then coalesces the waiting
customers' reads and kernel run into small batches (at most ``MAX_BATCH``), which take
the kernel's small-batch branch as a batch of one does; the 10k batch takes the large
one. Threads cost the per-customer code its fixed query cost once per small batch
instead of once per customer: about a quarter of the sequential time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tools.assess import MAX_BATCH
from tools.customer_base import DERIVED
from tools.kernel.batch import decide_where
from tools.kernel.propensity import SMALL_BATCH
from tools.recommendation import Recommendation
from tools.store.generate import generate
from tools.store.importer import import_path
from tools.store.source import store_path
from tools.treatment import recommend_treatment

N = 10_000
ALONE_EVERY = 40  # every 40th customer is recommended alone (250 batches of one)
THREADS = 64


def test_batch_and_per_customer_paths_agree_on_10k_customers(ctx, tmp_path):
    generate(N, 11, tmp_path / "base")
    import_path(
        tmp_path / "base",
        store_path(ctx.config),
        ctx.config.validation.customer_id_pattern,
        DERIVED,
        replace=True,
    )
    d = decide_where(ctx.customers, ctx.config)
    assert len(d.customer_id) == N
    assert MAX_BATCH <= SMALL_BATCH < N  # coalesced batches branch as a batch of one
    ids = [str(cid) for cid in d.customer_id]
    alone = set(ids[::ALONE_EVERY])
    recs: dict[str, Recommendation] = {c: recommend_treatment(c, ctx) for c in alone}
    rest = [c for c in ids if c not in alone]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = pool.map(lambda c: recommend_treatment(c, ctx), rest)
        recs.update(zip(rest, answers, strict=True))
    keys = d.treatments
    # the batch's columns once (best_key and best_ev are computed on each access)
    best_key, best_ev = d.best_key, d.best_ev
    mismatches = []
    for i, cid in enumerate(ids):
        rec = recs[cid]
        assert rec.customer_id == cid
        one = [(r.treatment_key, r.score.expected_value) for r in rec.ranked]
        batch = [(keys[t], float(d.expected_value[i, t])) for t in d.ranking(i)]
        if one != batch or rec.top.treatment_key != best_key[i]:
            mismatches.append((cid, one[:2], batch[:2]))
        assert rec.top.score.expected_value == float(best_ev[i])
        best = int(d.best[i])  # V: the margin at risk (+ a stated need's offer)
        assert rec.top.score.value == round(
            float(d.value_at_risk[i] + d.need_value[i, best]), 2
        )
    assert not mismatches, mismatches[:5]
    # the choices are varied, not one treatment for everybody
    assert len(set(best_key)) >= 8
