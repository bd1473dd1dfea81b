"""Rows to a CSV or Parquet file, written whole or not at all.

The one writer of the exports (a plan's candidates and assignment, a list of
customers, a base's decisions): the rows go to a temporary file beside the target,
renamed into place when complete, so a reader never sees half a file and a failure
leaves the earlier file as it was. Python rows: CSV through the stdlib, Parquet
through DuckDB (imported only then), converted from a temporary CSV with the paths
bound, never SQL text. Rows already in DuckDB (a relation): written by DuckDB.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.errors import ToolInputError

if TYPE_CHECKING:
    from duckdb import DuckDBPyRelation


def write_table(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    parquet: bool = False,
    types: Mapping[str, str] | None = None,
) -> int:
    """Write ``rows`` under a header of ``columns`` to ``path``; returns the count.

    Args:
        path: The file to write (its folder is made if missing).
        columns: The header.
        rows: The rows, read once.
        parquet: Parquet instead of CSV.
        types: Parquet column types by name (DuckDB's, e.g. ``VARCHAR``); the
            columns not named are detected by DuckDB.

    Raises:
        OSError: The folder or the file cannot be written (DuckDB's refusal to
            write the Parquet file too); nothing is left behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".csv")
    n = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(columns)
            for row in rows:
                out.writerow(row)
                n += 1
        if parquet:
            _csv_to_parquet(Path(tmp), path, types)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return n


def _csv_to_parquet(src: Path, dest: Path, types: Mapping[str, str] | None) -> None:
    import duckdb

    fd, part = tempfile.mkstemp(dir=dest.parent, prefix=".export-", suffix=".parquet")
    os.close(fd)
    con = duckdb.connect()
    try:
        found = con.read_csv(str(src), header=True, dtype=dict(types or {}))
        found.write_parquet(part)
        os.replace(part, dest)
    except duckdb.Error as exc:
        raise OSError(str(exc)) from None
    finally:
        con.close()
        if os.path.exists(part):
            os.unlink(part)


def check_out(path: Path) -> None:
    """Refuse an output file that is neither ``.parquet`` nor ``.csv``.

    Raises:
        ToolInputError: One line naming the file.
    """
    if path.suffix not in (".parquet", ".csv"):
        raise ToolInputError(f"{path}: --out must end in .parquet or .csv")


def write_relation(rel: DuckDBPyRelation, path: Path) -> None:
    """A DuckDB relation's rows to ``path``, CSV (with a header) or Parquet by suffix.

    Raises:
        ToolInputError: A bad file name, or the file cannot be written (one line
            naming it; nothing is left behind).
    """
    import duckdb

    check_out(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".part")
    except OSError as exc:
        raise ToolInputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        if path.suffix == ".csv":
            rel.write_csv(tmp, header=True)
        else:
            rel.write_parquet(tmp)
        os.replace(tmp, path)
    except (duckdb.Error, OSError) as exc:
        raise ToolInputError(f"{path}: cannot write: {exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
