from __future__ import annotations

from datetime import date

import pytest

from tools.context import ToolContext
from tools.errors import InvalidCustomerIdError, UnknownCustomerError
from tools.journey import analyze_journey, build_journey, summarize_journey


def _signals(cid):
    return {
        i.signal: i.evidence
        for i in analyze_journey(cid, ToolContext.create()).insights
    }


def test_journey_is_chronological_and_covers_every_source():
    j = build_journey("U124", ToolContext.create())
    dates = [e.date for e in j.events]
    assert dates == sorted(dates)
    assert {e.source for e in j.events} == {
        "bill",
        "usage",
        "network",
        "offer",
        "interaction",
        "web",
        "churn",
    }
    assert j.current_plan == "Premium Data"
    assert j.state.consents["sms"] == ["service", "billing"]
    assert j.state.quiet_hours == "22:00-08:00"


def test_u124_roaming_bill_shock_and_billing_dispute():
    m = build_journey("U124", ToolContext.create()).metrics
    assert m.roaming_charges == pytest.approx(38.25)
    assert m.bill_shock_dates == [date(2024, 3, 1)]
    assert m.bill_change_pct == pytest.approx(16.9)
    assert m.usage_ratio == pytest.approx(1.25) and m.overage_gb == pytest.approx(3.7)
    assert m.churn_band == "high" and m.sentiment_trend == "worsening"
    s = _signals("U124")
    assert "£25.75 on 2024-03-01" in s["roaming_charges"]
    assert "2024-03-01" in s["bill_shock"] and "£91.74" in s["bill_shock"]
    assert (
        "billing dispute" in s["billing_dispute"]
        and "2024-03-04" in s["billing_dispute"]
    )
    assert {"switch_threat", "competitor_mention", "high_churn_risk"} <= set(s)


def test_u125_poor_network():
    m = build_journey("U125", ToolContext.create()).metrics
    assert m.network_quality == "poor"
    s = _signals("U125")
    assert "85 ms" in s["poor_network"] and "2.8% packet loss" in s["poor_network"]
    assert "network_complaints" in s


def test_u126_payment_issues():
    m = build_journey("U126", ToolContext.create()).metrics
    assert m.payment_issues
    assert "2024-02-01 overdue" in _signals("U126")["payment_issues"]
    assert not build_journey("U125", ToolContext.create()).metrics.payment_issues


def test_calm_customers_have_calm_journeys():
    s = _signals("U130")
    assert not {
        "negative_sentiment",
        "bill_shock",
        "payment_issues",
        "poor_network",
    } & set(s)
    assert build_journey("U130", ToolContext.create()).metrics.churn_band == "low"
    assert build_journey("U131", ToolContext.create()).metrics.value_band == "high"


@pytest.mark.parametrize("budget", [40, 80, 150, 400])
def test_summary_respects_the_token_budget(budget):
    from tools.tokens import count_tokens

    s = summarize_journey("U124", ToolContext.create(), max_tokens=budget)
    assert s.tokens <= budget
    assert count_tokens(s.text) == s.tokens
    assert s.text.startswith("Customer U124")


def test_summary_reports_truncation():
    assert summarize_journey("U124", ToolContext.create(), max_tokens=60).truncated
    assert not summarize_journey(
        "U127", ToolContext.create(), max_tokens=4000
    ).truncated


def test_tiktoken_works_offline_from_the_shipped_file(tmp_path, monkeypatch):
    from tools import tokens

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    tokens.encoding.cache_clear()
    try:
        assert tokens.count_tokens("What should we offer U124?") > 3
        assert any((tmp_path / "tk").iterdir())
    finally:
        tokens.encoding.cache_clear()


def test_the_parsed_encoding_is_kept_and_read_back_the_same(tmp_path, monkeypatch):
    from tools import tokens

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    texts = ["What should we offer U124?", "£1,926.83 — naïve café 😀", "<|endoftext|>"]
    tokens.encoding.cache_clear()
    try:
        fresh = tokens.encoding()  # parsed from the BPE file, then kept
        kept = tokens._state_path(tokens.DEFAULT_ENCODING)
        assert kept.exists()
        tokens.encoding.cache_clear()
        again = tokens.encoding()  # read back from what was kept
        assert again._mergeable_ranks == fresh._mergeable_ranks
        assert again._pat_str == fresh._pat_str
        assert again._special_tokens == fresh._special_tokens
        for text in texts:
            assert again.encode(text, disallowed_special=()) == fresh.encode(
                text, disallowed_special=()
            )
        kept.write_bytes(b"not marshal")  # unreadable: rebuilt from tiktoken
        tokens.encoding.cache_clear()
        assert tokens.count_tokens(texts[0]) == len(fresh.encode(texts[0]))
        assert tokens._read_state(tokens.DEFAULT_ENCODING) is not None
    finally:
        tokens.encoding.cache_clear()


def test_unknown_and_malformed_ids():
    with pytest.raises(UnknownCustomerError):
        build_journey("U500", ToolContext.create())
    with pytest.raises(InvalidCustomerIdError):
        analyze_journey("customer 124", ToolContext.create())
