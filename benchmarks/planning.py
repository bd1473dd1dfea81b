"""Campaign-plan benchmark: value vs the exact optimum / the dual bound, time, memory.

Run: ``python -m benchmarks.planning`` (part of ``make bench``). Each size runs in its
own process so peak RSS is per size. Targets (issue 13): plan within 0.1% of the MIP
optimum at 1k/10k/20k; gap to the bound <= 0.5% at 100k and 1M; at 1M decide + solve
<= 60 s and peak RSS <= 4 GB. Instances are synthesised with numpy over the configured
catalogue (``tools.planning.synthetic``) and its configured capacities.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from tools.allocation import get_constraints
from tools.config import get_config
from tools.context import ToolContext
from tools.planning.baselines import first_come, greedy_by_value
from tools.planning.booking import book_plan
from tools.planning.plan import make_plan
from tools.planning.problem import value_of
from tools.planning.solve import solve
from tools.planning.synthetic import as_batches, lawful_now, random_problem

EXACT_SIZES = (1_000, 10_000, 20_000)
BOUND_SIZES = (100_000, 1_000_000)
TARGET_VS_OPT = 0.001
TARGET_GAP = 0.005
TARGET_1M_S = 60.0
TARGET_1M_RSS_GB = 4.0
TARGET_BOOK_S = 30.0
KERNEL_SIZES = (100_000, 1_000_000)


def one(n: int) -> dict[str, float]:
    t0 = time.perf_counter()
    problem = random_problem(n, seed=7)
    build = time.perf_counter() - t0
    lag = solve(problem, "lagrangian")
    out = {
        "n": n,
        "pairs": problem.n_pairs,
        "build_s": build,
        "solve_s": lag.seconds,
        "value": lag.value,
        "bound": lag.bound,
        "gap": lag.gap,
        "sweeps": lag.iterations,
    }
    t1 = time.perf_counter()
    out["first_come"] = value_of(problem, first_come(problem))
    out["greedy"] = value_of(problem, greedy_by_value(problem))
    out["baselines_s"] = time.perf_counter() - t1
    if n in EXACT_SIZES:
        exact = solve(problem, "exact")
        out["optimum"] = exact.value
        out["exact_s"] = exact.seconds
        out["exact_solver"] = exact.solver  # type: ignore[assignment]
    out["total_s"] = time.perf_counter() - t0
    out["rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return out


def booking(n: int = 100_000) -> None:
    """Plan a base and book the plan: time for ~25k bookings, never over capacity."""
    with tempfile.TemporaryDirectory() as tmp:
        config = get_config()
        ctx = ToolContext.create(config, state_dir=tmp)
        keys = tuple(config.treatments)
        problem = random_problem(n, seed=11)
        plan = make_plan(None, ctx, batches=as_batches(problem, keys)).plan
        high = {
            str(c): bool(h)
            for c, h in zip(problem.customer_ids, problem.high_value, strict=True)
        }
        decide = lawful_now(keys, high)
        t0 = time.perf_counter()
        first = book_plan(plan.plan_id, "bench", ctx, decide=decide)
        took = time.perf_counter() - t0
        again = book_plan(plan.plan_id, "bench", ctx, decide=decide)
        over = [
            a.treatment_key
            for a in get_constraints(ctx).treatments
            if a.max_per_day is not None and a.used > a.max_per_day
        ]
        print(
            f"  booking plan {plan.plan_id} ({plan.assigned:,} rows, {n:,} customers): "
            f"booked {first.booked:,} in {took:.2f} s "
            f"(target <= {TARGET_BOOK_S:.0f} s, "
            f"ratio {took / TARGET_BOOK_S:.2f}); refused {first.refused or 'none'}; "
            f"again: booked {again.booked}, already {again.already_booked:,}; "
            f"over capacity: {over or 'none'}"
        )


def kernel_one(state: str) -> dict[str, float]:
    """Plan a generated base in the store (decide with the kernel + solve), book it."""
    os.environ["CVM_STATE_DIR"] = state
    ctx = ToolContext.create(get_config(), state_dir=state)
    t0 = time.perf_counter()
    stages: dict[str, float] = {}
    last: list[tuple[str, float]] = [("start", t0)]

    def stage(line: str) -> None:  # time each stage from its line to the next
        now = time.perf_counter()
        name, since = last[0]
        stages[name] = now - since
        last[0] = (line.split()[0], now)

    out = make_plan(None, ctx, progress=stage)
    stage("done")
    plan = out.plan
    rss_plan = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    t1 = time.perf_counter()
    booked = book_plan(plan.plan_id, "bench", ctx)
    book_s = time.perf_counter() - t1
    over = [
        a.treatment_key
        for a in get_constraints(ctx).treatments
        if a.max_per_day is not None and a.used > a.max_per_day
    ]
    return {
        "customers": plan.customers,
        "pairs": plan.candidates,
        "assigned": plan.assigned,
        "value": plan.planned_value,  # before the holdout, as the baselines
        "bound": plan.upper_bound,
        "gap": plan.gap,
        "solver": plan.solver,  # type: ignore[dict-item]
        "decide_s": stages.get("deciding", 0.0),
        "solve_s": stages.get("optimising", 0.0),
        "baselines_s": stages.get("comparing", 0.0),
        "plan_s": plan.seconds,
        "first_come": plan.baselines.first_come,
        "greedy": plan.baselines.greedy_by_value,
        "rss_gb": rss_plan,
        "booked": booked.booked,
        "refused": sum(booked.refused.values()),
        "book_s": book_s,
        "over": len(over),
    }


def kernel(n: int) -> None:
    """Generate and import a base of ``n`` customers, then plan and book it."""
    cvm = os.path.join(os.path.dirname(sys.executable), "cvm")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CVM_STATE_DIR": f"{tmp}/state"}
        subprocess.run(
            [cvm, "generate-customers", "--customers", str(n), "--out", f"{tmp}/base"],
            check=True,
            env=env,
            capture_output=True,
        )
        subprocess.run(
            [cvm, "import", f"{tmp}/base"], check=True, env=env, capture_output=True
        )
        run = subprocess.run(
            [sys.executable, "-m", "benchmarks.planning", "--kernel", f"{tmp}/state"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    r = json.loads(run.stdout.strip().splitlines()[-1])
    ds = r["decide_s"] + r["solve_s"]
    print(
        f"  generated base {r['customers']:,} customers (kernel decisions, "
        f"{r['pairs']:,} lawful pairs): plan £{r['value']:,.0f}, bound "
        f"£{r['bound']:,.0f}, gap {r['gap']:.4%} ({r['solver']}; target <= "
        f"{TARGET_GAP:.1%}, ratio {r['gap'] / TARGET_GAP:.3f})"
    )
    print(
        f"      decide {r['decide_s']:.1f} s + solve {r['solve_s']:.1f} s = {ds:.1f} s"
        f" (target <= {TARGET_1M_S:.0f} s at 1M, ratio {ds / TARGET_1M_S:.2f}); "
        f"baselines {r['baselines_s']:.1f} s; whole plan {r['plan_s']:.1f} s; "
        f"peak RSS {r['rss_gb']:.2f} GB (target <= {TARGET_1M_RSS_GB:.0f} GB, ratio "
        f"{r['rss_gb'] / TARGET_1M_RSS_GB:.2f})"
    )
    print(
        f"      first-come £{r['first_come']:,.0f} (plan +"
        f"{r['value'] / r['first_come'] - 1:.1%}), greedy £{r['greedy']:,.0f} (plan "
        f"+{r['value'] / r['greedy'] - 1:.2%}); booked {r['booked']:,} in "
        f"{r['book_s']:.1f} s with the kernel re-check (target <= {TARGET_BOOK_S:.0f}"
        f" s, ratio {r['book_s'] / TARGET_BOOK_S:.2f}), refused {r['refused']}, "
        f"treatments over capacity {r['over']}"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(int(sys.argv[2]))))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--kernel":
        print(json.dumps(kernel_one(sys.argv[2])))
        return
    print("campaign plan on generated bases (cvm generate-customers + cvm import)")
    for n in KERNEL_SIZES:
        kernel(n)
    booking()
    print("campaign plan: Lagrangian + repair vs the exact optimum and the dual bound")
    for n in EXACT_SIZES + BOUND_SIZES:
        run = subprocess.run(
            [sys.executable, "-m", "benchmarks.planning", "--one", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(run.stdout.strip().splitlines()[-1])
        line = (
            f"  {n:>9,} customers {r['pairs']:>9,} pairs: plan £{r['value']:,.0f} "
            f"bound £{r['bound']:,.0f} gap {r['gap']:.4%} (target <= "
            f"{TARGET_GAP:.1%}, ratio {r['gap'] / TARGET_GAP:.3f}); "
            f"solve {r['solve_s']:.2f} s, total {r['total_s']:.2f} s, "
            f"peak RSS {r['rss_gb']:.2f} GB"
        )
        print(line)
        if "optimum" in r:
            short = 1 - r["value"] / r["optimum"] if r["optimum"] else 0.0
            print(
                f"      vs MIP optimum £{r['optimum']:,.0f} ({r['exact_solver']}, "
                f"{r['exact_s']:.2f} s): {short:.5%} below (target <= "
                f"{TARGET_VS_OPT:.1%}, ratio {short / TARGET_VS_OPT:.3f})"
            )
        fc, gr = r["first_come"], r["greedy"]
        print(
            f"      baselines ({r['baselines_s']:.2f} s): first-come £{fc:,.0f} "
            f"(plan +{r['value'] / fc - 1:.1%}), greedy by EV £{gr:,.0f} "
            f"(plan +{r['value'] / gr - 1:.2%})"
        )
        if n == 1_000_000:
            print(
                f"      1M: build + solve {r['build_s'] + r['solve_s']:.1f} s (target "
                f"<= {TARGET_1M_S:.0f} s, ratio "
                f"{(r['build_s'] + r['solve_s']) / TARGET_1M_S:.2f}); peak RSS "
                f"{r['rss_gb']:.2f} GB (target <= {TARGET_1M_RSS_GB:.0f} GB, ratio "
                f"{r['rss_gb'] / TARGET_1M_RSS_GB:.2f})"
            )


if __name__ == "__main__":
    main()
