"""One booking end to end (the Allocation tool) against the booking writer alone.

Run: ``python -m benchmarks.ledger_e2e [--against DIR]`` (``make bench`` runs it
from :mod:`benchmarks.ledger_writers`). In one process per backend and code: every
sample customer is assessed by the decision kernel once (cold: the customer store's
reads and the kernel), then ``allocate_treatment`` books each of them every
treatment (SUITABILITY overridden as an analyst's order may; refusals are timed
too: they run the same transaction), then the booking writer alone books as many
new customers. Prints the medians: what the kernel costs per customer, what a
booking costs through the product's tool once the customer is assessed (as when an
analyst looked at the customer first), and what the writer alone costs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NOW = "2024-03-06T12:00:00+00:00"


def _measure(env: dict[str, str], root: str, out: Any) -> None:
    os.environ.update(env)
    if root:
        sys.path.insert(0, root)
    from tools.allocation import allocate_treatment
    from tools.assess import assess
    from tools.config import get_config
    from tools.context import ToolContext
    from tools.errors import PolicyBlocked
    from tools.ledger.writer import BookingRequest, write_bookings

    assert sys.modules["tools"].__file__.startswith(root or os.getcwd()), root
    config = get_config().model_copy(update={"constraints": {}})
    ctx = ToolContext.create(config)
    ids = ctx.customers.ids()
    keys = sorted(k for k in config.treatments if k != "ignore")
    cold, tool, writer = [], [], []
    for cid in ids:
        began = time.perf_counter()
        assess(cid, ctx)
        cold.append(time.perf_counter() - began)
    for cid in ids:
        for key in keys:
            began = time.perf_counter()
            try:
                allocate_treatment(
                    cid, key, "bench", ctx, overrides=frozenset({"SUITABILITY"})
                )
            except PolicyBlocked:
                pass
            tool.append(time.perf_counter() - began)
    at = ctx.now()
    for i in range(len(tool)):
        request = BookingRequest(f"W{i:06d}", keys[i % len(keys)], high_value=False)
        began = time.perf_counter()
        write_bookings(ctx.ledger, [request], config=config, at=at, approved_by="b")
        writer.append(time.perf_counter() - began)
    out.put([statistics.median(x) * 1000 for x in (cold, tool, writer)])


def measure(backend: str, server: Any, tmp: Path, root: str) -> list[float]:
    """Median ms: kernel per customer (cold), the tool's booking, the writer's."""
    env = {"CVM_NOW": NOW, "CVM_STATE_DIR": str(tmp / f"e2e-{backend}-{bool(root)}")}
    env["CVM_LEDGER_URL"] = server.new_schema() if backend == "postgres" else ""
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    proc = mp.Process(target=_measure, args=(env, root, out))
    proc.start()
    figures = out.get(timeout=900)
    proc.join(60)
    return figures


def report(server: Any, tmp: Path, against: str, backends: list[str]) -> None:
    """Print the medians per backend (and per code with ``against``)."""
    print("one booking end to end (1 process; medians, ms; machine shared):")
    print(
        f"  {'backend':<9} {'code':<7} {'kernel, cold':>12} "
        f"{'allocate_treatment':>18} {'writer alone':>12}"
    )
    runs = [("before", against), ("after", "")] if against else [("after", "")]
    for backend in backends:
        for name, root in runs:
            cold, tool, writer = measure(backend, server, tmp, root)
            print(
                f"  {backend:<9} {name:<7} {cold:>12.2f} {tool:>18.2f} {writer:>12.2f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="", help="another checkout's root")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args(argv)
    from tests.pg import LocalPostgres

    against = str(Path(args.against).resolve()) if args.against else ""
    with tempfile.TemporaryDirectory() as folder:
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="cvm-pg-")), fsync=True)
        server.start()
        try:
            report(server, Path(folder), against, args.backends.split(","))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
