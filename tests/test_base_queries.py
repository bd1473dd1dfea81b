"""find_customers and summarise_base: typed filters over the kernel's numbers."""

from __future__ import annotations

import pytest

from tools.base_queries import find_customers, summarise_base
from tools.errors import ToolInputError
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
    assert shock.matched == 6 and all("bill_shock" in r.signals for r in shock.rows)
    high = find_customers(value_band="high", marketing_allowed=False, ctx=ctx)
    assert [r.customer_id for r in high.rows] == ["U126"]  # objects to marketing
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
    from tools import base_queries

    cases = [
        {"churn_band": "high"},
        {"order_by": "value", "limit": 5},
        {"value_band": "medium", "segment": "consumer"},
        {"vulnerable": False, "churn_band": "low", "limit": 3},
    ]
    fast = [find_customers(ctx=ctx, **c) for c in cases]
    monkeypatch.setattr(base_queries, "_fast", lambda a, ctx: None)
    slow = [find_customers(ctx=ctx, **c) for c in cases]
    assert [f.model_dump() for f in fast] == [s.model_dump() for s in slow]
    assert fast[0].matched == 2
