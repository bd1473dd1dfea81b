"""The store's ``meta`` table: schema and derived versions, the data's own date.

``meta`` holds ``schema_version``, ``derived_version`` (written by the derivation
that built the derived tables) and, when the data says what day it was extracted,
``data_as_of`` (the ``as_of`` field of the packaged sample or of imported JSON
files). Which date the derived tables are built as of is decided by the kernel
(:mod:`tools.kernel.as_of`); the store only records the data's own.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # DuckDB loads where a connection is made
    import duckdb


def meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A value of the store's ``meta`` table (None: not set; the table is made)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
    )
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row and row[0] else None


def set_data_as_of(con: duckdb.DuckDBPyConnection, as_of: date | None) -> None:
    """Record the data's own as-of date (None: forget it; the latest record decides)."""
    meta_value(con, "data_as_of")  # creates the table when missing
    con.execute("DELETE FROM meta WHERE key = 'data_as_of'")
    if as_of is not None:
        con.execute("INSERT INTO meta VALUES ('data_as_of', ?)", [as_of.isoformat()])
