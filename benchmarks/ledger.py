"""Ledger listing benchmark: `cvm allocations` on a 1M-row ledger.

Run: ``python -m benchmarks.ledger [ROWS]`` (or ``make bench``). Builds a ledger of
ROWS bookings (default 1,000,000) spread over a year, then times the listings an
analyst runs: today's bookings (the default), ``--all`` (newest first, one page),
the next page, and one customer's bookings, each in-process and as the ``cvm``
command in a fresh process. Target: each answers in <= 0.5 s at 1M rows.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from tools.ledger import SQLiteLedger

TARGET_S = 0.5
DAYS = 365
FIRST_DAY = date(2024, 1, 1)
TREATMENTS = [
    ("marketing_call_back", "call", "marketing", 8.0),
    ("retention_email", "email", "marketing", 0.25),
    ("retention_sms", "sms", "marketing", 0.5),
    ("service_sms", "sms", "service", 0.05),
    ("data_boost", "app", "marketing", 2.0),
]


def build(path: Path, rows: int) -> date:
    """Fill a ledger with ``rows`` bookings over ``DAYS`` days; return the last day."""
    ledger = SQLiteLedger(path)
    per_day = -(-rows // DAYS)
    with ledger.connection() as conn:
        conn.execute("PRAGMA synchronous = OFF")  # a throw-away file: build fast
    with ledger.transaction() as conn:
        conn.executemany(
            "INSERT INTO allocations (customer_id, treatment_key, channel, purpose, "
            "day, created_at, approved_by, cost, high_value, rules, status) "
            "VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, 0, '[]', ?)",
            (
                (
                    f"U{1_000_000 + i}",
                    *TREATMENTS[i % len(TREATMENTS)][:3],
                    (FIRST_DAY + timedelta(days=i // per_day)).isoformat(),
                    f"{FIRST_DAY + timedelta(days=i // per_day)}T12:00:00+00:00",
                    TREATMENTS[i % len(TREATMENTS)][3],
                    "released" if i % 17 == 0 else "active",
                )
                for i in range(rows)
            ),
        )
    ledger.close()
    return FIRST_DAY + timedelta(days=(rows - 1) // per_day)


def _median(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _cli(argv: list[str]) -> None:
    from assistant.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0


def _command(flags: list[str], runs: int = 3) -> float:
    return _median(
        lambda: subprocess.run(
            [sys.executable, "-m", "assistant", "allocations", *flags],
            check=True,
            capture_output=True,
        ),
        runs=runs,
    )


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        os.environ["CVM_STATE_DIR"] = str(Path(tmp) / "empty")
        empty = _command([])
        t0 = time.perf_counter()
        last = build(state / "ledger.sqlite3", rows)
        print(
            f"ledger listing on {rows:,} rows over {DAYS} days "
            f"(built in {time.perf_counter() - t0:.1f} s)"
        )
        os.environ["CVM_STATE_DIR"] = str(state)
        os.environ["CVM_NOW"] = f"{last}T15:00:00+00:00"
        from tools.bookings import list_allocations
        from tools.context import ToolContext

        ctx = ToolContext.create()
        page = list_allocations(ctx, all_days=True, include_released=True)
        before = page[-1].allocation_id
        cases: list[tuple[str, list[str], Callable[[], object]]] = [
            ("today (default)", [], lambda: list_allocations(ctx)),
            (
                "--all (first page of 100)",
                ["--all"],
                lambda: list_allocations(ctx, all_days=True, include_released=True),
            ),
            (
                "--all --before ID (next page)",
                ["--all", "--before", str(before)],
                lambda: list_allocations(
                    ctx, all_days=True, include_released=True, before_id=before
                ),
            ),
            (
                "--customer-id (one customer)",
                ["--customer-id", "U1000042", "--all"],
                lambda: list_allocations(
                    ctx, customer_id="U1000042", all_days=True, include_released=True
                ),
            ),
        ]
        print(f"  {'listing':<32} {'in-process':>11} {'cvm command':>12}  ratio")
        worst = 0.0
        for name, flags, fn in cases:
            fn()  # warm the page cache
            inner = _median(lambda fn=fn: fn())
            cli = _command(flags)
            worst = max(worst, cli)
            print(
                f"  {name:<32} {inner * 1000:>8.1f} ms {cli * 1000:>9.1f} ms  "
                f"{cli / TARGET_S:.2f}"
            )
        _cli(["allocations"])
        print(
            f"  slowest cvm command {worst:.3f} s, of which start-up (the same "
            f"command on an empty ledger) {empty:.3f} s; target <= {TARGET_S} s "
            f"(ratio {worst / TARGET_S:.2f}; the ledger's own share "
            f"{max(0.0, worst - empty):.3f} s)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
