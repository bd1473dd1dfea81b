"""``--engine`` and ``--ray-address``: where the batch commands run."""

from __future__ import annotations

import argparse


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """Add the engine flags to a batch command (``decide``, ``plan``)."""
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local (this process, the default) or ray (Parquet shards in Ray "
        'tasks; pip install ".[scale]")',
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="a Ray cluster (e.g. ray://head:10001 or auto); default: a local "
        "Ray instance with 2 CPUs",
    )
    p.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="with --engine ray: how many shards (default one per 250,000 "
        "customers, at least 2)",
    )
    p.add_argument(
        "--shard-dir",
        metavar="DIR",
        help="with --engine ray: where the Parquet shards go (on a cluster: storage "
        "every node mounts; default a temporary folder in the state dir)",
    )
