"""Data that knows its date: the as-of date, records after it, recency windows, age."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tools.config import load_config
from tools.context import ToolContext
from tools.customer_base import DERIVED
from tools.journey import analyze_journey
from tools.kernel import as_of as store_date
from tools.store.build import build_from_records, sample_records
from tools.store.duck import DuckStore
from tools.treatment import recommend_treatment


def _meta(source, key):
    return source.sql("SELECT value FROM meta WHERE key = ?", [key])[0][0]


def test_the_sample_decides_as_of_its_own_date(ctx):
    assert _meta(ctx.customers, "as_of") == "2024-03-06"
    assert _meta(ctx.customers, "as_of_source") == "the data's as-of date"
    rec = recommend_treatment("U124", ctx)
    assert rec.data_as_of == date(2024, 3, 6) and rec.data_age_days == 0
    assert rec.data_note is None


def test_records_dated_after_the_as_of_date_are_not_used(ctx):
    u999 = ctx.customers.get("U999")  # her data runs to 2024-03-18
    for rows in (u999.interactions, u999.usage, u999.offers, u999.web_sessions):
        assert all(r.date <= date(2024, 3, 6) for r in rows)
    assert [i.date for i in u999.interactions] == [date(2024, 3, 5)]
    assert u999.offers == []  # made on 2024-03-15
    rec = recommend_treatment("U999", ctx)
    for r in rec.ranked:  # only her churn score is later: the one score held, said so
        for x in r.reasons:
            if "2024-03-1" in x:
                assert x.startswith("Churn score 0.15 (2024-03-18, after the data's")
    assert any("after the data's as-of date" in x for x in rec.top.reasons)


def test_without_a_date_in_the_data_the_latest_record_date_decides(tmp_path):
    path = tmp_path / "c.duckdb"
    build_from_records(path, sample_records(), DERIVED)  # no as_of given
    store = DuckStore(path, DERIVED)
    assert _meta(store, "as_of") == "2024-03-18"  # U999's last web chat
    assert _meta(store, "as_of_source") == "the latest record date"


def test_a_configured_as_of_date_rebuilds_the_store_for_it(write_config, tmp_path):
    path = write_config(lambda r: r["decisions"].update(as_of="2024-03-02"))
    ctx = ToolContext.create(load_config(path), state_dir=tmp_path / "s")
    assert _meta(ctx.customers, "as_of") == "2024-03-02"
    assert _meta(ctx.customers, "as_of_source") == "configured"
    u123 = ctx.customers.get("U123")
    assert max(i.date for i in u123.interactions) == date(2024, 3, 2)
    # on 2 March U123 had not complained about the network yet: selling is allowed
    rec = recommend_treatment("U123", ctx)
    assert any(r.purpose == "marketing" for r in rec.ranked)
    assert not any(e.rule == "SUITABILITY" for x in rec.excluded for e in x.exclusions)


def test_answers_say_how_old_the_data_is(ctx):
    later = ToolContext(
        ctx.config,
        ctx.ledger,
        ctx.customers,
        clock=lambda: datetime(2026, 12, 6, 12, tzinfo=timezone.utc),
    )
    rec = recommend_treatment("U124", later)
    assert rec.data_age_days == 1005
    assert rec.data_note == (
        "Data as of 2024-03-06 (1,005 days old): signals and offers are read as of "
        "that date."
    )
    assert recommend_treatment("U124", ctx).data_note is None  # same day


def test_the_staleness_threshold_is_config(write_config, tmp_path):
    config = load_config(
        write_config(lambda r: r["decisions"].update(stale_after_days=2000))
    )
    ctx = ToolContext.create(config, state_dir=tmp_path / "s")
    later = ToolContext(
        config,
        ctx.ledger,
        ctx.customers,
        clock=lambda: datetime(2026, 12, 6, 12, tzinfo=timezone.utc),
    )
    assert recommend_treatment("U124", later).data_note is None


@pytest.mark.parametrize(
    ("days", "present"), [(60, True), (2, True), (1, False), (0, False)]
)
def test_a_signal_counts_only_within_its_recency_window(
    write_config, tmp_path, days, present
):
    # U124's billing disputes: 2024-02-28 … 2024-03-04 (2 days before 2024-03-06)
    config = load_config(
        write_config(
            lambda r: r["decisions"]["recency_days"].update(billing_dispute=days)
        )
    )
    ctx = ToolContext.create(config, state_dir=tmp_path / "s")
    found = {i.signal: i for i in analyze_journey("U124", ctx=ctx).insights}
    assert ("billing_dispute" in found) is present
    rec = recommend_treatment("U124", ctx)
    suitability = any(
        "billing dispute" in e.reason
        for x in rec.excluded
        for e in x.exclusions
        if e.rule == "SUITABILITY"
    )
    assert suitability is present
    if days == 2:  # only the contacts within the window are counted in the evidence
        assert found["billing_dispute"].evidence.startswith(
            "raised a billing dispute in 2 contacts (latest 2024-03-04)"
        )


def test_every_dated_signal_has_a_window_and_undated_ones_have_none(write_config):
    from tools.config_decisions import UNDATED
    from tools.errors import ConfigError
    from tools.kernel.signals import EVIDENCE_DAYS, SIGNALS

    config = load_config()
    assert set(config.decisions.recency_days) == set(SIGNALS) - UNDATED
    assert set(EVIDENCE_DAYS) == set(SIGNALS) - UNDATED
    with pytest.raises(ConfigError, match="long_tenure is not dated"):
        load_config(
            write_config(
                lambda r: r["decisions"]["recency_days"].update(long_tenure=30)
            )
        )


def test_the_generator_writes_current_dates(tmp_path):
    from tools.store.generate import generate
    from tools.store.importer import import_path

    generate(200, 4, tmp_path / "base", as_of=date(2026, 12, 6))
    store = tmp_path / "c.duckdb"
    import_path(tmp_path / "base", store, r"^U\d{7}$", DERIVED, replace=True)
    source = DuckStore(store, DERIVED)
    day = date.fromisoformat(_meta(source, "as_of"))
    assert date(2026, 12, 1) <= day <= date(2026, 12, 6)
    assert _meta(source, "as_of_source") == "the latest record date"
    assert store_date.latest_record_date(source.cursor()) == day
