"""``cvm`` commands for the whole customer base: generate, import, decide.

``cvm generate-customers --customers N --seed S --out DIR`` writes a synthetic base
(Parquet, the store's schema); ``cvm import PATH`` loads a folder of Parquet / CSV
tables or JSON records into the store atomically; ``cvm decide --all [--out FILE]
[--engine ray]`` runs the decision kernel over every customer (in this process, or
on Parquet shards in Ray tasks).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli.engine_flags import add_engine_arguments

if TYPE_CHECKING:
    import numpy as np

    from tools.context import ToolContext
    from tools.engines.decisions import DecisionTotals

Add = Callable[..., argparse.ArgumentParser]
Register = Callable[[str], Callable[[Callable[[argparse.Namespace], int]], Any]]


def _progress(enabled: bool) -> Callable[[int, int, str], None] | None:
    """A one-line progress bar on stderr when it is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, label: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_generate(args: argparse.Namespace) -> int:
    """Write a synthetic customer base as Parquet files."""
    import duckdb

    from tools.store.generate import generate

    if not 0 <= args.seed < 2**63:
        print("cvm: --seed must be 0 or more (below 2**63)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        rows = generate(args.customers, args.seed, Path(args.out), force=args.force)
    except (OSError, duckdb.Error) as exc:
        problem = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        print(f"cvm: cannot write {args.out}: {problem}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    payload = {"out": args.out, "seed": args.seed, "rows": rows, "seconds": seconds}
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(
            f"wrote {args.customers:,} customers to {args.out} in {seconds:.1f} s "
            f"({', '.join(f'{t} {n:,}' for t, n in rows.items())})"
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a folder of tables (or JSON records) into the customer store."""
    from tools.config import get_config
    from tools.customer_base import import_base
    from tools.store.importer import ImportFailed

    try:
        report = import_base(
            Path(args.path),
            get_config(),
            replace=args.replace,
            progress=_progress(not args.json),
        )
    except ImportFailed as exc:
        report = exc.report
        if args.json:
            print(json.dumps(report.as_json(), indent=2))
        else:
            print(f"cvm: {exc}", file=sys.stderr)
            for problem in report.problems:
                print(f"  {problem.line()}", file=sys.stderr)
            shown = sum(p.count for p in report.problems)
            if report.problem_count > shown:
                print(f"  … and {report.problem_count - shown} more", file=sys.stderr)
        return 2  # bad input, like every other clear error of the CLI
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"imported {report.customers_imported:,} customers from {args.path} in "
            f"{report.seconds:.1f} s; the store now holds "
            f"{report.customers_total:,} customers"
        )
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """The best lawful treatment and its EV for every customer (or the ids given)."""
    from tools.context import default_context

    if not args.all and not args.customer_id:
        print("cvm: give --all or --customer-id", file=sys.stderr)
        return 2
    if args.engine == "ray" and not args.all:
        print("cvm: --engine ray decides the whole base: give --all", file=sys.stderr)
        return 2
    from tools.data import validate_customer_id

    ctx = default_context().pinned()  # one catalogue version for the whole run
    config = ctx.config
    ids = [validate_customer_id(c, config) for c in args.customer_id or []]
    start = time.perf_counter()
    out: dict[str, np.ndarray] | None = None
    if args.engine == "ray":
        from tools.engines.ray_decide import decide_all

        out_path = Path(args.out) if args.out else None
        totals = decide_all(
            ctx, out_path, args.ray_address, args.shards, args.shard_dir
        )
    else:
        out, totals = _decide_local(ctx, ids if not args.all else None)
    seconds = time.perf_counter() - start
    if not totals.customers:
        print("cvm: no customers", file=sys.stderr)
        return 2
    n = totals.customers
    summary = {
        "customers": n,
        "seconds": round(seconds, 3),
        "customers_per_second": round(n / seconds) if seconds else None,
        "expected_value": round(totals.expected_value, 2),
        "by_treatment": dict(sorted(totals.by_treatment.items())),
        "excluded_by_rule": dict(totals.excluded),
        "catalogue_version": config.catalogue_version,
        "out": args.out,
        "engine": args.engine,
    }
    if args.out and out is not None:
        _write(out, Path(args.out))
    if args.json:
        print(json.dumps(summary, indent=2))
    elif out is not None and not args.all and n <= 20:
        for i in range(n):
            print(
                f"{out['customer_id'][i]}: {out['best_treatment'][i]} "
                f"EV £{out['expected_value'][i]:.2f}"
            )
    else:
        print(_decided_text(summary, totals))
    return 0


def _decided_text(summary: dict[str, Any], totals: DecisionTotals) -> str:
    """A run of ``cvm decide --all`` as a few lines of plain text."""
    lines = [
        f"decided {summary['customers']:,} customers in {summary['seconds']:.2f} s "
        f"({summary['customers_per_second']:,}/s, {summary['engine']} engine); "
        f"total EV £{summary['expected_value']:,.2f} (catalogue version "
        f"{summary['catalogue_version']})"
    ]
    for k, c in sorted(totals.by_treatment.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {k:<22} {c:>10,}")
    lines.append(
        "  excluded (treatment x customer): "
        + ", ".join(f"{r} {v:,}" for r, v in totals.excluded.items())
    )
    if summary["out"]:
        lines.append(f"  written to {summary['out']}")
    return "\n".join(lines)


def _decide_local(
    ctx: ToolContext, ids: list[str] | None
) -> tuple[dict[str, np.ndarray], DecisionTotals]:
    """Decide the whole base (``ids`` None) or those ids in this process."""
    import numpy as np

    from tools.engines.decisions import DecisionTotals, decision_columns
    from tools.kernel.batch import decide_ids, iter_decisions

    config = ctx.config
    batches = (
        iter_decisions(ctx.customers, config)
        if ids is None
        else [decide_ids(ctx.customers, config, ids)]
    )
    parts = [decision_columns(d, config.catalogue_version) for d in batches]
    totals = DecisionTotals()
    for part in parts:
        totals.add(part)
    if not parts:
        return {}, totals
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}, totals


def _write(cols: dict[str, np.ndarray], path: Path) -> None:
    """Write the decisions as Parquet or CSV, atomically (a temp file renamed)."""
    import duckdb

    from tools.table_files import check_out, write_relation

    check_out(path)
    frame = cols  # noqa: F841  (scanned by DuckDB by name)
    con = duckdb.connect()
    try:
        write_relation(con.sql("SELECT * FROM frame"), path)
    finally:
        con.close()


def register(add: Add, command: Register) -> None:
    """Add the base commands to ``cvm``'s parser and command table."""
    g = add("generate-customers", "write a synthetic customer base (Parquet)")
    g.add_argument(
        "--customers", type=int, required=True, help="how many (at most 50,000,000)"
    )
    g.add_argument("--seed", type=int, default=1, help="random seed >= 0 (default 1)")
    g.add_argument(
        "--out", required=True, help="a new or empty folder (<table>/part-N.parquet)"
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="replace a base generated into --out before (other files untouched)",
    )
    command("generate-customers")(cmd_generate)
    i = add("import", "import Parquet / CSV tables or JSON records into the store")
    i.add_argument("path", help="a folder of <table>.parquet|csv, or *.json files")
    i.add_argument(
        "--replace",
        action="store_true",
        help="the import becomes the whole base (default: add / replace by id)",
    )
    command("import")(cmd_import)
    d = add("decide", "best lawful treatment and EV for every customer")
    d.add_argument("--all", action="store_true", help="every customer in the store")
    d.add_argument("--customer-id", nargs="+", help="only these customers")
    d.add_argument("--out", help="write per-customer rows to FILE.parquet or .csv")
    add_engine_arguments(d)
    command("decide")(cmd_decide)
