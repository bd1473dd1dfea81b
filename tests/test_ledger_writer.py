"""The one booking writer: every hard rule on every write path, each row once.

Reproducers of issue 23's findings on the ledger: PAST-DAY through ``book-plan``,
bookable what-ifs, concurrent ``book-plan`` runs marking rows refused:DUPLICATE,
``recommend --book`` reporting another treatment's booking; and issue 22's walk
(``recommend --book`` ran the pipeline twice).
"""

from __future__ import annotations

import json
import os
from datetime import date

import numpy as np
import pytest

from assistant.cli.main import main
from tests import pg, racers
from tools.allocation import allocate_treatment, allocation_page, list_allocations
from tools.eligibility import RuleVerdict
from tools.errors import PolicyBlocked, ToolInputError
from tools.ledger.writer import BookingRequest, write_bookings
from tools.planning.booking import book_plan
from tools.planning.plan import decide_ids, make_plan, plan_store
from tools.planning.request import PlanRequest
from tools.planning.whatif import PlanChange, what_if

BOOK = ["allocate", "--treatment-key", "marketing_call_back", "--yes"]

# Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
ctx, ledger_backend = pg.ctx, pg.ledger_backend


def _plan_id(capsys, *flags: str) -> str:
    assert main(["plan", "--json", *flags]) == 0
    return str(json.loads(capsys.readouterr().out)["plan_id"])


# --- PAST-DAY and HYPOTHETICAL on the plan path ---------------------------------


def test_book_plan_with_the_clock_set_back_is_refused_past_day(
    ctx, monkeypatch, capsys
):
    assert main([*BOOK, "--customer-id", "U131"]) == 0  # the ledger holds today
    monkeypatch.setenv("CVM_NOW", "2024-01-31T12:00:00+00:00")  # 35 days back
    assert main([*BOOK, "--customer-id", "U127"]) == 1
    assert capsys.readouterr().err.startswith("refused: PAST-DAY")
    plan_id = _plan_id(capsys)
    assert plan_id.startswith("P20240131-")
    assert main(["book-plan", plan_id, "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: PAST-DAY: the clock says 2024-01-31")
    assert "2024-03-06" in err
    assert allocation_page(ctx, day=date(2024, 1, 31)).total == 0
    assert allocation_page(ctx, all_days=True).total == 1
    assert {r.outcome for r in plan_store(ctx).rows(plan_id)} == {None}


def test_a_what_if_with_extra_slots_is_stored_hypothetical_and_never_booked(
    ctx, capsys
):
    key = "service_call_back"  # three open network complaints want it
    base = make_plan(PlanRequest(capacity={key: 1}), ctx).plan
    assert not base.hypothetical
    answer = what_if(PlanChange(extra_capacity={key: 10}), base.plan_id, ctx)
    after = plan_store(ctx).get(answer.after_id)
    assert after.hypothetical and after.expected_value > base.expected_value
    with pytest.raises(PolicyBlocked, match="cannot be booked") as refused:
        book_plan(after.plan_id, "ana", ctx)
    assert refused.value.rule == "HYPOTHETICAL"
    assert main(["book-plan", after.plan_id, "--yes"]) == 1
    assert capsys.readouterr().err.startswith("refused: HYPOTHETICAL")
    assert list_allocations(ctx) == []
    assert {r.outcome for r in plan_store(ctx).rows(after.plan_id)} == {None}
    booked = book_plan(base.plan_id, "ana", ctx)  # the plan within limits books
    assert booked.booked == base.assigned


def test_cli_plans_with_more_capacity_than_configured_are_hypothetical(ctx, capsys):
    more = _plan_id(capsys, "--capacity", "marketing_call_back=12")
    fewer = _plan_id(capsys, "--capacity", "marketing_call_back=1")
    assert plan_store(ctx).get(more).hypothetical
    assert not plan_store(ctx).get(fewer).hypothetical
    assert main(["book-plan", more, "--yes"]) == 1
    assert "HYPOTHETICAL" in capsys.readouterr().err
    assert main(["book-plan", fewer, "--yes"]) == 0


# --- the plan's rows: each booked once, rules decided in one place -------------


def _book_plan_in_process(state_dir, plan_id, who, start, out):
    import os

    os.environ["CVM_STATE_DIR"] = state_dir
    from tools.context import ToolContext
    from tools.planning.booking import book_plan

    ctx = ToolContext.create(state_dir=state_dir)
    ctx.customers.get("U123")  # open the store before the race
    start.wait()
    report = book_plan(plan_id, who, ctx, chunk=2)
    out.put(report.model_dump())


def test_four_concurrent_book_plans_book_every_row_exactly_once(ctx):
    plan = make_plan(None, ctx).plan
    assert plan.assigned >= 6
    mp, env = racers.context(), dict(os.environ)
    start, out = mp.Event(), mp.Queue()
    state = str(ctx.config.state_path)
    procs = [
        mp.Process(
            target=racers.in_env,
            args=(env, _book_plan_in_process, state, plan.plan_id, f"w{i}", start, out),
        )
        for i in range(4)
    ]
    for p in procs:
        p.start()
    start.set()
    reports = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert sum(r["booked"] for r in reports) == plan.assigned
    for r in reports:
        assert r["refused"] == {}
        assert r["booked"] + r["already_booked"] == plan.assigned
    rows = plan_store(ctx).rows(plan.plan_id)
    assert {r.outcome for r in rows} == {"booked"}
    bookings = {a.allocation_id: a for a in list_allocations(ctx, limit=None)}
    assert len(bookings) == plan.assigned
    assert sorted(r.allocation_id for r in rows) == sorted(bookings)
    for r in rows:
        a = bookings[r.allocation_id]
        assert (a.customer_id, a.treatment_key) == (r.customer_id, r.treatment_key)
    assert ctx.ledger.verify() == []


def test_a_customer_gone_from_the_base_is_refused_as_unknown_not_consent(ctx):
    plan = make_plan(None, ctx).plan
    gone = plan_store(ctx).rows(plan.plan_id)[0]

    def decide(ids):
        return decide_ids(ctx, [c for c in ids if c != gone.customer_id])

    report = book_plan(plan.plan_id, "ana", ctx, decide=decide)
    assert report.refused == {"UNKNOWN-CUSTOMER": 1}
    assert report.refusals[0].customer_id == gone.customer_id
    assert "not in the customer base" in report.refusals[0].reason
    [row] = [r for r in plan_store(ctx).rows(plan.plan_id) if r.seq == gone.seq]
    assert row.outcome == "refused:UNKNOWN-CUSTOMER"


def test_a_plan_row_is_refused_by_the_kernels_consent_verdict(ctx):
    plan = make_plan(None, ctx).plan
    victim = plan_store(ctx).rows(plan.plan_id)[-1]

    def decide(ids):  # the kernel now says: consent withdrawn for that pair
        batch = decide_ids(ctx, ids)
        i = [str(c) for c in batch.customer_id].index(victim.customer_id)
        batch.failed["CONSENT"][i, batch.treatments.index(victim.treatment_key)] = 1
        return batch

    report = book_plan(plan.plan_id, "ana", ctx, decide=decide)
    assert report.refused == {"CONSENT": 1} and report.booked == plan.assigned - 1
    [booked] = [
        a for a in list_allocations(ctx) if a.customer_id != victim.customer_id
    ][:1]
    kernel = [v for v in booked.rules if v.rule == "CONSENT"]
    assert kernel and kernel[0].passed and "decision kernel" in kernel[0].reason


# --- overrides -------------------------------------------------------------------


def _request(ctx, rule_passed: bool) -> BookingRequest:
    suitability = RuleVerdict.model_construct(
        rule="SUITABILITY", passed=rule_passed, reason="a later customer rule"
    )
    return BookingRequest("U124", "retention_email", False, (suitability,))


def test_only_overridable_rules_may_be_overridden_and_overrides_are_recorded(ctx):
    at, config = ctx.now(), ctx.config
    with pytest.raises(ToolInputError, match="CONSENT cannot be overridden"):
        write_bookings(
            ctx.ledger,
            [_request(ctx, False)],
            config=config,
            at=at,
            approved_by="ana",
            overrides=frozenset({"CONSENT"}),
        )
    [refused] = write_bookings(
        ctx.ledger, [_request(ctx, False)], config=config, at=at, approved_by="ana"
    )
    assert refused.refused == ("SUITABILITY",) and not refused.booked
    [booked] = write_bookings(
        ctx.ledger,
        [_request(ctx, False)],
        config=config,
        at=at,
        approved_by="ana",
        overrides=frozenset({"SUITABILITY"}),
    )
    assert booked.booked and booked.overrides == ("SUITABILITY",)
    stored = ctx.ledger.get_booking(booked.allocation_id)
    assert stored.overrides == ("SUITABILITY",)
    assert [v.passed for v in stored.rules if v.rule == "SUITABILITY"] == [False]


# --- listings carry their total -------------------------------------------------


def test_listings_say_how_many_match_beyond_the_page(ctx, capsys):
    from tools.bookings import list_bookings

    for cid in ("U131", "U124", "U127"):
        allocate_treatment(cid, "bill_review_call" if cid == "U124" else
                           "marketing_call_back", "ana", ctx)  # fmt: skip
    page = allocation_page(ctx, limit=2)
    assert (len(page.allocations), page.total) == (2, 3)
    assert list_bookings(ctx=ctx).total == 3
    assert list_bookings("U124", ctx=ctx).total == 1
    assert main(["allocations", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "3 active booking(s) on 2024-03-06; showing 2" in out


# --- recommend --book -----------------------------------------------------------


def test_recommend_book_reports_the_booking_it_shows(ctx, capsys):
    allocate_treatment("U124", "data_boost", "bob", ctx)
    argv = ["recommend", "--customer-id", "U124", "--book", "--yes", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "already_booked"
    assert result["allocation"]["treatment_key"] == "data_boost"
    assert result["selected_treatment"] == "data_boost"
    assert "already booked" in result["explanation"]
    assert [a.treatment_key for a in list_allocations(ctx)] == ["data_boost"]


def test_recommend_book_walks_the_pipeline_once(ctx, monkeypatch, capsys):
    from assistant.cli import pipeline
    from tools import assess

    assess.forget_assessments()
    calls = {"recommend": 0, "kernel": 0}
    recommend, batch = pipeline.recommend_treatment, assess.assess_batch

    def counted_recommend(*args, **kw):
        calls["recommend"] += 1
        return recommend(*args, **kw)

    def counted_batch(ids, *args, **kw):
        calls["kernel"] += len(ids)
        return batch(ids, *args, **kw)

    monkeypatch.setattr(pipeline, "recommend_treatment", counted_recommend)
    monkeypatch.setattr(assess, "assess_batch", counted_batch)
    argv = ["recommend", "--customer-id", "U124", "--book", "--yes", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "allocated"
    assert result["allocation"]["treatment_key"] == result["selected_treatment"]
    assert calls == {"recommend": 1, "kernel": 1}  # one pass, one kernel decision
    assert np.array_equal([a.customer_id for a in list_allocations(ctx)], ["U124"])
