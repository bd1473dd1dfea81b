"""The SQLite ledger's tables, and how a file of an older version is brought up to date.

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

SCHEMA_VERSION = 5
SCHEMA = """
CREATE TABLE IF NOT EXISTS allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    day TEXT NOT NULL,
    created_at TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    cost REAL NOT NULL,
    high_value INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released')),
    released_at TEXT,
    released_by TEXT,
    rules TEXT NOT NULL,
    overrides TEXT NOT NULL DEFAULT '[]',
    catalogue_version INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS one_booking_per_customer_treatment_day
    ON allocations (customer_id, treatment_key, day) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS allocations_by_day
    ON allocations (day, treatment_key, status);
CREATE INDEX IF NOT EXISTS allocations_by_customer ON allocations (customer_id, day);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    session_id TEXT NOT NULL,
    customer_id TEXT,
    approver TEXT,
    question TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_customer ON audit (customer_id, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
-- Today's use per treatment, kept by triggers in the same transaction as the
-- allocation rows, so capacity checks read one row instead of counting.
CREATE TABLE IF NOT EXISTS daily_usage (
    day TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    spent REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (day, treatment_key)
) WITHOUT ROWID;
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
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    day TEXT NOT NULL,
    parent_id TEXT,
    body TEXT NOT NULL,
    hypothetical INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS plan_rows (
    plan_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL,
    expected_value REAL NOT NULL,
    cost REAL NOT NULL,
    high_value INTEGER NOT NULL,
    allocation_id INTEGER,
    outcome TEXT,
    PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
-- The treatment catalogue, one row per version (the newest is in force).
CREATE TABLE IF NOT EXISTS catalogue_versions (
    version INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    treatment_key TEXT,
    rolled_back_to INTEGER
);
-- Second approvals of big plans: one row per request, at most one pending per plan.
CREATE TABLE IF NOT EXISTS plan_approvals (
    request_id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL,
    day TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    contacts INTEGER NOT NULL,
    spend REAL NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'declined', 'stale')),
    decided_by TEXT,
    decided_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS one_pending_approval_per_plan
    ON plan_approvals (plan_id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS ledger_meta (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    ledger_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
_BACKFILL_USAGE = """
DELETE FROM daily_usage;
INSERT INTO daily_usage (day, treatment_key, used, spent)
SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations
WHERE status = 'active' GROUP BY day, treatment_key;
"""
# Columns added after a table first shipped: (table, column, definition).
_ADDED_COLUMNS = (
    ("allocations", "overrides", "TEXT NOT NULL DEFAULT '[]'"),
    ("plans", "hypothetical", "INTEGER NOT NULL DEFAULT 0"),
    ("allocations", "catalogue_version", "INTEGER"),  # NULL: booked before versions
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
