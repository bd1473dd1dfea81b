"""One customer fast at any size: the row store against DuckDB, and a chat turn.

``python -m benchmarks.point_reads --customers 10000 1000000`` generates and imports
each base into a temporary state dir (``--state DIR`` measures a store already
imported there instead), then in one process:

* ``EXPLAIN ANALYZE`` of DuckDB's three per-customer queries (whether its index is
  used, and their time);
* one customer's reads (record, feature row, offers) from the row store and from
  DuckDB, median over distinct random customers;
* an in-process offline chat turn ("What should we offer U…?") for distinct random
  customers, with the row store and with DuckDB answering, against the issue's
  target (<= 2 ms median at 10M customers).

The machine is shared: quote medians and the ratios between the two stores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TURN_TARGET_MS = 2.0
QUERIES = {
    "customer_records": "SELECT * FROM customer_records WHERE customer_id IN (?)",
    "customer_features": "SELECT * FROM customer_features WHERE customer_id IN (?)",
    "offer_propensity": "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
    "WHERE customer_id IN (?) ORDER BY row_no, pos",
}


def _prepare(n: int, folder: Path) -> Path:
    from tools.customer_base import DERIVED
    from tools.store.generate import generate
    from tools.store.importer import import_path

    start = time.perf_counter()
    generate(n, 1, folder / "base")
    store = folder / "state" / "customers.duckdb"
    import_path(folder / "base", store, r"U\d+", DERIVED, replace=True)
    print(f"  generated and imported in {time.perf_counter() - start:.1f} s")
    return folder / "state"


def _median_us(fn: Callable[[str], object], ids: list[str]) -> float:
    return _medians(fn, ids)[0]


def _medians(fn: Callable[[str], object], ids: list[str]) -> tuple[float, float]:
    """Median wall and CPU microseconds of ``fn`` over ``ids`` (one call each)."""
    walls, cpus = [], []
    for cid in ids:
        start, cpu = time.perf_counter(), time.thread_time()
        fn(cid)
        cpus.append((time.thread_time() - cpu) * 1e6)
        walls.append((time.perf_counter() - start) * 1e6)
    return statistics.median(walls), statistics.median(cpus)


@contextmanager
def _duckdb_only() -> Iterator[None]:
    """Every store reads one customer from DuckDB (the path before the row store)."""
    from tools.store.duck import DuckStore

    keep = DuckStore._point_reads
    DuckStore._point_reads = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        DuckStore._point_reads = keep  # type: ignore[method-assign]


@contextmanager
def _counted() -> Iterator[list[int]]:
    """How many customers' records the row store read meanwhile (proof it is used)."""
    from tools.store.point_reads import PointReads

    keep, used = PointReads.records, [0]

    def records(self: PointReads, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        used[0] += len(ids)
        return keep(self, ids)

    PointReads.records = records  # type: ignore[method-assign]
    try:
        yield used
    finally:
        PointReads.records = keep  # type: ignore[method-assign]


def explain(state: Path, cid: str) -> None:
    """DuckDB's plan and time for each per-customer query."""
    import duckdb

    con = duckdb.connect(str(state / "customers.duckdb"), read_only=True)
    for table, sql in QUERIES.items():
        plan = str(con.execute(f"EXPLAIN ANALYZE {sql}", [cid]).fetchall()[0][1])
        kind = "Index Scan" if "Index Scan" in plan else "Table Scan"
        groups = re.search(r"Row Groups Scanned: (\d+ / \d+)", plan)
        times = []
        for _ in range(20):
            start = time.perf_counter()
            con.execute(sql, [cid]).fetchall()
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"  duckdb {table}: {kind}"
            + (f", row groups {groups.group(1)}" if groups else "")
            + f", median {statistics.median(times):.2f} ms"
        )
    con.close()


def reads(state: Path, ids: list[str]) -> None:
    """One customer's three reads, row store vs DuckDB."""
    from tools.customer_base import DERIVED
    from tools.store.duck import DuckStore

    store = DuckStore(state / "customers.duckdb", DERIVED)
    assert store._point_reads() is not None, "no row store for this store"

    def read(cid: str) -> None:
        store._recent.clear()
        store.get_many([cid])
        store.feature_rows([cid])

    read(ids[0])
    rows = _median_us(read, ids[: len(ids) // 2])
    with _duckdb_only():
        read(ids[0])
        duck = _median_us(read, ids[len(ids) // 2 :])
    print(
        f"  one customer's reads: row store {rows:.0f} us, DuckDB {duck:.0f} us "
        f"(DuckDB / row store {duck / rows:.1f}x)"
    )


def turns(state: Path, ids: list[str]) -> dict[str, float]:
    """Median in-process offline chat turn, row store vs DuckDB (wall and CPU ms).

    Each turn asks about a customer no turn asked about before (nothing of it
    cached), as a base of millions is used.
    """
    from assistant.api import Assistant

    bot = Assistant.create(model="offline", state_dir=state)
    bot.ask(f"What should we offer {ids[0]}?")  # imports, connections

    def turn(cid: str) -> None:
        bot.session.messages.clear()
        bot.ask(f"What should we offer {cid}?")

    half = len(ids) // 2
    with _counted() as used:
        fast, fast_cpu = (t / 1000 for t in _medians(turn, ids[1:half]))
    assert used[0] >= half - 1, f"the row store read {used[0]} of {half - 1} turns"
    print(f"  the row store read the customer of {used[0]} of {half - 1} turns")
    with _duckdb_only():
        slow, slow_cpu = (t / 1000 for t in _medians(turn, ids[half:]))
    print(
        f"  offline chat turn: row store {fast:.2f} ms (cpu {fast_cpu:.2f}), DuckDB "
        f"{slow:.2f} ms (cpu {slow_cpu:.2f}), {slow / fast:.1f}x; target <= "
        f"{TURN_TARGET_MS} ms (ratio {fast / TURN_TARGET_MS:.2f}, cpu "
        f"{fast_cpu / TURN_TARGET_MS:.2f}); load {os.getloadavg()[0]:.1f}"
    )
    return {
        "turn_ms": fast,
        "turn_cpu_ms": fast_cpu,
        "turn_duckdb_ms": slow,
        "turn_duckdb_cpu_ms": slow_cpu,
    }


def measure(state: Path, sample: int = 400) -> dict[str, float]:
    """Every figure of this benchmark on the store imported in ``state``."""
    from tools.customer_base import DERIVED
    from tools.store.duck import DuckStore

    every = DuckStore(state / "customers.duckdb", DERIVED).ids()
    print(f"  store at {state}: {len(every):,} customers")
    ids = random.Random(7).sample(every, min(sample, len(every)))
    explain(state, ids[0])
    reads(state, ids)
    return turns(state, ids)


def run(n: int | None, state: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="cvm-points-") as tmp:
        if state is None:
            assert n is not None
            print(f"{n:,} customers")
            state = _prepare(n, Path(tmp))
        os.environ["CVM_STATE_DIR"] = str(state)
        measure(state)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, nargs="+", default=[10_000])
    p.add_argument("--state", help="a state dir with an imported store")
    args = p.parse_args()
    if args.state:
        run(None, Path(args.state))
        return
    for n in args.customers:
        run(n, None)


if __name__ == "__main__":
    main()
