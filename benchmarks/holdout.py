"""Holdout benchmark: the share held out at 1M customers, and the time to draw it.

Run: ``python -m benchmarks.holdout [CUSTOMERS]`` (or ``make bench``). Draws every
customer's arm (:func:`tools.planning.holdout.arms`: FNV-1a 64 + fmix64 of
``CUSTOMER_ID|DAY``, vectorised in numpy) for the generated base's ids (``U`` +
digits) on 7 consecutive days at the shipped 2% holdout and a 10% challenger, and
prints each day's shares and the median draw time.

Target (issue 19): the holdout share within +-0.1 percentage points of the configured
share at 1M customers, every day.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta

import numpy as np

from tools.learning_config import Experiment
from tools.planning.holdout import CHALLENGER, HELD_OUT, arms
from tools.store.generate.catalogue import FIRST_ID

TOLERANCE_PP = 0.1


def main(customers: int = 1_000_000) -> None:
    """Draw the arms on 7 days; print shares against the target and the time."""
    ids = np.char.add("U", (FIRST_ID + np.arange(customers)).astype(str))
    exp = Experiment(holdout_share=0.02, challenger_share=0.10)
    worst, times = 0.0, []
    print(f"holdout benchmark: {customers:,} customers, holdout 2%, challenger 10%")
    for k in range(7):
        day = date(2024, 3, 6) + timedelta(days=k)
        start = time.perf_counter()
        arm = arms(ids, day, exp)
        times.append(time.perf_counter() - start)
        held = float((arm == HELD_OUT).mean() * 100)
        chal = float((arm == CHALLENGER).mean() * 100)
        worst = max(worst, abs(held - 2.0))
        print(f"  {day}  held out {held:6.3f}%  challenger {chal:6.3f}%")
    ok = worst <= TOLERANCE_PP
    print(
        f"  worst holdout deviation {worst:.3f} pp <= {TOLERANCE_PP} pp: "
        f"{'met' if ok else 'NOT met'}; draw median {statistics.median(times):.2f} s "
        "(shared 2-core machine)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
