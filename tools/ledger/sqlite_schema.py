"""The SQLite ledger's tables, and how a file of an older version is brought up to date.

The tables are :mod:`tools.ledger.tables`' (defined once for both backends), in
SQLite's types; the triggers that keep the usage counters are this module's.

Version 5 (this one): second-approval requests of big plans (``plan_approvals``,
new in version 5, at most one pending per plan). Version 4: bookings
(``allocations``) with the rules' verdicts and the overrides recorded; per-day
usage counters kept by triggers in the booking's own transaction; plans and their
rows (marked booked or refused by the booking that read them); audit records;
catalogue versions (``catalogue_versions``, new in version 4); and
``ledger_meta``, one row naming the ledger (a random id). The id and the last
booking id (the allocations' AUTOINCREMENT sequence) are what the
state dir's marker (:mod:`tools.ledger.marker`) is compared with.
"""

from __future__ import annotations

import sqlite3
import uuid

from tools.ledger import tables

SCHEMA_VERSION = 5
_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS usage_on_booking AFTER INSERT ON allocations
WHEN NEW.status = 'active' BEGIN
    INSERT INTO daily_usage (day, treatment_key, used, spent)
    VALUES (NEW.day, NEW.treatment_key, 1, NEW.cost)
    ON CONFLICT (day, treatment_key)
    DO UPDATE SET used = used + 1, spent = spent + excluded.spent;
END;
CREATE TRIGGER IF NOT EXISTS usage_on_release AFTER UPDATE OF status ON allocations
WHEN OLD.status = 'active' AND NEW.status = 'released' BEGIN
    UPDATE daily_usage SET used = used - 1, spent = spent - OLD.cost
    WHERE day = OLD.day AND treatment_key = OLD.treatment_key;
END;
"""
SCHEMA = (
    "".join(
        t.create("sqlite")
        for t in (
            tables.ALLOCATIONS,
            tables.AUDIT,
            tables.DAILY_USAGE,
            tables.PLANS,
            tables.PLAN_ROWS,
            tables.CATALOGUE_VERSIONS,
            tables.PLAN_APPROVALS,
            tables.LEDGER_META,
        )
    )
    + tables.INDEXES
    + tables.APPROVAL_INDEX
    + _TRIGGERS
)
_BACKFILL_USAGE = """
DELETE FROM daily_usage;
INSERT INTO daily_usage (day, treatment_key, used, spent)
SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations
WHERE status = 'active' GROUP BY day, treatment_key;
"""
# Columns added after a table first shipped: (table, column, definition).
_ADDED_COLUMNS = tuple(
    (t.name, column, t.kind(column, "sqlite"))
    for t, column in (
        (tables.ALLOCATIONS, "overrides"),
        (tables.PLANS, "hypothetical"),
        (tables.ALLOCATIONS, "catalogue_version"),  # NULL: booked before versions
    )
)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {
        r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))
    }


def migrate(conn: sqlite3.Connection) -> None:
    """Create the tables, or bring an older file up to this version (one transaction).

    Version 1 had no usage counters (they are counted from the bookings), version 2
    no overrides, plan flags or ledger identity.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, column, definition in _ADDED_COLUMNS:  # tables from before
            have = _columns(conn, table)
            if have and column not in have:  # names and types are this module's own
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        for statement in _statements(SCHEMA):
            conn.execute(statement)
        if 0 < version < 2:  # ledgers from before daily_usage existed
            for statement in _statements(_BACKFILL_USAGE):
                conn.execute(statement)
        conn.execute(
            "INSERT OR IGNORE INTO ledger_meta (one, ledger_id, created_at) "
            "VALUES (1, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            (uuid.uuid4().hex,),
        )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """A script's statements, one by one (triggers kept whole)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]


LAST_BOOKING = "SELECT seq FROM sqlite_sequence WHERE name = 'allocations'"


def meta(conn: sqlite3.Connection) -> tuple[str, int] | None:
    """The ledger's id and last booking id, None for a file without an id."""
    if not _columns(conn, "ledger_meta"):
        return None
    row = conn.execute("SELECT ledger_id FROM ledger_meta").fetchone()
    if row is None:
        return None
    last = conn.execute(LAST_BOOKING).fetchone()
    return str(row[0]), int(last[0]) if last else 0
