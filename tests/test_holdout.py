"""Control groups: a deterministic, auditable holdout and challenger in plans."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tools.context import ToolContext
from tools.learning_config import Experiment
from tools.planning.holdout import (
    CHALLENGER,
    CHAMPION,
    HELD_OUT,
    arm_of,
    arms,
    draw_of,
    draws,
)
from tools.planning.plan import make_plan, plan_store

DAY = date(2024, 3, 6)


def _ids(n: int) -> np.ndarray:
    return np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7))


def test_the_vectorised_draw_is_the_documented_hash():
    ids = ["U127", "U128", "C0000001", "Ünïcode-7", "X"]  # ragged, non-ASCII
    got = draws(ids, DAY)
    assert got.tolist() == [draw_of(i, DAY) for i in ids]
    # FNV-1a 64 + fmix64 by hand for one key: an auditor's recomputation
    h = 0xCBF29CE484222325
    for byte in b"U127|2024-03-06":
        h = ((h ^ byte) * 0x100000001B3) % 2**64
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h ^= h >> 33
        h = (h * mult) % 2**64
    h ^= h >> 33
    assert got[0] == (h >> 11) / 2**53
    assert 0 <= got.min() and got.max() < 1


def test_holdout_is_stable_per_day_and_redrawn_on_another_day():
    ids = _ids(200_000)
    exp = Experiment(holdout_share=0.02, challenger_share=0.1)
    first = arms(ids, DAY, exp)
    again = arms(ids[::-1], DAY, exp)[::-1]  # any order, any run: the same arms
    assert np.array_equal(first, again)
    assert arm_of("C0000042", DAY, exp) == first[42]
    other = arms(ids, date(2024, 3, 7), exp)
    held, held_next = first == HELD_OUT, other == HELD_OUT
    assert 0 < (held & held_next).sum() < 0.1 * held.sum()  # redrawn, independent
    assert abs(held.mean() - 0.02) < 0.001
    assert abs((first == CHALLENGER).mean() - 0.1) < 0.002
    bigger = arms(ids, DAY, Experiment(holdout_share=0.05))
    assert not (held & (bigger != HELD_OUT)).any()  # a larger share keeps the held


def test_no_shares_means_everyone_is_champion():
    assert (arms(_ids(1000), DAY, Experiment()) == CHAMPION).all()
    with pytest.raises(ValueError):
        Experiment(holdout_share=0.9)


def _ctx(ctx: ToolContext, **shares: float) -> ToolContext:
    config = ctx.config.model_copy(update={"experiment": Experiment(**shares)})
    return ToolContext.create(config, state_dir=ctx.config.state_path)


def test_a_plan_records_its_holdout_and_never_books_it(ctx):
    assert ctx.config.experiment.holdout_share == 0.02  # shipped: on, 2%
    plain = make_plan(None, _ctx(ctx)).plan
    assert plain.arms is None and plain.held_out_rows == []
    half = _ctx(ctx, holdout_share=0.5)
    out = make_plan(None, half)
    plan = out.plan
    arm = {c: arm_of(c, plan.day, half.config.experiment) for c in ["U127", "U128"]}
    held = {h.customer_id for h in plan.held_out_rows}
    assert plan.arms is not None and plan.arms.held_out == len(held) > 0
    assert all(arm_of(c, plan.day, half.config.experiment) == HELD_OUT for c in held)
    rows = plan_store(half).rows(plan.plan_id)
    assert not held & {r.customer_id for r in rows}  # never a plan row
    assert plan.assigned == len(rows) == plain.assigned - len(held)
    assert plan.arms.held_out_value == pytest.approx(
        sum(h.expected_value for h in plan.held_out_rows), abs=0.01
    )
    assert plan.expected_value == pytest.approx(
        plain.expected_value - plan.arms.held_out_value, abs=0.02
    )
    stored = plan_store(half).get(plan.plan_id)
    assert stored.held_out_rows == plan.held_out_rows  # kept with the plan (audit)
    again = make_plan(None, half).plan  # same day, same customers held out
    assert {h.customer_id for h in again.held_out_rows} == held
    assert arm  # both sample customers have an arm


def test_booking_a_plan_with_a_holdout_books_nobody_held_out(ctx):
    from tools.planning.booking import book_plan

    half = _ctx(ctx, holdout_share=0.5)
    plan = make_plan(None, half).plan
    book_plan(plan.plan_id, "ana", half)
    booked = set(half.ledger.bookings_since(plan.day, plan.day))
    assert booked and not booked & {h.customer_id for h in plan.held_out_rows}


def test_a_challenger_plans_its_share_by_rule_order_within_its_slots(ctx):
    both = _ctx(ctx, holdout_share=0.0, challenger_share=0.5)
    out = make_plan(None, both)
    plan, p = out.plan, out.candidates.problem
    assert plan.arms is not None and plan.arms.challenger_assigned > 0
    arm = arms(p.customer_ids, plan.day, both.config.experiment)
    rows = plan_store(both).rows(plan.plan_id)
    theirs = {str(c) for c in p.customer_ids[arm == CHALLENGER]}
    assert sum(r.customer_id in theirs for r in rows) == plan.arms.challenger_assigned
    for key, line in plan.by_treatment.items():  # both arms together fit the slots
        if line.capacity is not None:
            assert line.count <= line.capacity, key


def test_exploration_moves_the_champion_only(ctx):
    shares = {"holdout_share": 0.4, "challenger_share": 0.3}
    still = _ctx(ctx, **shares)
    config = still.config.model_copy(
        update={"learning": still.config.learning.model_copy(update={"exploration": 1})}
    )
    wild = ToolContext.create(config, state_dir=ctx.config.state_path)
    a, b = make_plan(None, still).plan, make_plan(None, wild).plan
    assert a.held_out_rows and b.held_out_rows == a.held_out_rows  # never explored
    exp = still.config.experiment

    def by_arm(ctx_: ToolContext, plan_id: str, want: int) -> set[tuple[str, str]]:
        rows = plan_store(ctx_).rows(plan_id)
        return {
            (r.customer_id, r.treatment_key)
            for r in rows
            if arm_of(r.customer_id, a.day, exp) == want
        }

    assert not by_arm(wild, b.plan_id, HELD_OUT)
    assert by_arm(wild, b.plan_id, CHALLENGER) == by_arm(still, a.plan_id, CHALLENGER)
    assert by_arm(wild, b.plan_id, CHAMPION) != by_arm(still, a.plan_id, CHAMPION)
