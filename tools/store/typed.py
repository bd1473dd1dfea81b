"""Typed Parquet written once: a staged table already in the schema's types.

A Parquet table whose columns have exactly the schema's types (what
``cvm generate-customers`` writes, and any typed extract) needs no cast: it is
written once, sorted by customer, into ``typed_<table>`` with the schema's ``NOT
NULL`` constraints, straight from its files. The checks then count on that table
(a native scan) and leave out what its types and constraints already rule out
(:func:`tools.store.checks.check_table`); an import that replaces the base renames
it into place instead of writing it again (:mod:`tools.store.merge`). Anything
else (CSV text, other types, an empty value in a required column) takes the
general path: checked where it lies, cast when written.
"""

from __future__ import annotations

import duckdb

from tools import sql
from tools.store.schema import KEYS, ORDER, TABLES, create_sql

PREFIX = "typed_"


def order_by(table: str) -> str:
    """The stored order of ``table``: customer, then its key, then its list order."""
    order = ", ".join(["customer_id", *KEYS.get(table, ())[1:]])
    if table in ORDER and ORDER[table] not in order:
        order += f", {ORDER[table]}"
    return order


def typed_name(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """``typed_<table>`` if the import wrote it (None: the general path)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
        "AND database_name = current_database()",
        [PREFIX + table],
    ).fetchone()
    return PREFIX + table if row and row[0] else None


def write_typed(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """Write ``stage_<table>`` (a Parquet view) into ``typed_<table>``, sorted.

    Only when every staged column is a column of the schema with exactly its type
    (so no value is cast); a ``NOT NULL`` column holding an empty value undoes it.

    Returns:
        The typed table's name, or None: the general path checks and casts.
    """
    staged = {
        str(r[0]): str(r[1])
        for r in con.execute(f"DESCRIBE stage_{table}").fetchall()
        if r[0] not in ("__file", "__row")
    }
    types = {c.name: c.type for c in TABLES[table]}
    if any(types.get(name) != kind for name, kind in staged.items()):
        return None
    name = PREFIX + table
    cols = ", ".join(
        sql.identifier(c.name) if c.name in staged else f"NULL::{c.type}"
        for c in TABLES[table]
    )
    con.execute(create_sql(table, name))
    try:
        con.execute(
            f"INSERT INTO {name} SELECT {cols} FROM stage_{table} "
            f"ORDER BY {order_by(table)}"
        )
    except duckdb.ConstraintException:  # an empty required value: checked apart
        con.execute(f"DROP TABLE {name}")
        return None
    return name
