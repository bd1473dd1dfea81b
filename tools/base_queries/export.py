"""``export_list``: a whole list of customers to a CSV or Parquet file.

The list is re-read from its definition (its handle, :mod:`tools.base_queries.lists`)
on the base and the rules in force now, every customer on it, in the list's order:
customer, segment, plan, churn, revenue, the best lawful treatment, its channel and
expected value, the next lawful contact time on that channel (QUIET-HOURS, in the
customer's time zone) and the signals. A file is written whole or not at all (a
temporary file renamed into place) under ``<state dir>/exports/``; the tool never
writes anywhere a caller names (:func:`tools.table_files.write_table`: CSV through
the stdlib, Parquet through DuckDB).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field

from tools.base_queries.find import list_rows, rows_for
from tools.base_queries.models import CustomerRow
from tools.contact_time import next_contact
from tools.context import ToolContext
from tools.customer import CustomerData
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.table_files import write_table

Format = Literal["csv", "parquet"]
COLUMNS = (
    "customer_id",
    "segment",
    "plan",
    "churn_score",
    "monthly_revenue",
    "treatment",
    "channel",
    "expected_value",
    "next_contact",
    "signals",
)
# Parquet column types: ids and keys stay text, the amounts are numbers.
_PARQUET_TYPES = {c: "VARCHAR" for c in COLUMNS} | dict.fromkeys(
    ("churn_score", "monthly_revenue", "expected_value"), "DOUBLE"
)
CHUNK = 5_000  # customers decided at a time while writing


class ExportArgs(LazyModel):
    """Arguments of ``export_list``."""

    list_id: str = Field(description="The list_id of a find_customers result.")
    format: Format = "csv"


class ListExport(LazyModel):
    """Result of ``export_list``: where the file is and how many customers it holds."""

    list_id: str
    path: str = Field(description="The file written (absolute path).")
    format: Format
    customers: int = Field(description="Rows written: every customer on the list.")
    columns: list[str]


def _lines(ctx: ToolContext, row_nos: list[int]) -> Iterator[tuple[object, ...]]:
    at = ctx.now()
    for start in range(0, len(row_nos), CHUNK):
        rows = rows_for(ctx, row_nos[start : start + CHUNK])
        records = ctx.customers.get_many([r.customer_id for r in rows])
        for r in rows:
            yield _line(ctx, r, records[r.customer_id], at)


def _next_time(
    customer: CustomerData, channel: str, ctx: ToolContext, at: datetime
) -> str:
    """When the channel may lawfully reach the customer (QUIET-HOURS), ISO time."""
    when = next_contact(customer, channel, ctx.config, at)
    return when.next_time.isoformat(timespec="minutes") if when.next_time else ""


def _line(
    ctx: ToolContext, r: CustomerRow, customer: CustomerData, at: datetime
) -> tuple[object, ...]:
    treatment = ctx.config.treatments.get(r.recommended)
    channel = treatment.channel if treatment else "none"
    return (
        r.customer_id,
        r.segment,
        r.plan,
        f"{r.churn_score:.4f}",
        f"{r.monthly_revenue:.2f}",
        r.recommended,
        channel,
        f"{r.expected_value:.2f}",
        _next_time(customer, channel, ctx, at) if channel != "none" else "",
        ";".join(r.signals),
    )


def write_list(list_id: str, path: Path, fmt: Format, ctx: ToolContext) -> int:
    """Write every customer on the list ``list_id`` to ``path``; returns how many.

    Raises:
        ToolInputError: No such list, or the file cannot be written.
    """
    row_nos = list_rows(list_id, ctx)
    try:
        return write_table(
            path,
            COLUMNS,
            _lines(ctx, row_nos),
            parquet=fmt == "parquet",
            types=_PARQUET_TYPES,
        )
    except OSError as exc:
        raise ToolInputError(f"{path}: cannot write the export: {exc}") from None


def export_list(
    list_id: str, format: Format = "csv", *, ctx: ToolContext
) -> ListExport:
    """Write every customer on an earlier list to a file (CSV or Parquet).

    The list is re-read on the base and the rules in force now. The file goes to
    the state dir's exports folder; the result says where and how many rows.

    Args:
        list_id: The list_id of a find_customers result.
        format: ``csv`` or ``parquet``.
        ctx: Configuration, customer store and clock.
    """
    stamp = ctx.now().strftime("%Y%m%dT%H%M%S")
    path = ctx.config.state_path / "exports" / f"{list_id}-{stamp}.{format}"
    n = write_list(list_id, path, format, ctx)
    return ListExport(
        list_id=list_id,
        path=str(path.resolve()),
        format=format,
        customers=n,
        columns=list(COLUMNS),
    )
