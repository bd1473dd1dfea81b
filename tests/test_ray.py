"""The Ray engine equals the local engine on a 50k generated base (issue 20 item 1).

One local Ray instance (2 CPUs, no dashboard) serves the whole module and is shut
down at its end; one generated base is imported once. Ray is part of the dev
install (the ``scale`` extra), so these tests never skip.
"""

from __future__ import annotations

import json
import logging

import duckdb
import numpy as np
import pytest

from tools.context import ToolContext

N_BASE = 50_000


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def base_state(tmp_path_factory):
    """A state dir whose store holds a generated base of 50k customers."""
    from tools.config import get_config
    from tools.customer_base import DERIVED
    from tools.store.generate import generate
    from tools.store.importer import import_path
    from tools.store.source import store_path

    root = tmp_path_factory.mktemp("raybase")
    generate(N_BASE, 7, root / "base")
    state = root / "state"
    config = ToolContext.create(get_config(), state_dir=state).config
    import_path(
        root / "base",
        store_path(config),
        config.validation.customer_id_pattern,
        DERIVED,
        replace=True,
    )
    return state


@pytest.fixture
def base_ctx(base_state, monkeypatch):
    from tools.config import get_config

    monkeypatch.setenv("CVM_STATE_DIR", str(base_state))
    return ToolContext.create(get_config(), state_dir=base_state)


def _rows(path):
    con = duckdb.connect()
    try:
        return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    finally:
        con.close()


def test_decide_all_on_ray_writes_the_local_rows_in_the_local_order(
    ray_local, base_ctx, tmp_path, capsys
):
    from assistant.cli.main import main

    local, on_ray = tmp_path / "local.parquet", tmp_path / "ray.parquet"
    assert main(["decide", "--all", "--json", "--out", str(local)]) == 0
    want = capsys.readouterr().out
    argv = ["decide", "--all", "--json", "--out", str(on_ray)]
    assert main([*argv, "--engine", "ray", "--shards", "3"]) == 0
    got = capsys.readouterr().out
    a, b = _rows(local), _rows(on_ray)
    assert len(a) == N_BASE and a == b
    w, g = json.loads(want), json.loads(got)
    for key in ("customers", "expected_value", "by_treatment", "excluded_by_rule"):
        assert w[key] == g[key], key
    assert g["engine"] == "ray" and w["engine"] == "local"
    ev = np.array([r[2] for r in a])
    assert round(float(ev.sum()), 2) == pytest.approx(w["expected_value"], abs=0.01)


def test_decide_on_ray_refuses_a_list_of_ids_in_one_line(ray_local, base_ctx, capsys):
    from assistant.cli.main import main

    assert main(["decide", "--customer-id", "U124", "--engine", "ray"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "cvm: --engine ray decides the whole base: give --all"


def test_a_bad_out_name_is_one_line_and_nothing_is_written(
    ray_local, base_ctx, tmp_path, capsys
):
    from assistant.cli.main import main

    out = tmp_path / "rows.txt"
    assert main(["decide", "--all", "--engine", "ray", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out must end in .parquet or .csv" in err[0]
    assert not out.exists()


def _same_plan(ctx, local, on_ray):  # type: ignore[no-untyped-def]
    from tools.planning.store import plan_store

    skip = {"plan_id", "created_at", "seconds", "parent_id"}
    assert on_ray.model_dump(exclude=skip) == local.model_dump(exclude=skip)
    store = plan_store(ctx)

    def rows(plan):  # type: ignore[no-untyped-def]
        return [
            (r.customer_id, r.treatment_key, r.expected_value, r.cost, r.high_value)
            for r in store.rows(plan.plan_id)
        ]

    a, b = rows(local), rows(on_ray)
    assert a == b and len(a) == local.assigned > 0


def test_the_plan_on_ray_is_the_local_plan(ray_local, base_ctx):
    from tools.engines.ray_plan import plan_on_ray
    from tools.planning.plan import make_plan

    local = make_plan(None, base_ctx)
    assert local.solution.solver == "lagrangian"  # 50k customers: above HiGHS's size
    on_ray = plan_on_ray(base_ctx, shards=3)
    assert on_ray.shards == 3
    _same_plan(base_ctx, local.plan, on_ray.plan)
    full = [k for k, line in local.plan.by_treatment.items() if line.shadow_price > 0]
    assert full  # scarce slots bind: the prices did work
    assert local.plan.planned_value > local.plan.baselines.greedy_by_value


def test_budgets_and_scope_give_the_same_plan_on_ray(ray_local, base_ctx, capsys):
    from assistant.cli.main import main
    from tools.planning.store import plan_store

    argv = ["plan", "--json", "--budget", "1500", "--channel-budget", "sms=40"]
    argv += ["--scope", "purposes=marketing,service", "--capacity", "retention_sms=400"]
    assert main(argv) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*argv, "--engine", "ray", "--shards", "4"]) == 0
    on_ray = json.loads(capsys.readouterr().out)
    store = plan_store(base_ctx)
    a, b = store.get(local["plan_id"]), store.get(on_ray["plan_id"])
    assert a.solver == "lagrangian" and a.budget_prices["budget:total"] > 0
    _same_plan(base_ctx, a, b)


def _exploring(ctx, epsilon):  # type: ignore[no-untyped-def]
    config = ctx.base_config
    learning = config.learning.model_copy(update={"exploration": epsilon})
    return ToolContext.create(config.model_copy(update={"learning": learning}))


def _decision_log(caplog):  # type: ignore[no-untyped-def]
    lines = [r.getMessage() for r in caplog.records if r.name == "tools.decisions"]
    caplog.clear()
    return lines


def test_an_exploring_plan_on_ray_is_the_local_exploring_plan(
    ray_local, base_ctx, monkeypatch, caplog
):
    """Epsilon-greedy on the shards: each draws its slice of the plan's numbers."""
    from tools.engines.ray_plan import plan_on_ray
    from tools.planning.plan import make_plan

    monkeypatch.setenv("CVM_NOW", "2026-12-07T10:00:00+00:00")  # the draw's seed
    ctx = _exploring(base_ctx, 0.3)
    caplog.set_level(logging.DEBUG, logger="tools.decisions")
    local = make_plan(None, ctx)
    want = _decision_log(caplog)
    on_ray = plan_on_ray(ctx, shards=3)
    got = _decision_log(caplog)
    assert local.plan.solver == "lagrangian"
    _same_plan(ctx, local.plan, on_ray.plan)
    assert got == want  # the same counts at INFO, the same customers at DEBUG
    head = dict(kv.split("=") for kv in want[0].split()[2:])
    assert want[0].startswith("plan explore epsilon=0.300")
    assert 0.25 < int(head["explored"]) / int(head["customers"]) < 0.35
    drawn = [x for x in want if x.startswith("plan customer=") and "=True" in x]
    assert len(drawn) > 100  # planned on a random pair (not all drew no action)
    assert local.plan.expected_value < local.plan.upper_bound * (1 - 0.01)


def test_a_small_plan_on_ray_is_solved_exactly_as_locally(ray_local, base_ctx, capsys):
    """A scope of a few hundred customers: HiGHS on the joined pairs, as locally."""
    from assistant.cli.main import main
    from tools.planning.store import plan_store

    cols = base_ctx.customers.feature_columns(["customer_id"])
    ids = sorted(str(c) for c in cols["customer_id"])[::97][:400]
    argv = ["plan", "--json", "--scope", "customers=" + ",".join(ids)]
    argv += ["--capacity", "retention_sms=25", "--budget", "900"]
    assert main(argv) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*argv, "--engine", "ray", "--shards", "2"]) == 0
    on_ray = json.loads(capsys.readouterr().out)
    store = plan_store(base_ctx)
    a, b = store.get(local["plan_id"]), store.get(on_ray["plan_id"])
    assert a.solver.startswith("highs") and a.customers == len(ids)
    _same_plan(base_ctx, a, b)


def _with_arms(ctx, epsilon=0.0):  # type: ignore[no-untyped-def]
    from tools.learning_config import Experiment

    config = ctx.base_config
    learning = config.learning.model_copy(update={"exploration": epsilon})
    experiment = Experiment(holdout_share=0.02, challenger_share=0.2)
    return ToolContext.create(
        config.model_copy(update={"experiment": experiment, "learning": learning})
    )


@pytest.mark.parametrize("epsilon", [0.0, 0.2])
def test_a_challenger_arm_on_ray_is_the_local_challenger_arm(
    ray_local, base_ctx, monkeypatch, epsilon
):
    """Champion, challenger and held out on the shards: the local plan, arm by arm.

    The same customers fall in each arm (the hash of id and day), the challenger's
    are booked first-come on its share of every limit shard after shard, the
    champion is optimised on the rest, and only the champion explores.
    """
    from tools.engines.ray_plan import plan_on_ray
    from tools.planning.holdout import CHALLENGER, arms
    from tools.planning.plan import make_plan, plan_store

    monkeypatch.setenv("CVM_NOW", "2026-12-07T10:00:00+00:00")  # the draw's seed
    ctx = _with_arms(base_ctx, epsilon)
    local = make_plan(None, ctx, method="lagrangian")
    on_ray = plan_on_ray(ctx, shards=3, method="lagrangian")
    assert on_ray.plan.solver == "lagrangian"
    _same_plan(ctx, local.plan, on_ray.plan)
    a = on_ray.plan.arms
    assert a is not None and a.challenger_share == 0.2
    assert a.challenger_assigned > 100 and a.held_out > 10
    rows = plan_store(ctx).rows(on_ray.plan.plan_id)
    arm = arms([r.customer_id for r in rows], on_ray.plan.day, ctx.config.experiment)
    assert int((arm == CHALLENGER).sum()) == a.challenger_assigned
    held = {h.customer_id for h in on_ray.plan.held_out_rows}
    assert held.isdisjoint(r.customer_id for r in rows)  # never booked
