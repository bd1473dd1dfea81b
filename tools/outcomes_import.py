"""``cvm import-outcomes FILE``: outcomes of many bookings from a CSV or Parquet file.

Columns (a header row for CSV; other columns are ignored):

* ``allocation_id`` (required): the booking's id (``#`` allowed: ``#12``);
* ``status`` (required): accepted, declined, no_response (or ``no response``),
  unreachable;
* ``on`` or ``date`` (optional): ``YYYY-MM-DD``, empty for today;
* ``value`` (optional): realised value in pounds, empty when unknown.

DuckDB reads the file (its path bound, never SQL text). The import is atomic: every
row is checked first and the first bad one is named (``FILE: row N: problem``, rows
counted from 1 after the header) with nothing recorded; then all rows are recorded
in one ledger transaction. Importing the same file again records nothing new (a
booking's same outcome is left as it is).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.files import shorten
from tools.outcomes import OutcomeInput, OutcomeInputError, write_outcomes

_READERS = {
    ".csv": "SELECT * FROM read_csv(?, header = true, all_varchar = true, "
    "delim = ',', quote = '\"', escape = '\"', comment = '')",
    ".parquet": "SELECT * FROM read_parquet(?)",
}
_DATE_COLUMNS = ("on", "date")


class ImportResult(BaseModel):
    """What an import did."""

    file: str
    rows: int
    recorded: int
    replaced: int
    unchanged: int


def read_table(
    path: Path, needed: tuple[str, ...]
) -> tuple[str, dict[str, int], list[tuple[Any, ...]]]:
    """A CSV or Parquet file's rows, read by DuckDB (its path bound, never SQL text).

    Returns:
        The file's name as errors print it, each column's position (lower case,
        stripped) and the rows.

    Raises:
        ToolInputError: The file is missing, not CSV or Parquet, unreadable, lacks
            a column of ``needed`` or has no rows.
    """
    import duckdb

    name = str(path) if str(path).isprintable() else shorten(str(path), 200)
    query = _READERS.get(path.suffix.lower())
    if query is None:
        raise ToolInputError(f"{name}: not a .csv or .parquet file")
    if not path.is_file():
        raise ToolInputError(f"{name}: no such file")
    try:
        with duckdb.connect() as con:
            cur = con.execute(query, [str(path)])
            columns = [str(c[0]).strip().lower() for c in cur.description or []]
            data = cur.fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise ToolInputError(f"{name}: cannot be read: {shorten(first)}") from None
    for column in needed:
        if column not in columns:
            raise ToolInputError(
                f"{name}: no '{column}' column (found: {', '.join(columns)[:120]})"
            )
    if not data:
        raise ToolInputError(f"{name}: no rows")
    return name, {c: columns.index(c) for c in columns}, data


def read_outcomes(path: Path) -> list[OutcomeInput]:
    """The file's rows as outcome inputs (checked for form, not yet for bookings).

    Raises:
        ToolInputError: The file is missing, not CSV or Parquet, unreadable, lacks a
            required column, has no rows, or a row's field is malformed (named).
    """
    name, at, data = read_table(path, ("allocation_id", "status"))
    when = next((at[c] for c in _DATE_COLUMNS if c in at), None)
    value = at.get("value")
    return [
        _row(
            f"{name}: row {n}",
            r[at["allocation_id"]],
            r[at["status"]],
            None if value is None else r[value],
            None if when is None else r[when],
        )
        for n, r in enumerate(data, start=1)
    ]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _row(where: str, raw_id: Any, status: Any, value: Any, on: Any) -> OutcomeInput:
    text = str(raw_id).strip().removeprefix("#") if not _blank(raw_id) else ""
    if not text.isdigit():
        raise OutcomeInputError(
            where, f"allocation_id {shorten(raw_id)} is not a booking id"
        )
    state = "" if _blank(status) else "_".join(str(status).lower().split())
    amount = amount_of(where, value)
    day = None
    if not _blank(on):
        try:
            if isinstance(on, datetime):
                day = on.date()
            elif isinstance(on, date):
                day = on
            else:
                day = date.fromisoformat(str(on).strip())
        except ValueError:
            raise OutcomeInputError(
                where, f"date {shorten(on)} is not YYYY-MM-DD"
            ) from None
    return OutcomeInput(int(text), state, amount, day, where)


def amount_of(where: str, value: Any) -> float | None:
    """A file's value field in pounds (None when blank), or the problem with it.

    Raises:
        OutcomeInputError: Not a number, or not finite (naming ``where``).
    """
    if _blank(value):
        return None
    try:
        amount = float(str(value).strip().lstrip("£"))
    except ValueError:
        raise OutcomeInputError(
            where, f"value {shorten(value)} is not a number"
        ) from None
    if not math.isfinite(amount):
        raise OutcomeInputError(where, f"value {shorten(value)} is not finite")
    return amount


def import_outcomes(path: str | Path, ctx: ToolContext, by: str) -> ImportResult:
    """Record every outcome of a file in one transaction, or none (see the module).

    Raises:
        ToolInputError: A bad file or row (named); nothing was recorded.
        LedgerUnavailable: The ledger cannot be written (rule LEDGER).
    """
    file = Path(path)
    inputs = read_outcomes(file)
    done, _ = write_outcomes(inputs, ctx, by)
    return ImportResult(
        file=str(file),
        rows=len(inputs),
        recorded=done.recorded,
        replaced=done.replaced,
        unchanged=done.unchanged,
    )
