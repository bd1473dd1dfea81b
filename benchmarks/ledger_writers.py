"""Booking throughput and latency: SQLite vs PostgreSQL with 1, 8 and 32 writers.

Run: ``python -m benchmarks.ledger_writers [--bookings N]`` (or ``make bench``).
Each writer is a process of its own (as UI instances are) booking through the one
booking writer (:func:`tools.ledger.writer.write_bookings`, every ledger rule
re-checked in the transaction) one booking per transaction, new customers over the
configured treatments with capacity limits lifted. Reports bookings/s (all
writers, from the first start to the last commit) and p50/p99 latency per booking.
Then the race: every writer books one slot of a 2-a-day treatment at once;
oversell = bookings beyond 2 (target 0). PostgreSQL is a local server started in
a temporary folder with its default durability (fsync on, synchronous commit);
SQLite is the embedded file (WAL, ``synchronous = NORMAL``). Target: PostgreSQL >=
1,000 bookings/s at 8 writers, 0 oversell.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

WRITERS = (1, 8, 32)
TARGET_PER_S = 1000
NOW = "2024-03-06T12:00:00+00:00"


def _writer(env: dict[str, str], who: int, count: int, race: bool, start: Event,
            out: Any) -> None:  # fmt: skip
    os.environ.update(env)
    from tools.config import get_config
    from tools.context import ToolContext
    from tools.ledger.writer import BookingRequest, write_bookings

    config = get_config()
    if not race:  # capacity and budgets lifted: the ledger's cost, not refusals
        config = config.model_copy(update={"constraints": {}})
    ctx = ToolContext.create(config)
    keys = sorted(config.treatments)
    ctx.ledger.day_state(ctx.now().date())  # connected before the start
    start.wait()
    times, booked, t0 = [], 0, time.perf_counter()
    for i in range(count):
        key = "marketing_call_back" if race else keys[(who + i) % len(keys)]
        request = BookingRequest(f"B{who:03d}{i:07d}", key, high_value=False)
        began = time.perf_counter()
        [result] = write_bookings(
            ctx.ledger, [request], config=config, at=ctx.now(), approved_by="bench"
        )
        times.append(time.perf_counter() - began)
        booked += result.booked
    out.put((t0, time.perf_counter(), times, booked))


def run(env: dict[str, str], writers: int, per_writer: int, race: bool = False):
    mp = multiprocessing.get_context("spawn")
    start, out = mp.Event(), mp.Queue()
    procs = [
        mp.Process(target=_writer, args=(env, w, per_writer, race, start, out))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.15 * writers)  # let every writer import and connect
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    times = sorted(t for r in results for t in r[2])
    booked = sum(r[3] for r in results)
    return wall, times, booked


def _fresh_env(backend: str, server: Any, tmp: Path, n: int) -> dict[str, str]:
    env = {"CVM_NOW": NOW, "CVM_STATE_DIR": str(tmp / f"state-{backend}-{n}")}
    env["CVM_LEDGER_URL"] = server.new_schema() if backend == "postgres" else ""
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=2000, help="per run")
    args = parser.parse_args(argv)
    from tests.pg import LocalPostgres

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        pg_root = Path(tempfile.mkdtemp(prefix="cvm-pg-"))  # the server's user reads it
        server = LocalPostgres(pg_root, fsync=True).start()
        try:
            _report(server, tmp, args.bookings)
        finally:
            server.stop()


def _report(server: Any, tmp: Path, total: int) -> None:
    print(
        f"ledger writers: {total:,} single bookings per run, one process per writer "
        f"({os.cpu_count()} cores, shared)"
    )
    print(f"  {'backend':<10} {'writers':>7} {'bookings/s':>11} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'race: booked of 2':>18}")  # fmt: skip
    n = 0
    for backend in ("sqlite", "postgres"):
        for writers in WRITERS:
            n += 1
            env = _fresh_env(backend, server, tmp, n)
            wall, times, booked = run(env, writers, max(1, total // writers))
            assert booked == len(times), "a throughput booking was refused"
            n += 1
            race_env = _fresh_env(backend, server, tmp, n)
            _, _, won = run(race_env, writers, 1, race=True)
            p50 = statistics.median(times) * 1000
            p99 = times[min(len(times) - 1, int(0.99 * len(times)))] * 1000
            rate = len(times) / wall
            print(
                f"  {backend:<10} {writers:>7} {rate:>11,.0f} {p50:>8.2f} "
                f"{p99:>8.2f} {won:>13} (oversell {max(0, won - 2)})"
            )
            if backend == "postgres" and writers == 8:
                print(
                    f"    target >= {TARGET_PER_S:,} bookings/s at 8 writers: "
                    f"ratio {rate / TARGET_PER_S:.2f}"
                )


if __name__ == "__main__":
    main()
