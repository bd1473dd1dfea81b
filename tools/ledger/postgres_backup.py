"""The PostgreSQL ledger's tables copied to and from a backup file (a SQLite ledger).

:func:`copy_out` writes one REPEATABLE READ snapshot's tables into a new SQLite
ledger file (:mod:`tools.ledger.sqlite_schema`'s tables, the same kind of file as
the embedded ledger's backups); :func:`copy_in` replaces every table with a
backup's rows in one transaction (bookings are locked out meanwhile) and keeps the
identity sequences above every id the backup held. The file itself (made new,
checked, synced, renamed; opened read-only and checked whole to restore) is
:mod:`tools.ledger.care`'s, as for the embedded ledger.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from tools.ledger.model import BackupInfo
from tools.ledger.postgres_schema import meta
from tools.ledger.rows import AUDIT_COLUMNS
from tools.ledger.sqlite_schema import migrate as sqlite_migrate

# The tables a backup carries, in the SQLite ledger's column order and names
# (daily_usage is rebuilt from the bookings by the triggers of either side).
COPIED = {
    "allocations": (
        "id, customer_id, treatment_key, channel, purpose, day, created_at, "
        "approved_by, cost, high_value, status, released_at, released_by, rules, "
        "overrides, catalogue_version"
    ),
    "plans": "plan_id, created_at, day, parent_id, body, hypothetical",
    "plan_rows": (
        "plan_id, seq, customer_id, treatment_key, expected_value, cost, "
        "high_value, allocation_id, outcome"
    ),
    "audit": AUDIT_COLUMNS,
    "catalogue_versions": (
        "version, created_at, created_by, action, reason, body, treatment_key, "
        "rolled_back_to"
    ),
}
_BATCH = 5000
_BOOLEAN = {"allocations": (9,), "plans": (5,), "plan_rows": (6,)}


def _to_sqlite(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _from_sqlite(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A SQLite row in PostgreSQL's types (integers to booleans; days are text)."""
    flags = _BOOLEAN.get(table, ())
    return tuple(bool(v) if i in flags else v for i, v in enumerate(row))


def copy_out(conn: psycopg.Connection, target: sqlite3.Connection) -> None:
    """Write the snapshot's tables into a new SQLite ledger file."""
    sqlite_migrate(target)
    ledger_id, last = meta(conn)
    target.execute("BEGIN")
    target.execute("UPDATE ledger_meta SET ledger_id = ?", (ledger_id,))
    for table, columns in COPIED.items():
        marks = ", ".join("?" * len(columns.split(",")))
        with conn.cursor(name=f"backup_{table}") as cur:
            cur.execute(f"SELECT {columns} FROM {table} ORDER BY 1")
            while rows := cur.fetchmany(_BATCH):
                target.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    ([_to_sqlite(v) for v in r] for r in rows),
                )
    target.execute(  # the sequence remembers ids of bookings no longer there
        "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'allocations'",
        (last,),
    )
    target.execute("COMMIT")


def copy_in(
    conn: psycopg.Connection, source: sqlite3.Connection, info: BackupInfo
) -> None:
    """Replace every table with a backup's rows (one transaction).

    A backup of an earlier version lacks later tables and columns: a missing
    table restores empty (no catalogue versions: the config file's catalogue), a
    missing column as NULL.
    """
    tables = "allocations, daily_usage, plans, plan_rows, audit, catalogue_versions"
    conn.execute(f"LOCK TABLE {tables}")
    conn.execute(f"TRUNCATE {tables}")
    for table, every in COPIED.items():
        have = {
            r[0]
            for r in source.execute("SELECT name FROM pragma_table_info(?)", (table,))
        }
        columns = ", ".join(c for c in every.split(", ") if c in have)
        if not columns:
            continue
        with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in source.execute(f"SELECT {columns} FROM {table} ORDER BY 1"):
                copy.write_row(_from_sqlite(table, row))
    conn.execute("UPDATE ledger_meta SET ledger_id = %s", (info.ledger_id,))
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('allocations', 'id'), "
        "GREATEST(%s, (SELECT COALESCE(MAX(id), 0) FROM allocations), 1))",
        (info.last_booking,),
    )
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('audit', 'id'), "
        "(SELECT COALESCE(MAX(id), 0) + 1 FROM audit), false)"
    )
