"""find_customers and summarise_base: typed filters over the kernel's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import GENERATED
from tools.base_queries import Group, find_customers, summarise_base
from tools.errors import ToolInputError
from tools.kernel.signals import SIGNALS
from tools.treatment import recommend_treatment


def test_highest_churn_first_with_the_kernels_best_action(ctx):
    found = find_customers(ctx=ctx)
    assert found.matched == found.total == 12
    scores = [r.churn_score for r in found.rows]
    assert scores == sorted(scores, reverse=True)
    assert found.rows[0].customer_id == "U124"
    for row in found.rows[:4]:
        rec = recommend_treatment(row.customer_id, ctx)
        assert (row.recommended, row.expected_value) == (
            rec.top.treatment_key,
            rec.top.score.expected_value,
        )


def test_filters_combine(ctx):
    shock = find_customers(signals=["bill_shock"], limit=100, ctx=ctx)
    assert shock.matched == 5 and all("bill_shock" in r.signals for r in shock.rows)
    high = find_customers(value_band="high", marketing_allowed=False, ctx=ctx)
    # U126 objects to marketing; U132 has an open network complaint (SUITABILITY)
    assert [r.customer_id for r in high.rows] == ["U126", "U132"]
    vuln = find_customers(vulnerable=True, ctx=ctx)
    assert [r.customer_id for r in vuln.rows] == ["U133"]
    no_sms = find_customers(
        consent_channel="sms",
        consent_purpose="marketing",
        consent_granted=False,
        limit=100,
        ctx=ctx,
    )
    assert "U124" in {r.customer_id for r in no_sms.rows}
    by_ev = find_customers(order_by="expected_value", limit=3, ctx=ctx)
    evs = [r.expected_value for r in by_ev.rows]
    assert evs == sorted(evs, reverse=True) and len(evs) == 3
    family = find_customers(segment="Family", ctx=ctx)
    assert family.matched and all(r.segment == "family" for r in family.rows)
    with pytest.raises(ToolInputError):
        find_customers(consent_channel="sms", ctx=ctx)


def test_summary_adds_up(ctx):
    s = summarise_base(ctx=ctx)
    assert s.customers == s.total == 12
    assert sum(g.customers for g in s.by_segment) == 12
    assert sum(g.customers for g in s.by_recommended) == 12
    assert round(sum(g.expected_value for g in s.by_recommended), 2) == s.expected_value
    rules = {g.key: g.customers for g in s.excluded_by_rule}
    assert rules["OBJECTION"] >= 1 and rules["VULNERABLE"] == 1


def test_the_sql_fast_path_agrees_with_the_kernel_walk(ctx, monkeypatch):
    from tools.base_queries import find as find_module

    cases = [
        {"churn_band": "high"},
        {"order_by": "value", "limit": 5},
        {"value_band": "medium", "segment": "consumer"},
        {"vulnerable": False, "churn_band": "low", "limit": 3},
    ]
    fast = [find_customers(ctx=ctx, **c) for c in cases]
    monkeypatch.setattr(find_module, "needs_kernel", lambda a: True)
    slow = [find_customers(ctx=ctx, **c) for c in cases]
    assert [f.model_dump() for f in fast] == [s.model_dump() for s in slow]
    assert fast[0].matched == 2


# -- on a generated base: the compact scan and the queries against brute force ------

N_BASE = GENERATED


def _everyone(ctx):
    from tools.kernel.batch import decide_where

    return decide_where(ctx.customers, ctx.config, extra=("segment", "plan_name"))


def test_the_scan_in_chunks_and_slices_is_the_kernel_in_one_batch(
    base_ctx, monkeypatch
):
    from tools.base_queries import scan as scan_module

    monkeypatch.setattr(scan_module, "SLICE", 97)  # slices cut across offers
    s = scan_module.scan(base_ctx, signals=True, rules=True, chunk=700)
    d = _everyone(base_ctx)
    assert len(s) == N_BASE
    assert (s.row_no == d.row_no).all()
    assert (s.best == d.best).all() and (s.best_ev == d.best_ev).all()
    assert (s.signals == d.signals).all()
    assert (s.churn_level == d.churn_level).all()
    for rule, mask in d.failed.items():
        assert (s.excluded[rule] == mask.any(axis=1)).all(), rule
    assert (s.excluded["APPLICABILITY"] == ~d.applicable.all(axis=1)).all()
    marketing = [
        base_ctx.config.treatments[k].purpose == "marketing"
        and base_ctx.config.treatments[k].channel != "none"
        for k in d.treatments
    ]
    hard_ok = ~np.logical_or.reduce(list(d.failed.values()))
    assert (s.marketing_reachable == hard_ok[:, marketing].any(axis=1)).all()
    # a filtered scan keeps exactly the customers the SQL condition selects
    part = scan_module.scan(base_ctx, "segment = ?", ["family"], chunk=300)
    assert (part.row_no == d.row_no[d.extra["segment"] == "family"]).all()


@pytest.mark.parametrize(
    "filters",
    [
        {"order_by": "expected_value"},
        {"order_by": "expected_value", "recommended": "marketing_call_back"},
        {"order_by": "expected_value", "churn_band": "medium", "limit": 25},
        {"marketing_allowed": False, "value_band": "high", "order_by": "value"},
        {"signals": ["bill_shock", "usage_rising"], "segment": "consumer"},
        {"order_by": "churn", "limit": 40},
    ],
)
def test_find_is_the_brute_force_ranking_of_the_kernels_decisions(base_ctx, filters):
    d = _everyone(base_ctx)
    keep = np.ones(N_BASE, dtype=bool)
    if "recommended" in filters:
        keep &= d.best_key == filters["recommended"]
    if "churn_band" in filters:
        keep &= d.churn_band == filters["churn_band"]
    if "value_band" in filters:
        keep &= d.value_band == filters["value_band"]
    if "segment" in filters:
        keep &= d.extra["segment"] == filters["segment"]
    for name in filters.get("signals", []):
        keep &= d.signals[:, SIGNALS.index(name)]
    if "marketing_allowed" in filters:
        marketing = np.array(
            [base_ctx.config.treatments[k].purpose == "marketing" for k in d.treatments]
        )
        marketing &= np.array(
            [base_ctx.config.treatments[k].channel != "none" for k in d.treatments]
        )
        hard_ok = ~np.logical_or.reduce(list(d.failed.values()))
        keep &= (hard_ok & marketing).any(axis=1) == filters["marketing_allowed"]
    key = {
        "expected_value": d.best_ev,
        "churn": d.extra["churn_score"],
        "value": d.extra["monthly_revenue"],
    }[filters.get("order_by", "churn")]
    expected = sorted(
        np.flatnonzero(keep), key=lambda i: (-float(key[i]), str(d.customer_id[i]))
    )[: filters.get("limit", 10)]
    found = find_customers(ctx=base_ctx, **filters)
    assert found.matched == int(keep.sum()) and found.total == N_BASE
    ids = [str(d.customer_id[i]) for i in expected]
    assert [r.customer_id for r in found.rows] == ids
    assert [r.expected_value for r in found.rows] == [
        float(d.best_ev[i]) for i in expected
    ]
    assert [r.recommended for r in found.rows] == [str(d.best_key[i]) for i in expected]
    assert found.matched > 0


def test_the_summary_is_the_brute_force_grouping_of_the_kernels_decisions(base_ctx):
    d = _everyone(base_ctx)
    s = summarise_base(ctx=base_ctx)
    assert s.customers == s.total == N_BASE
    assert s.expected_value == round(float(d.best_ev.sum()), 2)

    def grouped(keys):
        out = {}
        for k, ev in zip(keys, d.best_ev, strict=True):
            c, v = out.get(str(k), (0, 0.0))
            out[str(k)] = (c + 1, v + float(ev))
        return {k: (c, round(v, 2)) for k, (c, v) in out.items()}

    def as_dict(groups):
        return {g.key: (g.customers, g.expected_value) for g in groups}

    def close(got, want):
        assert got.keys() == want.keys()
        for k in want:
            assert got[k][0] == want[k][0], k
            assert got[k][1] == pytest.approx(want[k][1], abs=0.011), k

    close(as_dict(s.by_segment), grouped(d.extra["segment"]))
    close(as_dict(s.by_recommended), grouped(d.best_key))
    signal = {
        name: (int(on.sum()), round(float(d.best_ev[on].sum()), 2))
        for name, on in zip(SIGNALS, d.signals.T, strict=True)
        if on.any()
    }
    close(as_dict(s.by_signal), signal)
    rules = {
        rule: (int(on.sum()), round(float(d.best_ev[on].sum()), 2))
        for rule, on in [
            *((r, m.any(axis=1)) for r, m in d.failed.items()),
            ("APPLICABILITY", ~d.applicable.all(axis=1)),
        ]
        if on.any()
    }
    close(as_dict(s.excluded_by_rule), rules)
    assert [g.customers for g in s.by_segment] == sorted(
        (g.customers for g in s.by_segment), reverse=True
    )
    family = summarise_base({"segment": "family", "churn_band": "high"}, ctx=base_ctx)
    want = (d.extra["segment"] == "family") & (d.churn_band == "high")
    assert family.customers == int(want.sum()) > 0
    assert family.by_segment == [
        Group(
            key="family",
            customers=int(want.sum()),
            expected_value=round(float(d.best_ev[want].sum()), 2),
        )
    ]


def test_feature_columns_come_in_row_order_whatever_the_query_returns(base_ctx):
    wanted = [1500, 7, 900, 3]
    cols = base_ctx.customers.feature_columns(
        ["customer_id", "churn_score"], "row_no IN (SELECT unnest(?))", [wanted]
    )
    assert list(cols) == ["customer_id", "churn_score"]  # row_no not added
    d = _everyone(base_ctx)
    assert list(cols["customer_id"]) == [d.customer_id[i] for i in sorted(wanted)]
    names, codes = base_ctx.customers.feature_codes("segment", "row_no < ?", [50])
    assert names == sorted(set(d.extra["segment"][:50]))
    assert [names[c] for c in codes] == list(d.extra["segment"][:50])
