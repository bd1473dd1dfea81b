"""``cvm decide --all --engine ray``: the kernel on Parquet shards in Ray tasks.

The driver writes the store's derived tables as shards (:mod:`tools.engines.shards`),
each task reads one shard, runs the same kernel (:func:`tools.kernel.batch.
decide_where` over a :class:`ShardSource`) and writes its rows as a Parquet part
next to the shard; only the totals come back. The parts become the output file in
the local engine's order (row_no), written once and atomically.
"""

from __future__ import annotations

from pathlib import Path

from tools.config import CVMConfig
from tools.context import ToolContext
from tools.engines.decisions import DecisionTotals, decision_columns
from tools.engines.ray_session import ray_session, shard_folder
from tools.engines.shards import Shard, ShardSource, export_shards, shard_count
from tools.errors import ToolInputError
from tools.kernel.batch import decide_where
from tools.store.source import store_path
from tools.table_files import check_out, write_relation


def decide_shard(shard: Shard, config: CVMConfig, part: str | None) -> DecisionTotals:
    """Decide one shard's customers; write their rows to ``part`` (with row_no).

    Runs in a Ray task (or in-process: it needs nothing of Ray).
    """
    import duckdb

    source = ShardSource(shard)
    try:
        d = decide_where(source, config)  # type: ignore[arg-type]
    finally:
        source.close()
    cols = decision_columns(d, config.catalogue_version)
    totals = DecisionTotals()
    totals.add(cols)
    if part is not None:
        frame = {"row_no": d.row_no, **cols}  # noqa: F841  (scanned by name)
        con = duckdb.connect()
        try:
            con.execute("COPY (SELECT * FROM frame) TO ? (FORMAT parquet)", [part])
        finally:
            con.close()
    return totals


def decide_all(
    ctx: ToolContext,
    out: Path | None,
    address: str | None = None,
    shards: int | None = None,
    shard_dir: str | None = None,
) -> DecisionTotals:
    """Decide every customer of the store on Ray; write the rows to ``out`` if given.

    Args:
        ctx: The configuration and the customer store (the DuckDB file).
        out: A ``.parquet`` or ``.csv`` file for the rows (same rows, same order as
            the local engine), or None for the totals only.
        address: A Ray cluster's address; None starts a local Ray.
        shards: How many shards (default: one per 250,000 customers, at least 2).
        shard_dir: Where the shards go (shared storage on a cluster).

    Raises:
        ToolInputError: No DuckDB store (a JSON data folder), a bad output name,
            Ray missing or unreachable.
    """
    if out is not None:
        check_out(out)  # before any work
    config = ctx.config
    if config.settings.data_dir:
        raise ToolInputError(
            "--engine ray reads the customer store: import the JSON folder first "
            "(cvm import)"
        )
    n = ctx.customers.count()  # builds or refreshes the store if needed
    with shard_folder(shard_dir, config.state_path) as folder:
        count = shards or shard_count(n)
        made = export_shards(store_path(config), folder / "base", count)
        parts = [str(folder / f"decided-{s.index:04d}.parquet") for s in made]
        with ray_session(address) as ray:
            task = ray.remote(decide_shard)
            conf = ray.put(config)
            refs = [
                task.remote(s, conf, p if out else None)
                for s, p in zip(made, parts, strict=True)
            ]
            results: list[DecisionTotals] = ray.get(refs)
        totals = DecisionTotals()
        for r in results:
            totals.merge(r)
        if out is not None:
            _merge_parts(parts, out)
    return totals


def _merge_parts(parts: list[str], out: Path) -> None:
    """The parts as one file in row_no order, written whole or not at all."""
    import duckdb

    con = duckdb.connect()
    try:  # paths bound, never SQL text
        rows = "SELECT * EXCLUDE (row_no) FROM read_parquet(?) ORDER BY row_no"
        write_relation(con.sql(rows, params=[parts]), out)
    finally:
        con.close()
