"""Writing checked staged tables into the store's typed tables, in SQL.

Each table is one ``INSERT … SELECT CAST(…) … ORDER BY customer_id, key`` straight
from its staged files, plus (unless the import replaces the base) the old store's
rows of every customer whose rows of that table the import does not replace. A
typed Parquet table was written sorted while staged (:mod:`tools.store.typed`): an
import that replaces the base renames it into place.

What replaces what: a customer in the import's ``customers`` file is replaced whole
(every table: rows the import does not bring for them are gone); a customer only in
a child table's file (``consents.csv`` for U124, say) has that table's rows replaced
as a whole, never appended to. Bills and their charges are one unit: rows of either
replace both for that customer. So every key (customer x channel, customer x date,
…) stays unique in the store. Tables are stored sorted by customer id, so a range of
customers (a slice of ``customer_records``) or one customer reads only the row
groups that hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from tools import sql
from tools.store.checks import Problem, check_charges, check_orphans
from tools.store.duck import create_tables
from tools.store.schema import TABLES
from tools.store.typed import order_by, typed_name

KNOWN = "import_known_ids"  # scratch table: every id the new store will hold
# tables whose rows are replaced together for a customer (a bill and its charges)
UNITS: dict[str, tuple[str, ...]] = {
    "bills": ("bills", "bill_charges"),
    "bill_charges": ("bills", "bill_charges"),
}


def _typed(table: str, present: set[str]) -> str:
    cols = []
    for c in TABLES[table]:
        expr = (
            f"CAST({sql.identifier(c.name)} AS {c.type})"
            if c.name in present
            else "NULL"
        )
        cols.append(f"{expr} AS {c.name}")
    return f"SELECT {', '.join(cols)} FROM stage_{table}"


def merge(
    con: duckdb.DuckDBPyConnection,
    store: Path,
    replace: bool,
    tick: Callable[[str], None],
) -> list[Problem]:
    """Write the final tables (old customers kept unless replaced), sorted by id.

    Args:
        con: The import's connection (the new store file).
        store: The current store (its customers are kept unless ``replace``).
        replace: The import is the whole base.
        tick: Called as each table is written (a progress bar).

    Returns:
        Rows of unknown customers, if any (then nothing was written).
    """
    typed = {t: typed_name(con, t) for t in TABLES}
    known = f"SELECT customer_id::VARCHAR AS id FROM {_source(typed, 'customers')}"
    if not replace:
        # ATTACH with options cannot bind its path: quoted by the one helper
        con.execute(f"ATTACH {sql.literal(store)} AS old (READ_ONLY)")
        known += " UNION ALL SELECT customer_id FROM old.customers"
    con.execute("SET preserve_insertion_order = false")  # a set of ids: no order
    con.execute(f"CREATE TEMP TABLE {KNOWN} AS {known}")
    problems: list[Problem] = []
    for table in TABLES:
        if table != "customers":
            problems += check_orphans(con, table, KNOWN, typed[table])
    con.execute(f"DROP TABLE {KNOWN}")
    if problems:
        return problems
    # the stored order is what makes slices and lookups read few row groups
    con.execute("SET preserve_insertion_order = true")
    placed = set()
    if replace:  # typed tables are the new tables as they are: sorted, checked
        for table, name in typed.items():
            if name:
                tick(f"writing {table}")
                con.execute(f"ALTER TABLE {name} RENAME TO {table}")
                placed.add(table)
    create_tables(con, skip=placed)
    for table in TABLES:
        if table not in placed:
            tick(f"writing {table}")
            _write(con, table, typed[table], replace)
    if not replace:
        con.execute("DETACH old")
    charges = "bill_charges" if "bill_charges" in placed else typed["bill_charges"]
    problems = check_charges(con, charges)
    for name in typed.values():
        if name:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return problems


def _source(typed: dict[str, str | None], table: str) -> str:
    """Where a table's staged rows are read: their typed copy, or the stage."""
    return typed[table] or f"stage_{table}"


def _write(
    con: duckdb.DuckDBPyConnection, table: str, typed: str | None, replace: bool
) -> None:
    """Write one table: its imported rows (and the old rows it keeps), sorted."""
    if typed:
        parts = [f"SELECT * FROM {typed}"]
    else:
        present = {r[0] for r in con.execute(f"DESCRIBE stage_{table}").fetchall()}
        parts = [_typed(table, present)]
    if not replace:
        parts.append(
            f"SELECT o.* FROM old.{table} o ANTI JOIN ({_replaced(table)}) r "
            "ON o.customer_id = r.id"
        )
    con.execute(
        f"INSERT INTO {table} SELECT * FROM ({' UNION ALL '.join(parts)}) "
        f"ORDER BY {order_by(table)}"
    )


def _replaced(table: str) -> str:
    """The ids whose rows of ``table`` the import replaces (see the module doc)."""
    sources = ("customers", *UNITS.get(table, (table,)))
    return " UNION ".join(
        f"SELECT customer_id::VARCHAR AS id FROM stage_{t}"
        for t in dict.fromkeys(sources)
    )
