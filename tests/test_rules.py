"""Each contact rule id has a test that triggers it (recommendation and commit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tools.allocation import allocate_treatment, list_allocations
from tools.config import load_config
from tools.context import ToolContext
from tools.errors import PolicyBlocked
from tools.treatment import recommend_treatment


def _excluded(rec, key):
    return {
        e.rule for x in rec.excluded if x.treatment_key == key for e in x.exclusions
    }


def _ranked(rec):
    return [r.treatment_key for r in rec.ranked]


def test_consent_sms_marketing(ctx):
    rec = recommend_treatment("U124", ctx)
    assert "CONSENT" in _excluded(rec, "retention_sms")
    assert "retention_sms" not in _ranked(rec)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U124", "retention_sms", "ana", ctx)
    assert info.value.rule == "CONSENT"
    assert "sms" in info.value.reason
    assert list_allocations(ctx) == []


def test_objection_blocks_every_marketing_treatment_but_not_service(ctx):
    rec = recommend_treatment("U126", ctx)
    marketing = [
        k for k, t in ctx.config.treatments.items() if t.purpose == "marketing"
    ]
    for key in marketing:
        assert "OBJECTION" in _excluded(rec, key), key
    assert not set(marketing) & set(_ranked(rec))
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U126", "retention_email", "ana", ctx)
    assert set(info.value.rules) >= {"CONSENT", "OBJECTION"}
    assert allocate_treatment("U126", "bill_review_call", "ana", ctx).allocation_id


def test_vulnerable_customer_gets_no_marketing(ctx):
    rec = recommend_treatment("U133", ctx)
    assert "VULNERABLE" in _excluded(rec, "retention_email")
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U133", "loyalty_points", "ana", ctx)
    assert info.value.rule == "VULNERABLE"


def test_disabled(write_config, tmp_path):
    config = load_config(
        write_config(lambda r: r["treatments"]["data_boost"].update(enabled=False))
    )
    ctx = ToolContext.create(config, state_dir=tmp_path / "s1")
    assert "DISABLED" in _excluded(recommend_treatment("U124", ctx), "data_boost")
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U124", "data_boost", "ana", ctx)
    assert info.value.rule == "DISABLED"


def test_capacity_and_exhausted_capacity_moves_the_recommendation(
    ctx, write_config, tmp_path
):
    allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    allocate_treatment("U130", "marketing_call_back", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U131", "marketing_call_back", "ana", ctx)
    assert info.value.rule == "CAPACITY" and "2" in info.value.reason
    config = load_config(
        write_config(
            lambda r: r["constraints"]["bill_review_call"].update(max_per_day=1)
        )
    )
    one = ToolContext.create(config, state_dir=tmp_path / "one")
    assert recommend_treatment("U124", one).top.treatment_key == "bill_review_call"
    allocate_treatment("U126", "bill_review_call", "ana", one)
    rec = recommend_treatment("U124", one)
    assert "CAPACITY" in _excluded(rec, "bill_review_call")
    assert rec.top.treatment_key != "bill_review_call"


def test_priority_reservation_keeps_slots_for_high_value(ctx):
    # service_call_back: 5 a day, reserved floor(0.2 * 5) = 1 for high-value customers.
    for cid in ["U123", "U124", "U125", "U127"]:  # not high value
        allocate_treatment(cid, "service_call_back", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U128", "service_call_back", "ana", ctx)
    assert info.value.rule == "CAPACITY" and "reserved" in info.value.reason
    assert allocate_treatment("U131", "service_call_back", "ana", ctx)  # high value
    # a 2-a-day treatment reserves nothing
    allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    allocate_treatment("U130", "marketing_call_back", "ana", ctx)


def test_budget(write_config, tmp_path):
    config = load_config(
        write_config(lambda r: r["constraints"]["data_boost"].update(daily_budget=3.0))
    )
    ctx = ToolContext.create(config, state_dir=tmp_path / "s2")
    allocate_treatment("U123", "data_boost", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U124", "data_boost", "ana", ctx)
    assert info.value.rule == "BUDGET"


def test_frequency_cap_across_days(ctx, monkeypatch):
    allocate_treatment("U128", "retention_email", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:  # same channel and purpose, same week
        allocate_treatment("U128", "personalized_offer", "ana", ctx)
    assert info.value.rule == "FREQUENCY"
    monkeypatch.setenv("CVM_NOW", "2024-03-10T12:00:00+00:00")
    assert "FREQUENCY" in _excluded(
        recommend_treatment("U128", ctx), "personalized_offer"
    )
    monkeypatch.setenv("CVM_NOW", "2024-03-14T12:00:00+00:00")  # 8 days later
    assert allocate_treatment("U128", "personalized_offer", "ana", ctx)


def test_duplicate_is_idempotent(ctx):
    first = allocate_treatment("U124", "bill_review_call", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U124", "bill_review_call", "ana", ctx)
    assert info.value.rule == "DUPLICATE"
    assert [a.allocation_id for a in list_allocations(ctx)] == [first.allocation_id]


def test_applicability_is_soft(ctx):
    rec = recommend_treatment("U127", ctx)
    excluded = next(x for x in rec.excluded if x.treatment_key == "data_boost")
    assert not excluded.hard and [e.rule for e in excluded.exclusions] == [
        "APPLICABILITY"
    ]
    booked = allocate_treatment("U127", "data_boost", "ana", ctx)
    assert any(v.rule == "APPLICABILITY" and not v.passed for v in booked.rules)


def test_quiet_hours_give_the_next_lawful_time(ctx, monkeypatch):
    monkeypatch.setenv("CVM_NOW", "2024-03-06T23:30:00+00:00")
    rec = recommend_treatment("U124", ctx)
    nc = rec.next_contact
    assert not nc.allowed_now
    assert nc.next_time == datetime.fromisoformat("2024-03-07T08:00:00+00:00")
    assert rec.ranked  # quiet hours never exclude
    booked = allocate_treatment("U124", "bill_review_call", "ana", ctx)
    assert booked.next_contact and not booked.next_contact.allowed_now


def test_unknown_time_zone_uses_the_strictest_window(ctx, monkeypatch):
    monkeypatch.setenv("CVM_NOW", "2024-03-06T08:30:00+00:00")
    from tools.contact_time import next_contact
    from tools.data import get_customer_data

    u999 = get_customer_data(
        "U999", ToolContext.create()
    )  # no time zone; own DND ends 08:00
    nc = next_contact(u999, "call", ctx.config)
    assert not nc.allowed_now and nc.next_time.hour == 9 and "unknown" in nc.note
    assert next_contact(
        get_customer_data("U123", ToolContext.create()), "call", ctx.config
    ).allowed_now
    assert next_contact(u999, "none", ctx.config).allowed_now


def test_calls_respect_the_calling_window_even_without_quiet_hours(ctx, monkeypatch):
    # U128's quiet hours end 07:00 but calls start 08:00.
    monkeypatch.setenv("CVM_NOW", "2024-03-06T07:30:00+00:00")
    from tools.contact_time import next_contact
    from tools.data import get_customer_data

    u128 = get_customer_data("U128", ToolContext.create())
    assert next_contact(u128, "sms", ctx.config).allowed_now
    call = next_contact(u128, "call", ctx.config)
    assert not call.allowed_now and call.next_time.hour == 8


def test_the_next_lawful_contact_is_the_first_lawful_minute(ctx):
    """Against a minute-by-minute scan, across zones, DST changes and windows."""
    from tools.contact_time import next_contact
    from tools.data import get_customer_data

    def lawful(c, channel, t):
        return next_contact(c, channel, ctx.config, t).allowed_now

    u124 = get_customer_data("U124", ctx)
    customers = [
        u124.model_copy(update={"do_not_disturb": dnd, "time_zone": tz})
        for dnd in ("22:00-08:00", "07:00-09:30", "12:00-13:00", None)
        for tz in ("Europe/London", "America/New_York", None)
    ]
    starts = [  # the clocks go forward / back in London and New York, and not
        datetime.fromisoformat(t)
        for t in (
            "2026-03-29T00:40:00+00:00",
            "2026-11-01T05:10:00+00:00",
            "2026-06-10T21:59:30+00:00",
            "2026-12-08T12:15:00+00:00",
        )
    ]
    checked = 0
    for c in customers:
        for channel in ("call", "sms"):
            for at in starts:
                nc = next_contact(c, channel, ctx.config, at)
                if nc.allowed_now:  # (instants: a repeated local hour compares unequal)
                    assert nc.next_time.timestamp() == at.timestamp()
                    continue
                t = at.replace(second=0) + timedelta(minutes=1)
                while not lawful(c, channel, t):
                    t += timedelta(minutes=1)
                assert nc.next_time.timestamp() == t.timestamp(), (c, channel, at)
                assert nc.next_time.strftime("%a %d %b %H:%M") in nc.note
                checked += 1
    assert checked > 20  # most of them start outside the lawful hours


def test_a_same_day_repeat_is_reported_as_duplicate_first(ctx):
    allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    with pytest.raises(PolicyBlocked) as info:
        allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    assert info.value.rule == "DUPLICATE"
    assert info.value.rules == ["DUPLICATE", "FREQUENCY"]


# --- SUITABILITY: service before selling --------------------------------------------

OPEN_PROBLEMS = {  # the sample's open service problems on its as-of date
    "U123": "network complaint (2024-03-06)",
    "U124": "billing dispute (2024-03-04)",
    "U125": "network complaint (2024-03-03)",
    "U126": "payment problem (overdue bill or late fee) (2024-02-01)",
    "U132": "network complaint (2024-03-05)",
    "U133": "vulnerability (a bereavement or financial difficulty) (2024-03-01)",
}


def _marketing(config):
    return {
        k
        for k, t in config.treatments.items()
        if t.purpose == "marketing" and t.channel != "none"
    }


def test_suitability_verdict_per_customer_and_treatment(ctx):
    from tests.conftest import SAMPLE_CUSTOMERS
    from tools.kernel.batch import decide_where

    d = decide_where(ctx.customers, ctx.config)
    marketing = _marketing(ctx.config)
    for i, cid in enumerate(d.customer_id):
        failed = {
            d.treatments[j]
            for j in range(len(d.treatments))
            if d.failed["SUITABILITY"][i, j]
        }
        assert failed == (marketing if cid in OPEN_PROBLEMS else set()), cid
        rec = recommend_treatment(str(cid), ctx)
        assert not {r.treatment_key for r in rec.ranked} & (
            marketing if cid in OPEN_PROBLEMS else set()
        )
        for key in failed:
            reason = next(
                e.reason
                for x in rec.excluded
                if x.treatment_key == key
                for e in x.exclusions
                if e.rule == "SUITABILITY"
            )
            assert OPEN_PROBLEMS[str(cid)] in reason, reason
    # decide --all never picks marketing for a customer with an open problem
    for i, cid in enumerate(d.customer_id):
        if cid in OPEN_PROBLEMS:
            assert d.best_key[i] not in marketing, cid
    assert set(SAMPLE_CUSTOMERS) >= set(OPEN_PROBLEMS)


def test_a_marketing_booking_for_u125_that_was_not_ordered_is_refused(ctx):
    for key in ("personalized_offer", "early_upgrade", "loyalty_points"):
        with pytest.raises(PolicyBlocked) as info:
            allocate_treatment("U125", key, "model", ctx)
        assert info.value.rule == "SUITABILITY", key
        assert "service before selling: network complaint (2024-03-03)" in (
            info.value.reason
        )
    assert list_allocations(ctx) == []
    # the service treatment that fixes it books
    assert allocate_treatment("U125", "service_call_back", "ana", ctx).allocation_id


def test_suitability_is_configured(write_config, tmp_path):
    def _ctx(mutate, name):
        config = load_config(write_config(mutate))
        return ToolContext.create(config, state_dir=tmp_path / name)

    # no problems configured: U124 is sold to again (the retention call first)
    off = _ctx(lambda r: r["decisions"].update(suitability={}), "off")
    rec = recommend_treatment("U124", off)
    assert rec.top.treatment_key == "marketing_call_back"
    assert not any(e.rule == "SUITABILITY" for x in rec.excluded for e in x.exclusions)

    # a problem that nothing addresses still holds selling back, and gains nothing
    def only_vulnerability(raw):
        raw["decisions"]["suitability"] = {
            "vulnerability": raw["decisions"]["suitability"]["vulnerability"]
        }

    ctx = _ctx(only_vulnerability, "vuln")
    assert "SUITABILITY" in _excluded(recommend_treatment("U133", ctx), "loyalty_app")
    assert recommend_treatment("U124", ctx).top.treatment_key == "marketing_call_back"

    # which treatments address a problem is config (and gain P for it)
    def sms_fixes_disputes(raw):
        raw["decisions"]["suitability"]["billing_dispute"]["addressed_by"] = [
            "service_sms"
        ]

    ctx = _ctx(sms_fixes_disputes, "sms")
    rec = recommend_treatment("U124", ctx)
    review = next(r for r in rec.ranked if r.treatment_key == "bill_review_call")
    assert "billing dispute" not in review.score.propensity_source
    with pytest.raises(Exception, match="no treatment of that name"):
        load_config(
            write_config(
                lambda r: r["decisions"]["suitability"]["network"].update(
                    addressed_by=["free_iphone"]
                )
            )
        )


def test_plans_respect_suitability(ctx):
    from tools.planning.booking import book_plan
    from tools.planning.plan import make_plan, plan_store

    plan = make_plan(None, ctx).plan
    marketing = _marketing(ctx.config)
    rows = plan_store(ctx).rows(plan.plan_id)
    assert rows
    for row in rows:
        if row.customer_id in OPEN_PROBLEMS:
            assert row.treatment_key not in marketing, row
    book_plan(plan.plan_id, "ana", ctx)
    for a in list_allocations(ctx, limit=None):
        if a.customer_id in OPEN_PROBLEMS:
            assert a.treatment_key not in marketing


def test_the_policy_in_the_prompt_has_suitability(config):
    from assistant.conversation.prompt import render_policy
    from tools.eligibility import HARD_RULES, RULE_TEXT

    assert "SUITABILITY" in HARD_RULES and "HELD" in HARD_RULES
    policy = render_policy(config)
    assert f"- SUITABILITY: {RULE_TEXT['SUITABILITY']}" in policy
    assert f"- HELD: {RULE_TEXT['HELD']}" in policy
    assert "service problem is open" in policy


def test_why_not_marketing_answers_with_suitability():
    from assistant import Assistant

    bot = Assistant.create(model="offline")
    bot.ask("What should we offer U124?")
    turn = bot.ask("Why not a retention email?")
    assert "SUITABILITY" in turn.reply
    assert "billing dispute" in turn.reply


def test_the_booking_writer_refuses_suitability_unless_the_analyst_overrode_it(ctx):
    """The kernel's SUITABILITY verdict goes to the one booking writer as a customer
    rule: refused without an override, booked (and the override recorded) with one."""
    from tools.assess import assess
    from tools.eligibility import customer_verdicts
    from tools.ledger.writer import BookingRequest, write_bookings

    a = assess("U125", ctx)
    fixed = customer_verdicts(a, "personalized_offer", ctx.config, ctx.now())
    assert [v.rule for v in fixed.before if not v.passed] == ["SUITABILITY"]
    request = BookingRequest(
        customer_id="U125",
        treatment_key="personalized_offer",
        high_value=bool(a.decisions.high_value[0]),
        customer_rules=fixed.before,
        soft_rules=(fixed.applicability,),
    )
    write = {"config": ctx.config, "at": ctx.now(), "approved_by": "ana"}
    [refused] = write_bookings(ctx.ledger, [request], **write)
    assert not refused.booked and refused.refused == ("SUITABILITY",)
    assert list_allocations(ctx) == []
    [booked] = write_bookings(
        ctx.ledger, [request], overrides=frozenset({"SUITABILITY"}), **write
    )
    assert booked.booked and booked.overrides == ("SUITABILITY",)
    [stored] = list_allocations(ctx)
    assert stored.treatment_key == "personalized_offer"
