"""The PostgreSQL ledger's tables: the SQLite ledger's, in PostgreSQL's types.

The tables are :mod:`tools.ledger.tables`' (defined once for both backends), as in
:mod:`tools.ledger.sqlite_schema` (here version 3): ``allocations`` with one
active booking per customer x treatment x day (a partial unique index),
``daily_usage`` counters kept by this module's triggers in the booking's own
transaction, ``plans`` / ``plan_rows``, ``audit``, ``ledger_meta`` (the ledger's
random id) and, added since, ``plan_approvals`` (second approvals of big plans)
and the function that books one booking in one statement
(:mod:`tools.ledger.postgres_one`). Days are ``date``; instants stay ISO text as
the SQLite ledger stores them, so both backends give back the same values.

The tables live in the first schema of the connection's ``search_path`` (a URL's
``options=-csearch_path=NAME`` selects one), created on first use under an
advisory lock so processes starting at once create them once.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from tools.ledger import tables
from tools.ledger.postgres_one import create_function

SCHEMA_VERSION = 3
# A fixed key for the advisory lock taken while creating the tables.
_CREATE_LOCK = 0x43564D4C  # "CVML"
_TRIGGERS = """
CREATE OR REPLACE FUNCTION cvm_usage_on_booking() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO daily_usage AS u (day, treatment_key, used, spent)
    VALUES (NEW.day, NEW.treatment_key, 1, NEW.cost)
    ON CONFLICT (day, treatment_key)
    DO UPDATE SET used = u.used + 1, spent = u.spent + excluded.spent;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION cvm_usage_on_release() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE daily_usage SET used = used - 1, spent = spent - OLD.cost
    WHERE day = OLD.day AND treatment_key = OLD.treatment_key;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER usage_on_booking AFTER INSERT ON allocations
    FOR EACH ROW WHEN (NEW.status = 'active')
    EXECUTE FUNCTION cvm_usage_on_booking();
CREATE OR REPLACE TRIGGER usage_on_release AFTER UPDATE OF status ON allocations
    FOR EACH ROW WHEN (OLD.status = 'active' AND NEW.status = 'released')
    EXECUTE FUNCTION cvm_usage_on_release();
"""
SCHEMA = (
    "".join(
        t.create("postgres")
        for t in (
            tables.ALLOCATIONS,
            tables.CATALOGUE_VERSIONS,
            tables.AUDIT,
            tables.DAILY_USAGE,
            tables.PLANS,
            tables.PLAN_ROWS,
            tables.LEDGER_META,
        )
    )
    + tables.INDEXES
    + _TRIGGERS
)
# Tables added since version 3, created on every start when missing (a ledger made
# by an earlier release gets them too): second-approval requests of big plans.
ADDED = tables.PLAN_APPROVALS.create("postgres") + tables.APPROVAL_INDEX
TABLES = ("allocations", "audit", "daily_usage", "plans", "plan_rows")
# Columns added after a table first shipped: (table, column, definition).
_ADDED_COLUMNS = (
    (
        "allocations",
        "catalogue_version",
        tables.ALLOCATIONS.kind("catalogue_version", "postgres"),
    ),
)


def migrate(conn: psycopg.Connection) -> None:
    """Create the tables if missing (one transaction, one creator at a time).

    Raises:
        psycopg.Error: The server refused (the caller turns it into a message).
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
        if not made(conn, "ledger_meta"):
            _create(conn)
        if not made(conn, "plan_approvals"):
            conn.execute(ADDED)
        _add_columns(conn)
        create_function(conn)  # the one-statement booking's


def made(conn: psycopg.Connection, table: str) -> bool:
    """Whether ``table`` is in the ledger's own schema (the first of the path).

    Not wherever the ``search_path`` would find one of that name: a ledger whose
    path reaches another ledger's schema after its own makes its own tables.
    """
    found = conn.execute(
        "SELECT to_regclass(format('%%I.%%I', current_schema(), %s::text)) IS NOT NULL",
        (table,),
    ).fetchone()
    return bool(found and found[0])


def _create(conn: psycopg.Connection) -> None:
    """The tables of version 3 and the ledger's identity."""
    conn.execute(SCHEMA)
    conn.execute(
        "INSERT INTO ledger_meta (one, ledger_id, created_at, version) "
        "VALUES (1, %s, to_char(now() AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\'), %s) ON CONFLICT DO NOTHING',
        (uuid.uuid4().hex, SCHEMA_VERSION),
    )


def _add_columns(conn: psycopg.Connection) -> None:
    """Columns added since a table first shipped, on a ledger made before them."""
    for table, column, definition in _ADDED_COLUMNS:
        have = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = %s AND column_name = %s",
            (table, column),
        ).fetchone()
        if have is None:  # names and types are this module's own constants
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                    sql.Identifier(table), sql.Identifier(column), sql.SQL(definition)
                )
            )


def meta(conn: psycopg.Connection) -> tuple[str, int]:
    """The ledger's id and last booking id."""
    row = conn.execute(
        "SELECT (SELECT ledger_id FROM ledger_meta), "
        "(SELECT COALESCE(MAX(id), 0) FROM allocations)"
    ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1])
