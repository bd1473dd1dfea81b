"""Simulator benchmark (issue 19): does ours earn more, is P calibrated, is OPE right?

Run: ``python -m benchmarks.simulate`` (or ``make bench``). Prints each figure with
its ratio to the target:

* 20k customers, 60 days, hidden-model seeds 1, 2, 3, the three policies: ours'
  95% interval above seed-rules' and random's (ratio: ours' low end / the best other
  high end, target > 1); the calibration error of ours' learned P over the last 7
  days' contacts (target <= 0.03); the whole run, population included (target <= 60 s
  on 2 cores; the machine may be shared: the load average is printed).
* Off-policy evaluation: ours with epsilon-greedy exploration (0.1) logs its
  decisions; the doubly robust estimate of ours without exploration is checked
  against the hidden truth on 20 seeds (one population, 20 hidden models and draws):
  truth inside the 95% interval in >= 90% of seeds, interval width <= 10% of the
  estimate. Both intervals are checked: about what the target would have earned on
  the logged decisions (``realised``) and about its expected value there
  (``expected``, which counts the customers' answers as noise too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from tools.config import get_config
from tools.simulation.ope_check import OffPolicy
from tools.simulation.population import generated
from tools.simulation.run import Result, Settings, simulate
from tools.simulation.stats import Z95

TARGET_S = 60.0
TARGET_ECE = 0.03
TARGET_COVERED = 0.9
TARGET_WIDTH = 0.10


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _compare(seed: int, customers: int, days: int) -> dict[str, float]:
    t0 = time.perf_counter()
    r: Result = simulate(
        Settings(customers=customers, days=days, seed=seed), get_config()
    )
    took = time.perf_counter() - t0
    ours = r.policies["ours"]
    others = {k: v for k, v in r.policies.items() if k != "ours"}
    best_high = max(v.ci95[1] for v in others.values())
    ece = r.calibration_error or float("nan")
    print(
        f"  seed {seed}: {took:.1f} s (target <= {TARGET_S:.0f} s, ratio "
        f"{took / TARGET_S:.2f}); {_load()}"
    )
    for name, p in r.policies.items():
        print(
            f"    {name:<10} £{p.value:>12,.0f}  95% CI [£{p.ci95[0]:,.0f} – "
            f"£{p.ci95[1]:,.0f}]  {p.contacts:,} contacts, {p.accepted:,} accepted"
        )
    sep = ours.ci95[0] / best_high if best_high > 0 else float("inf")
    print(
        f"    ours' low end / best other high end {sep:.2f} (target > 1: "
        f"{'met' if sep > 1 else 'NOT met'}); ECE last 7 days {ece:.4f} "
        f"(target <= {TARGET_ECE}, ratio {ece / TARGET_ECE:.2f}; against the "
        f"hidden truth {r.calibration_error_true:.4f}; day 1 "
        f"{r.calibration_by_day[0]:.4f})"
    )
    return {"seconds": took, "separation": sep, "ece": ece}


def _off_policy(seeds: range, customers: int, days: int, epsilon: float) -> None:
    """The DR estimate against the truth on each hidden-model seed."""
    pop = generated(customers, 1, get_config())
    runs: list[OffPolicy] = []
    t0 = time.perf_counter()
    for seed in seeds:
        s = Settings(
            customers=customers,
            days=days,
            seed=seed,
            epsilon=epsilon,
            policies=("ours",),
        )
        o = simulate(s, get_config(), pop).off_policy
        assert o is not None
        runs.append(o)
        r, e = o.realised, o.expected
        print(
            f"    seed {seed:>3}: estimate £{o.estimate:,.0f}; would have earned "
            f"[£{r.ci95[0]:,.0f} – £{r.ci95[1]:,.0f}], truth £{r.truth:,.0f} "
            f"{'inside' if r.covered else 'OUTSIDE'} (z {r.z:+.2f}); expected "
            f"[£{e.ci95[0]:,.0f} – £{e.ci95[1]:,.0f}], truth £{e.truth:,.0f} "
            f"{'inside' if e.covered else 'OUTSIDE'} (z {e.z:+.2f})"
        )
    print(f"  {len(runs)} seeds, {time.perf_counter() - t0:.0f} s; {_load()}")
    for name in ("realised", "expected"):
        _coverage(name, runs)


def _coverage(name: str, runs: list[OffPolicy]) -> None:
    """One estimand's coverage, widths and standardised errors over the seeds."""
    pairs = [(getattr(o, name), o.estimate) for o in runs]
    checks = [c for c, _ in pairs]
    n, covered = len(runs), sum(c.covered for c in checks)
    widths = [(c.ci95[1] - c.ci95[0]) / value for c, value in pairs]
    zs = [c.z for c in checks]
    exact = [(value - c.truth) / c.se_exact for c, value in pairs]
    share, worst = covered / n, max(widths)
    what = {"realised": "what it would have earned", "expected": "its expected value"}
    print(
        f"  {name} ({what[name]}): truth inside the interval in {covered} of {n} "
        f"seeds ({share:.0%}; target >= {TARGET_COVERED:.0%}, ratio "
        f"{share / TARGET_COVERED:.2f}); width median {statistics.median(widths):.1%},"
        f" worst {worst:.1%} (target <= {TARGET_WIDTH:.0%}, ratio "
        f"{worst / TARGET_WIDTH:.2f})"
    )
    ratio = statistics.median(c.se / c.se_exact for c in checks)
    oracle = sum(abs(z) <= Z95 for z in exact)
    print(
        f"    (estimate - truth) / se: mean {statistics.fmean(zs):+.2f}, sd "
        f"{_sd(zs):.2f} (a valid interval: near 0, sd at most 1); over the exact se "
        f"(the hidden model's): mean {statistics.fmean(exact):+.2f}, sd "
        f"{_sd(exact):.2f}; se / exact se median {ratio:.2f}; an interval of the "
        f"exact se (known only here) holds the truth in {oracle} of {n}"
    )


def _sd(x: list[float]) -> float:
    return statistics.stdev(x) if len(x) > 1 else float("nan")


def _comparisons(seeds: list[int], customers: int, days: int) -> None:
    print(
        f"cvm simulate: {customers:,} customers, {days} days, "
        "ours vs seed-rules vs random"
    )
    runs = [_compare(s, customers, days) for s in seeds]
    slowest = max(r["seconds"] for r in runs)
    worst_ece = max(r["ece"] for r in runs)
    print(
        f"  slowest run {slowest:.1f} s (ratio {slowest / TARGET_S:.2f}); worst "
        f"separation {min(r['separation'] for r in runs):.2f} (target > 1); worst "
        f"ECE {worst_ece:.4f} (ratio {worst_ece / TARGET_ECE:.2f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated; '' for none")
    ap.add_argument("--ope-seeds", type=int, default=20)
    ap.add_argument("--ope-first-seed", type=int, default=1)
    ap.add_argument("--ope-customers", type=int, default=20_000)
    ap.add_argument("--ope-days", type=int, default=60)
    ap.add_argument("--epsilon", type=float, default=0.1)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    if seeds:
        _comparisons(seeds, args.customers, args.days)
    if args.ope_seeds:
        print(
            f"off-policy evaluation: {args.ope_customers:,} customers, "
            f"{args.ope_days} days, exploration {args.epsilon}, doubly robust"
        )
        first = args.ope_first_seed
        _off_policy(
            range(first, first + args.ope_seeds),
            args.ope_customers,
            args.ope_days,
            args.epsilon,
        )


if __name__ == "__main__":
    main()
