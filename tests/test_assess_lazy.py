"""An assessment works out what its caller reads: a booking words no evidence.

The kernel's numbers come with every assessment; the journey metrics and the
evidence of each signal (the chat's reasons) are made on first use, so a booking of
a customer with no open problem (nothing to word for SUITABILITY) makes neither.
And one customer's row of a batch is that batch's row, whichever way it is taken.
"""

from __future__ import annotations

import numpy as np

from tools import assess as assess_module
from tools.allocation import allocate_treatment
from tools.assess import assess, assess_batch, forget_assessments
from tools.eligibility import customer_verdicts
from tools.kernel.signals import SIGNALS


def _calm_and_troubled(ctx):
    calm, troubled = [], []
    for cid in ctx.customers.ids():
        a = assess(cid, ctx)
        (troubled if a.decisions.problems[0].any() else calm).append(cid)
    return calm, troubled


def _lawful(a, key, ctx):
    fixed = customer_verdicts(a, key, ctx.config)
    return all(v.passed for v in fixed.before) and fixed.applicability.passed


def test_a_booking_words_no_evidence_without_an_open_problem(ctx, monkeypatch):
    calm, troubled = _calm_and_troubled(ctx)
    assert calm and troubled
    forget_assessments()
    worded: list[str] = []
    real = assess_module.find_signals

    def counted(customer, *args, **kwargs):
        worded.append(customer.customer_id)
        return real(customer, *args, **kwargs)

    monkeypatch.setattr(assess_module, "find_signals", counted)
    cid = calm[0]
    a = assess(cid, ctx)
    key = next(k for k in ctx.config.treatments if k != "ignore" and _lawful(a, k, ctx))
    booked = allocate_treatment(cid, key, "ana", ctx)
    assert booked.customer_id == cid and booked.treatment_key == key
    assert worded == []
    held = {s for s, on in zip(SIGNALS, a.decisions.signals[0], strict=False) if on}
    assert {i.signal for i in a.analysis.insights} == held  # made now, on first use
    assert a.analysis is a.analysis and worded == [cid]  # once
    assert a.metrics.churn_score == float(a.decisions.extra["churn_score"][0])


def test_suitability_names_the_open_problem_with_its_evidence_date(ctx):
    _, troubled = _calm_and_troubled(ctx)
    a = assess(troubled[0], ctx)
    marketing = next(
        k for k, t in ctx.config.treatments.items() if t.purpose == "marketing"
    )
    [suitability] = [
        v
        for v in customer_verdicts(a, marketing, ctx.config).before
        if v.rule == "SUITABILITY"
    ]
    assert not suitability.passed
    assert suitability.reason.startswith("service before selling: ")
    assert "(20" in suitability.reason  # the latest evidence's date, from the record


def test_one_customers_row_is_the_batchs_row(ctx):
    ids = ctx.customers.ids()
    batch = assess_batch(ids, ctx.customers, ctx.config)
    for cid in ids:
        one = batch[cid].decisions  # a view of the batch's row
        assert one.customer_id.tolist() == [cid]
        alone = assess_batch([cid], ctx.customers, ctx.config)[cid].decisions
        for name in ("propensity", "expected_value", "lawful", "signals", "best"):
            assert np.array_equal(getattr(one, name), getattr(alone, name)), name
        assert one.failed.keys() == alone.failed.keys()
        for rule, mask in one.failed.items():
            assert np.array_equal(mask, alone.failed[rule]), rule
        assert one.extra.keys() == alone.extra.keys()
