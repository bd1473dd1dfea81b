"""The store's as-of date: which date its derived tables are built as of.

Every store has one decision date (``meta.as_of``, where it came from in
``meta.as_of_source``): the configured ``decisions.as_of``, else the data's own date
(``meta.data_as_of``: a field of the customer files, e.g. the packaged sample's),
else the latest record date in the store. Records dated after it are not used
(:mod:`tools.kernel.features` cuts every dated table at it, and dates each
signal's evidence in days before it: :func:`days_sql`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from tools.clock import now as clock_now
from tools.store.meta import meta_value

if TYPE_CHECKING:  # DuckDB loads where a connection is made
    import duckdb

# The date column of each dated table: rows after the decision date are not used.
DATED: dict[str, str] = {
    "bills": "bill_date",
    "bill_charges": "bill_date",
    "usage": "reading_date",
    "network": "measured_on",
    "interactions": "interaction_date",
    "offers": "offer_date",
    "web_sessions": "session_date",
}
SQL_NAN = "'NaN'::DOUBLE"  # a missing number in SQL output (numpy compares it false)


def days_sql(column: str) -> str:
    """SQL: days from ``column`` (a date) to the decision date; NaN when NULL."""
    return f"coalesce(($as_of - {column})::DOUBLE, {SQL_NAN})"


def latest_record_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest date of any dated record in the store (None when it has none)."""
    parts = " UNION ALL ".join(
        f"SELECT max({column}) AS d FROM {table}" for table, column in DATED.items()
    )
    row = con.execute(f"SELECT max(d) FROM ({parts})").fetchone()
    return row[0] if row and row[0] else None


def decision_date(
    con: duckdb.DuckDBPyConnection, configured: date | None = None
) -> tuple[date, str]:
    """The date the derived tables are built as of, and where it comes from.

    The configured date (``decisions.as_of``) if any, else the data's own as-of date
    (``meta.data_as_of``: the sample's field, set by the loader), else the latest
    record date in the store, else today.
    """
    if configured is not None:
        return configured, "configured"
    own = meta_value(con, "data_as_of")
    if own:
        return date.fromisoformat(own), "the data's as-of date"
    latest = latest_record_date(con)
    if latest is not None:
        return latest, "the latest record date"
    return clock_now().date(), "today (no dated records)"
