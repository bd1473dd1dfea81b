"""Booking throughput and latency: SQLite vs PostgreSQL with 1, 8 and 32 writers.

Run: ``python -m benchmarks.ledger_writers [--bookings N] [--against DIR]`` (or
``make bench``). Each writer is a process of its own (as UI instances are) booking
through the product's one booking writer (:func:`tools.ledger.writer.write_bookings`:
PAST-DAY and every ledger rule re-checked inside the ledger's transaction, the
counters locked) one booking per transaction, new customers over the configured
treatments with capacity limits lifted. The kernel's customer verdicts are given
(``allocate_treatment`` computes them before the transaction, from the customer
store, whose cost this does not include). Reports bookings/s (all writers, from the
first start to the last commit), p50/p99 latency per booking, and the CPU one
booking costs the writer process (client) and the database server (PostgreSQL's
processes; SQLite runs inside the client): the throughput those allow on this
machine's cores when nothing else runs. Then the race: every writer books one slot
of a 2-a-day treatment at once; oversell = bookings beyond 2 (target 0).

Then the server alone (:mod:`benchmarks.ledger_server`: the booking's two
statements from pgbench, a C client), which says whether the server or the Python
writers limit the rate. Last, one booking end to end (:mod:`benchmarks.ledger_e2e`:
the kernel, the Allocation tool, the writer alone). ``--against DIR`` runs every
configuration also with the ``tools`` of another checkout (say ``git archive
main``), alternating the two on the same server and printing both with their
ratio: a before/after in one run on a shared machine.
PostgreSQL is a local server started in a temporary folder with its default
durability (fsync on, synchronous commit); SQLite is the embedded file (WAL,
``synchronous = NORMAL``). Target: PostgreSQL >= 1,000 bookings/s at 8 writers, 0
oversell.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, NamedTuple

WRITERS = (1, 8, 32)
TARGET_PER_S = 1000
READY = "ready"
NOW = "2024-03-06T12:00:00+00:00"


class Run(NamedTuple):
    """One configuration's figures."""

    rate: float  # bookings/s, all writers
    p50_ms: float
    p99_ms: float
    client_us: float  # writer processes' CPU per booking
    server_us: float  # the server's CPU per booking (0 for SQLite)
    won: int  # race: bookings of the 2 slots


def _writer(env: dict[str, str], root: str, who: int, count: int, race: bool,
            start: Event, out: Any) -> None:  # fmt: skip
    os.environ.update(env)
    if root:  # the other checkout's tools
        sys.path.insert(0, root)
    from tools.config import get_config
    from tools.context import ToolContext
    from tools.ledger.writer import BookingRequest, write_bookings

    assert sys.modules["tools"].__file__.startswith(root or os.getcwd()), root
    config = get_config()
    if not race:  # capacity and budgets lifted: the ledger's cost, not refusals
        config = config.model_copy(update={"constraints": {}})
    ctx = ToolContext.create(config)
    keys = sorted(config.treatments)
    at = ctx.now()
    ctx.ledger.day_state(at.date())  # connected before the start
    out.put(READY)
    start.wait()
    times, booked, t0, cpu0 = [], 0, time.perf_counter(), _cpu()
    for i in range(count):
        key = "marketing_call_back" if race else keys[(who + i) % len(keys)]
        request = BookingRequest(f"B{who:03d}{i:07d}", key, high_value=False)
        began = time.perf_counter()
        [result] = write_bookings(
            ctx.ledger, [request], config=config, at=at, approved_by="bench"
        )
        times.append(time.perf_counter() - began)
        booked += result.booked
    out.put((t0, time.perf_counter(), times, booked, _cpu() - cpu0))


def _cpu() -> float:
    """This process's CPU seconds (user + system, every thread)."""
    t = os.times()
    return t.user + t.system


def _server_cpu(server: Any) -> float:
    """CPU seconds of a PostgreSQL server: its processes now and those it reaped."""
    if server is None:
        return 0.0
    try:
        pid = int((server.data / "postmaster.pid").read_text().split()[0])
        total = _proc_cpu(pid, children=True)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += _proc_cpu(int(stat.parent.name))
    except (OSError, ValueError, IndexError):
        return 0.0
    return total


def _proc_cpu(pid: int, children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # ended meanwhile (counted with its parent's reaped children)
    ticks = sum(int(f) for f in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def run(env: dict[str, str], writers: int, per_writer: int, *, root: str = "",
        race: bool = False, server: Any = None) -> tuple[float, list[float], int,
                                                         float, float]:  # fmt: skip
    """Run the writers; wall seconds, latencies, booked, client and server CPU s."""
    mp = multiprocessing.get_context("spawn")
    start, out = mp.Event(), mp.Queue()
    procs = [
        mp.Process(target=_writer, args=(env, root, w, per_writer, race, start, out))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every writer imported, connected, its ledger made
        if out.get(timeout=600) != READY:
            raise RuntimeError("a writer failed before the start")
    time.sleep(0.3)  # the server settles
    server0 = _server_cpu(server)
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    time.sleep(0.3)  # the server reaps its ended backends
    server_s = _server_cpu(server) - server0
    wall = max(r[1] for r in results) - min(r[0] for r in results)
    times = sorted(t for r in results for t in r[2])
    booked = sum(r[3] for r in results)
    return wall, times, booked, sum(r[4] for r in results), server_s


def measure(backend: str, server: Any, tmp: Path, writers: int, total: int,
            root: str) -> Run:  # fmt: skip
    """One configuration: the throughput run, then the race, each on a new ledger."""
    pg = server if backend == "postgres" else None
    env = _fresh_env(backend, server, tmp)
    wall, times, booked, client_s, server_s = run(
        env, writers, max(1, total // writers), root=root, server=pg
    )
    assert booked == len(times), "a throughput booking was refused"
    _, _, won, _, _ = run(_fresh_env(backend, server, tmp), writers, 1, root=root,
                          race=True)  # fmt: skip
    n = len(times)
    return Run(
        rate=n / wall,
        p50_ms=statistics.median(times) * 1000,
        p99_ms=times[min(n - 1, int(0.99 * n))] * 1000,
        client_us=client_s / n * 1e6,
        server_us=server_s / n * 1e6,
        won=won,
    )


_made = iter(range(1_000_000))


def _fresh_env(backend: str, server: Any, tmp: Path) -> dict[str, str]:
    env = {"CVM_NOW": NOW, "CVM_STATE_DIR": str(tmp / f"state-{next(_made)}")}
    env["CVM_LEDGER_URL"] = server.new_schema() if backend == "postgres" else ""
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=2000, help="per run")
    parser.add_argument(
        "--against", default="", help="another checkout's root: run both, side by side"
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--writers", default=",".join(map(str, WRITERS)))
    parser.add_argument(
        "--no-e2e", action="store_true", help="skip the end-to-end booking figures"
    )
    args = parser.parse_args(argv)
    from benchmarks import ledger_e2e
    from tests.pg import LocalPostgres

    against = str(Path(args.against).resolve()) if args.against else ""
    if against and not (Path(against) / "tools" / "ledger").is_dir():
        parser.error(f"--against {args.against}: no tools/ledger there")
    with tempfile.TemporaryDirectory() as folder:
        pg_root = Path(tempfile.mkdtemp(prefix="cvm-pg-"))  # the server's user reads it
        server = LocalPostgres(pg_root, fsync=True).start()
        try:
            backends = args.backends.split(",")
            _report(
                server,
                Path(folder),
                args.bookings,
                against,
                backends,
                [int(w) for w in args.writers.split(",")],
            )
            if not args.no_e2e:
                ledger_e2e.report(server, Path(folder), against, backends)
        finally:
            server.stop()


def _report(server: Any, tmp: Path, total: int, against: str,
            backends: list[str], writer_counts: list[int]) -> None:  # fmt: skip
    cores = os.cpu_count() or 1
    print(
        f"ledger writers: {total:,} single bookings per run through the booking "
        f"writer, one process per writer ({cores} cores, shared; load "
        f"{os.getloadavg()[0]:.1f} at start)"
    )
    if against:
        print(f"  'before' = tools of {against}; 'after' = this checkout")
    print(
        f"  {'backend':<9} {'writers':>7} {'code':<7} {'bookings/s':>10} "
        f"{'p50 ms':>7} {'p99 ms':>8} {'cpu/booking µs':>21} {'idle-cores cap':>14} "
        f"{'race of 2':>9}"
    )
    for backend in backends:
        for writers in writer_counts:
            rows = [("after", "")] if not against else [("before", against),
                                                        ("after", "")]  # fmt: skip
            figures = {
                name: measure(backend, server, tmp, writers, total, root)
                for name, root in rows
            }
            for name, r in figures.items():
                cpu = r.client_us + r.server_us
                cap = cores / cpu * 1e6 if cpu else 0.0
                print(
                    f"  {backend:<9} {writers:>7} {name:<7} {r.rate:>10,.0f} "
                    f"{r.p50_ms:>7.2f} {r.p99_ms:>8.2f} "
                    f"{r.client_us:>7,.0f} + {r.server_us:>5,.0f} = {cpu:>5,.0f} "
                    f"{cap:>12,.0f}/s {r.won:>5} (oversell {max(0, r.won - 2)})"
                )
            if against:
                a, b = figures["after"], figures["before"]
                print(
                    f"  {'':<9} {'':>7} {'ratio':<7} {a.rate / b.rate:>9.2f}x "
                    f"{a.p50_ms / b.p50_ms:>7.2f} {a.p99_ms / b.p99_ms:>8.2f}  "
                    f"(after/before; load now {os.getloadavg()[0]:.1f})"
                )
            if backend == "postgres" and writers == 8:
                r = figures["after"]
                cap = cores / (r.client_us + r.server_us) * 1e6
                print(
                    f"    target >= {TARGET_PER_S:,} bookings/s at 8 writers: "
                    f"ratio {r.rate / TARGET_PER_S:.2f} as measured (load "
                    f"{os.getloadavg()[0]:.1f} on {cores} cores); the CPU one booking "
                    f"costs allows {cap:,.0f}/s on idle cores: ratio "
                    f"{cap / TARGET_PER_S:.2f}"
                )
    if "postgres" in backends:
        _server_alone(server, writer_counts)


def _server_alone(server: Any, writer_counts: list[int]) -> None:
    """The server alone (:mod:`benchmarks.ledger_server`): which side limits."""
    from benchmarks.ledger_server import server_alone

    print(
        "  postgres server alone: the same two statements per booking from pgbench "
        "(a C client, no judge)"
    )
    for clients in writer_counts:
        found = server_alone(server, clients, _server_cpu)
        if found is None:
            print("    pgbench not installed: skipped")
            return
        rate, server_us = found
        print(
            f"    {clients:>3} clients {rate:>8,.0f} bookings/s, server "
            f"{server_us:,.0f} µs/booking (load {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
