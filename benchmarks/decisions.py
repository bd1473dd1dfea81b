"""Decision-core benchmark: recommend latency and ledger throughput.

Run: ``python -m benchmarks.decisions`` (or ``make bench``). Prints numbers and the
ratios to the targets: recommend <= 2 ms median per customer, >= 2,000 allocations/s
under 16 threads with zero oversell (customers from a JSON folder, as the target was
set, and from a DuckDB store file, the default source). Each source is raced twice:
customers never assessed before (every booking reads and decides its customer), and
customers recommended just before (the chat flow: "book it" follows a
recommendation, whose assessment the booking reuses). The cold JSON-folder race runs
once more on one core, to show the share of CPython's lock hand-over between cores.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools import data
from tools.allocation import allocate_treatment, check_availability
from tools.assess import batch_stats
from tools.config import CVMConfig, get_config
from tools.context import ToolContext
from tools.customer_base import DERIVED
from tools.errors import PolicyBlocked
from tools.ledger import SQLiteLedger
from tools.store import json_files
from tools.store.duck import DuckStore, build_from_records
from tools.store.json_files import read_json_folder
from tools.treatment import recommend_treatment

TARGET_MEDIAN_MS = 2.0
TARGET_ALLOC_PER_S = 2000
THREADS = 16
RECOMMENDED = 1000  # customers recommended before the second race (cache: 1,024)


def bench_recommend(ctx: ToolContext, rounds: int = 200) -> None:
    print(f"recommend_treatment latency ({rounds} calls per customer, warm cache)")
    medians = []
    for cid in data.customer_ids(ctx.config):
        recommend_treatment(cid, ctx)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            recommend_treatment(cid, ctx)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        med, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
        medians.append(med)
        print(f"  {cid}: median {med:.3f} ms  p95 {p95:.3f} ms")
    worst = max(medians)
    print(
        f"  worst median {worst:.3f} ms; target <= {TARGET_MEDIAN_MS} ms "
        f"(ratio {worst / TARGET_MEDIAN_MS:.2f})"
    )


def bench_ledger(tmp: Path, customers: int = 4000, capacity: int = 3000) -> None:
    """16 threads race to book a treatment for ``customers`` distinct customers.

    Twice: with the customers in a JSON folder (``settings.data_dir``, held in
    memory) and in a DuckDB store file (the product's default source, read per
    customer). None of them was assessed before except the first 50.
    """
    folder, ids, config = _many_customers(tmp, customers, capacity)
    store_file = tmp / "customers.duckdb"
    build_from_records(store_file, read_json_folder(folder, config), DERIVED)
    disk = DuckStore(store_file, DERIVED)
    sources = (("JSON folder", None), ("DuckDB store file", disk))
    print(
        f"ledger: {THREADS} threads, {customers} allocation attempts for a "
        f"{capacity}-a-day treatment (distinct customers, none assessed before)"
    )
    races = [(name, source, False) for name, source in sources]
    if len(os.sched_getaffinity(0)) > 1:  # and once more on one core: see _pinned
        races.append(("JSON folder, the race on one core", None, True))
    for name, source, one_core in races:
        ctx = ToolContext(
            config=config,
            ledger=SQLiteLedger(tmp / f"{name}.sqlite3"),
            customers=source,
        )
        for cid in ids[:50]:  # warm the code paths
            recommend_treatment(cid, ctx)
        with _pinned(one_core):
            _race(name, ctx, ids, capacity)
    recent = ids[-RECOMMENDED:]
    print(
        f"ledger: {THREADS} threads, {len(recent)} allocation attempts for the same "
        "treatment (each customer recommended just before, as in chat)"
    )
    for name, source in sources:
        ctx = ToolContext(
            config=config,
            ledger=SQLiteLedger(tmp / f"{name}-2.sqlite3"),
            customers=source,
        )
        for cid in recent:
            recommend_treatment(cid, ctx)
        _race(name, ctx, recent, capacity)


def _many_customers(
    tmp: Path, customers: int, capacity: int
) -> tuple[Path, list[str], CVMConfig]:
    """A JSON folder of ``customers`` copies of U123, and a configuration to race on.

    The configuration reads that folder, accepts its longer ids, and gives the
    raced treatment ``capacity`` a day with no reservation and no budget.

    Returns:
        The folder, the customers' ids and the configuration.
    """
    base = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())
    template = next(c for c in base["customers"] if c["customer_id"] == "U123")
    folder = tmp / "data"
    folder.mkdir()
    ids = [f"U{100000 + i}" for i in range(customers)]
    (folder / "c.json").write_text(
        json.dumps([{**template, "customer_id": cid} for cid in ids])
    )
    config = get_config()
    config = config.model_copy(
        update={
            "settings": config.settings.model_copy(update={"data_dir": str(folder)}),
            "validation": config.validation.model_copy(
                update={"customer_id_pattern": r"^U\d{3,6}$"}
            ),
            "constraints": {
                **config.constraints,
                "data_boost": config.constraints["data_boost"].model_copy(
                    update={
                        "max_per_day": capacity,
                        "reserved_share": 0,
                        "daily_budget": None,
                    }
                ),
            },
        }
    )
    return folder, ids, config


@contextmanager
def _pinned(on: bool) -> Iterator[None]:
    """Threads started inside run on one core (Linux; the caller's own too).

    16 Python threads on several cores hand the interpreter lock from core to core
    at every switch; on one core they do not. The two races side by side show how
    much of the time is that hand-over rather than the kernel or the ledger.
    """
    if not on:
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def _race(name: str, ctx: ToolContext, ids: list[str], capacity: int) -> None:
    ok, refused = [0], [0]
    lock = threading.Lock()
    chunks = [ids[i::THREADS] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS + 1)

    def worker(mine: list[str]) -> None:
        barrier.wait()
        for cid in mine:
            try:
                allocate_treatment(cid, "data_boost", "bench", ctx)
                with lock:
                    ok[0] += 1
            except PolicyBlocked:
                with lock:
                    refused[0] += 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    before = batch_stats(ctx)
    barrier.wait()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    used = check_availability("data_boost", ctx).used
    oversell = max(0, used - capacity)
    rate = len(ids) / elapsed
    batches, assessed = (a - b for a, b in zip(batch_stats(ctx), before, strict=True))
    print(
        f"  {name}: {rate:,.0f} allocations/s ({elapsed:.2f} s); booked {ok[0]}, "
        f"refused {refused[0]}, ledger holds {used}, oversell {oversell}; "
        f"{assessed} customers assessed in the race, in {batches} batches"
    )
    print(
        f"    target >= {TARGET_ALLOC_PER_S:,}/s with 0 oversell "
        f"(ratio {rate / TARGET_ALLOC_PER_S:.2f}); CPU {cpu / len(ids) * 1000:.3f} ms "
        f"an attempt ({len(ids) / cpu:,.0f} a CPU second, ratio "
        f"{len(ids) / cpu / TARGET_ALLOC_PER_S:.2f}); load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = ToolContext.create(get_config(), state_dir=Path(tmp) / "state")
        bench_recommend(ctx)
        bench_ledger(Path(tmp))


if __name__ == "__main__":
    main()
