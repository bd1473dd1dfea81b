"""Outcomes benchmark: a million outcomes recorded and learned from, in seconds.

Run: ``python -m benchmarks.outcomes [ROWS]`` (or ``make bench``). Builds a SQLite
ledger of ROWS bookings (default 1,000,000; :func:`benchmarks.ledger.build`), then
times, once each (the machine is shared; a median of 3 for the fast steps):

* **record**: ``record_outcomes`` of one outcome per active booking in one
  transaction (read the bookings and earlier outcomes, check every row, insert,
  update the per-cell counts);
* **re-import**: the same outcomes again (idempotent: nothing written);
* **learn**: what the next decision reads: the outcomes' version, the counts table
  into the configuration, the counts arrays (:func:`tools.kernel.learned.learned`);
* **posterior**: the kernel's lookup for ROWS customers x every treatment.

Target: record + learn of a million outcomes within 60 s on the shared 2 cores
("seconds", not minutes); learning reads ``outcome_counts`` (treatments x 18 rows),
never the outcomes.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np

from benchmarks.ledger import build
from tools.config import get_config
from tools.kernel.learned import CELLS, learned, posterior
from tools.learning_counts import with_outcomes
from tools.ledger import SQLiteLedger
from tools.ledger.outcomes import STATUSES, Cell, NewOutcome

TARGET_S = 60.0


def _outcomes(ledger: SQLiteLedger, rows: int) -> list[NewOutcome]:
    facts = ledger.outcome_bookings(range(1, rows + 1))
    out = []
    for i, (allocation_id, b) in enumerate(sorted(facts.items())):
        if b.status != "active":
            continue
        status = STATUSES[(i * 7) % 11 % 4] if i % 5 else "accepted"
        out.append(
            NewOutcome(
                allocation_id,
                b.customer_id,
                b.treatment_key,
                status,
                b.day + timedelta(days=i % 3),
                10.0 if status == "accepted" else None,
                "2025-01-01T00:00:00+00:00",
                "bench",
                Cell(b.treatment_key, i % 3, (i // 3) % 3, bool(i % 2)),
                0.1,
            )  # fmt: skip
        )
    return out


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _median(fn: Callable[[], object], runs: int = 3) -> float:
    return statistics.median(_timed(fn) for _ in range(runs))


def main(rows: int = 1_000_000) -> None:
    """Build, record, re-import, learn; print the times against the target."""
    with tempfile.TemporaryDirectory(prefix="cvm-bench-outcomes-") as tmp:
        path = Path(tmp) / "ledger.sqlite3"
        build(path, rows)
        ledger = SQLiteLedger(path)
        outcomes = _outcomes(ledger, rows)
        record = _timed(lambda: ledger.record_outcomes(outcomes))
        again = _timed(lambda: ledger.record_outcomes(outcomes))
        config = get_config()

        def learn() -> object:
            return learned(with_outcomes(config, ledger))

        learn_s = _median(learn)
        counts = learn()
        n_t = counts.trials.shape[0]
        rng = np.random.default_rng(0)
        p0 = rng.uniform(0, 0.5, (rows, n_t))
        cells = rng.integers(0, CELLS, (rows, n_t))
        post_s = _median(lambda: posterior(p0, cells, counts))
        total = int(counts.trials.sum())
    print(
        f"outcomes benchmark: {len(outcomes):,} outcomes on a {rows:,}-booking ledger"
    )
    print(f"  record (one transaction)   {record:7.2f} s")
    print(f"  re-import (nothing new)    {again:7.2f} s")
    print(f"  learn (counts -> arrays)   {learn_s * 1000:7.2f} ms  ({total:,} trials)")
    print(f"  posterior ({rows:,} x {n_t})  {post_s:7.2f} s")
    ok = record + learn_s <= TARGET_S
    print(f"  record + learn {record + learn_s:.1f} s <= {TARGET_S:.0f} s: "
          f"{'met' if ok else 'NOT met'} (shared 2-core machine)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
