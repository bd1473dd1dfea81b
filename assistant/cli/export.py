"""``cvm export list L…``: every customer on a list the chat showed, to a file.

A list's handle (``find_customers``' list_id, kept in the state dir) names its
definition; the file holds every customer on it on the base and rules in force
now, in the list's order. CSV by default, Parquet with ``--format parquet`` or an
``--out`` ending in ``.parquet``; without ``--out`` it goes to the state dir's
exports folder, as the chat's "export that list" does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from assistant.cli.commands import cli_context, command, emit
from tools.errors import ToolInputError


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    """Write a list of customers to CSV or Parquet and say where."""
    from tools.base_queries.export import export_list, write_list

    ctx = cli_context()
    fmt: str
    if args.out is None:
        done = export_list(args.list_id, args.format or "csv", ctx=ctx)
        path, n, fmt = Path(done.path), done.customers, done.format
    else:
        path = Path(args.out)
        fmt = args.format or path.suffix.lower().lstrip(".")
        if fmt == "csv":
            n = write_list(args.list_id, path, "csv", ctx)
        elif fmt == "parquet":
            n = write_list(args.list_id, path, "parquet", ctx)
        else:
            raise ToolInputError(f"{path}: export to a .csv or .parquet file")
    payload = {"list_id": args.list_id, "path": str(path), "format": fmt, "rows": n}
    emit(args, payload, f"wrote {n:,} customers of list {args.list_id} to {path}")
    return 0


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the ``export`` sub-command to the ``cvm`` parser."""
    e = add("export", "write every customer on a list the chat showed to a file")
    e.add_argument("what", choices=["list"], help="what to export")
    e.add_argument("list_id", help="the list's id (L + 10 hex digits)")
    e.add_argument("--format", choices=["csv", "parquet"], help="default: csv")
    e.add_argument("--out", help="the file (default: the state dir's exports/)")
