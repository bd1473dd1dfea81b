"""Numpy columns to Parquet parts in the store's types, one part per chunk of customers.

The layout is the one ``cvm import`` reads: a folder per table holding its parts,
``DIR/<table>/part-00000.parquet``, ``part-00001.parquet`` … (one per chunk of
customers, in id order). Strings never become Python objects: categorical columns are
integer codes into a label list and ids are built by DuckDB from integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from tools import sql
from tools.store.generate.catalogue import FIRST_ID
from tools.store.schema import TABLES


@dataclass(frozen=True)
class Cat:
    """A categorical column: integer codes into labels (``None`` = NULL)."""

    codes: np.ndarray
    labels: Sequence[str | None]


@dataclass(frozen=True)
class Sql:
    """A column computed by DuckDB from helper columns (no Python strings)."""

    expr: str
    helpers: dict[str, np.ndarray]


Column = np.ndarray | Cat | Sql


def ids_of(index: np.ndarray) -> Sql:
    """Customer ids ``U`` + digits of global customer indexes."""
    return Sql(f"'U' || ({FIRST_ID} + cidx)::VARCHAR", {"cidx": index})


def literal(labels: Sequence[str | None]) -> str:
    """A DuckDB ``VARCHAR[]`` literal of ``labels``."""
    quoted = ("NULL" if v is None else sql.literal(v) for v in labels)
    return f"([{', '.join(quoted)}]::VARCHAR[])"


def part_path(out: Path, table: str, part: int) -> Path:
    """Where part ``part`` of ``table`` goes."""
    return out / table / f"part-{part:05d}.parquet"


class PartWriter:
    """Writes numpy columns of one table and chunk as a Parquet part."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        for table in TABLES:
            (out / table).mkdir(parents=True, exist_ok=True)

    def write(self, table: str, part: int, cols: dict[str, Column]) -> int:
        """Write ``cols`` (missing schema columns are NULL); returns the row count."""
        select, frame = [], {}
        for c in TABLES[table]:
            value = cols.get(c.name)
            if value is None:
                expr = "NULL"
            elif isinstance(value, Cat):
                frame[f"{c.name}__code"] = value.codes.astype(np.int32)
                expr = f"{literal(value.labels)}[{c.name}__code + 1]"
            elif isinstance(value, Sql):
                frame.update(value.helpers)
                expr = value.expr
            else:
                frame[c.name] = (
                    value.astype("datetime64[us]") if value.dtype.kind == "M" else value
                )
                expr = sql.identifier(c.name)
            select.append(f"CAST({expr} AS {c.type}) AS {sql.identifier(c.name)}")
        rows = len(next(iter(frame.values())))  # every table has a customer id
        self.con.register("frame", frame)
        self.con.execute(
            f"COPY (SELECT {', '.join(select)} FROM frame) TO ? (FORMAT parquet)",
            [str(part_path(self.out, table, part))],
        )
        self.con.unregister("frame")
        return rows

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.con.close()
