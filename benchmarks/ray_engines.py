"""Local engine vs Ray on this machine: decide-all and plan on a generated base.

Run: ``python -m benchmarks.ray_engines --customers N`` (``make bench`` runs 100k,
``make bench-1m`` 1M, ``make bench-10m`` 10M). The base is generated and imported
once; each engine then decides every customer and plans the day, in turns
(local, Ray, local, Ray, ...), and the medians are compared. Ray runs on a local
instance with 2 CPUs (the machine's cores), so this measures its overhead here
(the shards' export, task and actor start, the driver's round trips), not a
cluster's speed-up; the same code runs on a cluster with ``--ray-address``.

Targets (issue 20): the same decisions and the same plan on both engines (every
round checked: decision totals; the plan's fields and every planned row); the
time ratio Ray / local is reported as it is (no speed target on 2 shared cores).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

ROUNDS = 3
SKIP = {"plan_id", "created_at", "seconds", "parent_id"}


def _timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _same_plan(ctx: Any, a: Any, b: Any) -> bool:
    """The two stored plans agree on every field and every planned row."""
    from tools.planning.store import plan_store

    store = plan_store(ctx)

    def rows(plan: Any) -> list[tuple[Any, ...]]:
        return [
            (r.customer_id, r.treatment_key, r.expected_value, r.cost, r.high_value)
            for r in store.rows(plan.plan_id)
        ]

    same_fields = a.model_dump(exclude=SKIP) == b.model_dump(exclude=SKIP)
    return bool(same_fields and rows(a) == rows(b))


def _rounds(ctx: Any, rounds: int) -> tuple[dict[str, list[float]], bool]:
    """Both engines in turns; per step the seconds, and whether all agreed."""
    from tools.engines.decisions import DecisionTotals, decision_columns
    from tools.engines.ray_decide import decide_all
    from tools.engines.ray_plan import plan_on_ray
    from tools.kernel.batch import iter_decisions
    from tools.planning.plan import make_plan

    def local_decide() -> DecisionTotals:
        totals = DecisionTotals()
        for d in iter_decisions(ctx.customers, ctx.config):
            totals.add(decision_columns(d, ctx.config.catalogue_version))
        return totals

    times: dict[str, list[float]] = {}
    same = True
    for _ in range(rounds):
        s, a = _timed(local_decide)
        times.setdefault("dl", []).append(s)
        s, b = _timed(lambda: decide_all(ctx, None))
        times.setdefault("dr", []).append(s)
        same &= (a.pence, a.by_treatment) == (b.pence, b.by_treatment)
        s, pl = _timed(lambda: make_plan(None, ctx).plan)
        times.setdefault("pl", []).append(s)
        s, pr = _timed(lambda: plan_on_ray(ctx))
        times.setdefault("pr", []).append(s)
        for part, sec in pr.seconds.items():
            times.setdefault(f"ray_{part}", []).append(sec)
        same &= _same_plan(ctx, pl, pr.plan)
    return times, same


def measure(state: str, rounds: int) -> dict[str, object]:
    """In a fresh process: time both engines in turns on the base in ``state``."""
    import ray

    from tools.config import get_config
    from tools.context import ToolContext

    os.environ["CVM_STATE_DIR"] = state
    ctx = ToolContext.create(get_config(), state_dir=state)
    n = ctx.customers.count()
    load0 = os.getloadavg()[0]
    quiet = {"logging_level": logging.WARNING, "log_to_driver": False}
    start_s, _ = _timed(lambda: ray.init(num_cpus=2, include_dashboard=False, **quiet))
    times, same = _rounds(ctx, rounds)
    ray.shutdown()
    med = {k: statistics.median(v) for k, v in times.items()}
    load = (load0, os.getloadavg()[0])
    return {"n": n, "start_s": start_s, "same": same, **med, "load": load}


def _report(r: dict[str, Any], rounds: int) -> None:
    print(
        f"  Ray start (once per command): {r['start_s']:.1f} s; medians of {rounds} "
        f"rounds in turns; load {r['load'][0]:.1f} at the start, {r['load'][1]:.1f} "
        "at the end (2 shared cores)"
    )
    for what, local, on_ray in (("decide-all", "dl", "dr"), ("plan", "pl", "pr")):
        lo, ra = r[local], r[on_ray]
        print(
            f"  {what:<10} local {lo:6.2f} s ({r['n'] / lo:,.0f} customers/s)   "
            f"Ray {ra:6.2f} s ({r['n'] / ra:,.0f}/s)   Ray / local {ra / lo:.2f}"
        )
    parts = [k for k in r if k.startswith("ray_")]
    print(
        "  the plan on Ray: "
        + ", ".join(f"{k.removeprefix('ray_')} {r[k]:.2f} s" for k in parts)
    )
    same = "yes" if r["same"] else "NO"
    print(f"  same decisions, same plan and rows on both engines (target yes): {same}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    n = (
        int(sys.argv[sys.argv.index("--customers") + 1])
        if "--customers" in sys.argv
        else 100_000
    )
    rounds = ROUNDS if n <= 1_000_000 else 1
    cvm = os.path.join(os.path.dirname(sys.executable), "cvm")
    print(f"local engine vs Ray (local instance, 2 CPUs) on {n:,} generated customers")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CVM_STATE_DIR": f"{tmp}/state"}
        for args in (
            ["generate-customers", "--customers", str(n), "--out", f"{tmp}/base"],
            ["import", f"{tmp}/base"],
        ):
            subprocess.run([cvm, *args], check=True, env=env, capture_output=True)
        me = [sys.executable, "-m", "benchmarks.ray_engines", "--measure"]
        run = subprocess.run(
            [*me, f"{tmp}/state", str(rounds)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    _report(json.loads(run.stdout.strip().splitlines()[-1]), rounds)


if __name__ == "__main__":
    main()
