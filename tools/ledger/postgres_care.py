"""Plans, audit records and care (backup, restore, check) of the PostgreSQL ledger.

A backup is a SQLite ledger file (:mod:`tools.ledger.sqlite_schema`'s tables),
written from one REPEATABLE READ snapshot while bookings go on: the same kind of
file as the embedded ledger's backups, so ``cvm restore`` takes either into either
backend and :func:`tools.ledger.sqlite_care.describe` checks both the same way.
A restore replaces every table in one transaction (bookings are locked out
meanwhile) and keeps the identity sequence above every booking id the backup
held.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg

from tools.errors import StorageError
from tools.ledger.model import (
    AuditEntry,
    BackupInfo,
    NewPlan,
    PlanHeader,
    PlanRow,
    StoredAudit,
    StoredPlan,
    erased,
)
from tools.ledger.postgres_db import LedgerServer
from tools.ledger.postgres_schema import meta
from tools.ledger.sqlite_care import describe, read_only
from tools.ledger.sqlite_schema import migrate as sqlite_migrate

log = logging.getLogger(__name__)
_PLAN = "SELECT plan_id, day, hypothetical, parent_id, created_at, body FROM plans"
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
    "audit": "id, at, session_id, customer_id, approver, question, record",
    "catalogue_versions": (
        "version, created_at, created_by, action, reason, body, treatment_key, "
        "rolled_back_to"
    ),
}
_BATCH = 5000


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


def _stored(row: Any) -> StoredPlan:
    return StoredPlan(
        header=PlanHeader(row[0], row[1], bool(row[2]), row[3]),
        created_at=row[4],
        body=row[5],
    )


def _to_sqlite(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def insert_audit(
    conn: psycopg.Connection, entry: AuditEntry, keep_since: datetime
) -> None:
    """Insert one audit record and drop those older than ``keep_since``.

    Inside the caller's transaction (an audited change commits with it).
    """
    conn.execute(
        "INSERT INTO audit (at, session_id, customer_id, approver, question, "
        "record) VALUES (%s, %s, %s, %s, %s, %s)",
        (
            _utc(entry.at),
            entry.session_id,
            entry.customer_id,
            entry.approver,
            entry.question,
            json.dumps(dict(entry.record), default=str),
        ),
    )
    conn.execute("DELETE FROM audit WHERE at < %s", (_utc(keep_since),))


class PostgresCare(LedgerServer):
    """Plan and audit verbs, backups, restores and checks."""

    # --- plans --------------------------------------------------------------------

    def save_plan(self, plan: NewPlan) -> str:
        """See :meth:`tools.ledger.protocol.LedgerStore.save_plan`."""

        def work(conn: psycopg.Connection) -> str:
            conn.execute(  # one numbering of the day's plans at a time
                "SELECT pg_advisory_xact_lock(hashtextextended('plans' || %s, 0))",
                (plan.day.isoformat(),),
            )
            found = conn.execute(
                "SELECT COUNT(*) FROM plans WHERE day = %s", (plan.day,)
            ).fetchone()
            plan_id = f"P{plan.day:%Y%m%d}-{(found[0] if found else 0) + 1}"
            conn.execute(
                "INSERT INTO plans (plan_id, created_at, day, parent_id, body, "
                "hypothetical) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    plan_id,
                    plan.created_at.isoformat(timespec="seconds"),
                    plan.day,
                    plan.parent_id,
                    plan.body(plan_id),
                    plan.hypothetical,
                ),
            )
            if plan.rows:
                with conn.cursor().copy(
                    "COPY plan_rows (plan_id, seq, customer_id, treatment_key, "
                    "expected_value, cost, high_value) FROM STDIN"
                ) as copy:
                    for i, (c, t, ev, cost, hv) in enumerate(plan.rows):
                        copy.write_row((plan_id, i, c, t, ev, cost, bool(hv)))
            return plan_id

        return self.run(work)

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.get_plan`."""
        row = self.run(
            lambda c: c.execute(_PLAN + " WHERE plan_id = %s", (plan_id,)).fetchone()
        )
        return _stored(row) if row else None

    def latest_plan(self) -> StoredPlan | None:
        """See :meth:`tools.ledger.protocol.LedgerStore.latest_plan`."""
        row = self.run(
            lambda c: c.execute(
                _PLAN + " ORDER BY created_at DESC, n DESC LIMIT 1"
            ).fetchone()
        )
        return _stored(row) if row else None

    def plan_rows(self, plan_id: str) -> list[PlanRow]:
        """See :meth:`tools.ledger.protocol.LedgerStore.plan_rows`."""
        found = self.run(
            lambda c: c.execute(
                "SELECT seq, customer_id, treatment_key, expected_value, cost, "
                "high_value, allocation_id, outcome FROM plan_rows WHERE plan_id = %s "
                "ORDER BY high_value, seq",
                (plan_id,),
            ).fetchall()
        )
        return [
            PlanRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in found
        ]

    def revise_plan(self, plan_id: str, revise: Callable[[str], str]) -> bool:
        """See :meth:`tools.ledger.protocol.LedgerStore.revise_plan`."""

        def work(conn: psycopg.Connection) -> bool:
            row = conn.execute(
                "SELECT body FROM plans WHERE plan_id = %s FOR UPDATE", (plan_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "UPDATE plans SET body = %s WHERE plan_id = %s",
                (revise(row[0]), plan_id),
            )
            return True

        return self.run(work)

    # --- audit --------------------------------------------------------------------

    def write_audit(self, entry: AuditEntry, keep_since: datetime) -> None:
        """See :meth:`tools.ledger.protocol.LedgerStore.write_audit`."""
        self.run(lambda conn: insert_audit(conn, entry, keep_since))

    def read_audit(
        self, customer_id: str | None = None, limit: int = 200
    ) -> list[StoredAudit]:
        """See :meth:`tools.ledger.protocol.LedgerStore.read_audit`."""
        sql, args = COPIED["audit"], list[Any]()
        where = ""
        if customer_id:
            where, args = " WHERE customer_id = %s", [customer_id]
        rows = self.run(
            lambda c: c.execute(
                f"SELECT {sql} FROM audit{where} ORDER BY id DESC LIMIT %s",
                [*args, max(0, limit)],
            ).fetchall()
        )
        return [
            StoredAudit(
                id=r[0],
                at=r[1],
                session_id=r[2],
                customer_id=r[3],
                approver=r[4],
                question=r[5],
                record=json.loads(r[6]),
            )
            for r in rows
        ]

    def purge_audit(self, before: datetime) -> int:
        """See :meth:`tools.ledger.protocol.LedgerStore.purge_audit`."""
        return self.run(
            lambda c: (
                c.execute("DELETE FROM audit WHERE at < %s", (_utc(before),)).rowcount
            )
        )

    def erase_customer(self, customer_id: str) -> tuple[int, int]:
        """See :meth:`tools.ledger.protocol.LedgerStore.erase_customer`."""

        def work(conn: psycopg.Connection) -> tuple[int, int]:
            deleted = conn.execute(
                "DELETE FROM audit WHERE customer_id = %s", (customer_id,)
            ).rowcount
            quoting = conn.execute(
                "SELECT id, question, record FROM audit "
                "WHERE strpos(question, %(c)s) > 0 OR strpos(record, %(c)s) > 0",
                {"c": customer_id},
            ).fetchall()
            if quoting:
                conn.cursor().executemany(
                    "UPDATE audit SET question = %s, record = %s WHERE id = %s",
                    [
                        (erased(q, customer_id), erased(r, customer_id), i)
                        for i, q, r in quoting
                    ],
                )
            changed = len(quoting)
            return deleted, changed

        return self.run(work)

    # --- care ---------------------------------------------------------------------

    def backup(self, dest: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.backup` (a SQLite file)."""
        dest = Path(dest)
        if dest.exists() or dest.is_symlink():
            raise StorageError(f"backup {dest}: already exists; nothing was written")
        if not dest.parent.is_dir():
            raise StorageError(f"backup {dest}: no folder {dest.parent}")
        partial = dest.with_name(f".{dest.name}.partial")
        try:
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                self.read(lambda conn: _copy_out(conn, target))
                info = describe(target, partial)
            finally:
                target.close()
            with open(partial, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, dest)
        except (OSError, sqlite3.Error) as exc:
            partial.unlink(missing_ok=True)
            raise StorageError(f"backup {dest}: cannot be written: {exc}") from None
        except StorageError:
            partial.unlink(missing_ok=True)
            raise
        log.info("ledger backed up to %s (to booking #%d)", dest, info.last_booking)
        return BackupInfo(
            dest, info.ledger_id, info.last_booking, info.bookings, info.bytes
        )

    def restore(self, src: Path) -> BackupInfo:
        """See :meth:`tools.ledger.protocol.LedgerStore.restore`."""
        src = Path(src)
        if not src.is_file():
            raise StorageError(f"restore {src}: no such file; nothing was changed")
        try:
            source = read_only(src)
        except sqlite3.Error as exc:
            raise StorageError(f"restore {src}: cannot be read: {exc}") from None
        try:
            info = describe(source, src)
            self.run(lambda conn: _copy_in(conn, source, info))
        except sqlite3.Error as exc:
            raise StorageError(f"restore {src}: failed: {exc}") from None
        finally:
            source.close()
        log.warning(
            "ledger %s restored from %s (to booking #%d)",
            self.location,
            src,
            info.last_booking,
        )
        return info

    def verify(self) -> list[str]:
        """See :meth:`tools.ledger.protocol.LedgerStore.verify`."""
        return self.read(_problems)


def _copy_out(conn: psycopg.Connection, target: sqlite3.Connection) -> None:
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
    target.execute("PRAGMA journal_mode = DELETE")


def _copy_in(
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


_BOOLEAN = {"allocations": (9,), "plans": (5,), "plan_rows": (6,)}


def _from_sqlite(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A SQLite row in PostgreSQL's types (integers to booleans; days are text)."""
    flags = _BOOLEAN.get(table, ())
    return tuple(bool(v) if i in flags else v for i, v in enumerate(row))


def _problems(conn: psycopg.Connection) -> list[str]:
    problems = []
    counted = {
        (r[0], r[1]): (r[2], round(r[3], 6))
        for r in conn.execute(
            "SELECT day, treatment_key, COUNT(*), SUM(cost) FROM allocations "
            "WHERE status = 'active' GROUP BY day, treatment_key"
        )
    }
    kept = {
        (r[0], r[1]): (r[2], round(r[3], 6))
        for r in conn.execute("SELECT day, treatment_key, used, spent FROM daily_usage")
        if r[2]
    }
    if counted != kept:
        problems.append("usage counters differ from the active bookings")
    stray = conn.execute(
        "SELECT COUNT(*) FROM plan_rows p WHERE p.outcome = 'booked' AND NOT "
        "EXISTS (SELECT 1 FROM allocations a WHERE a.id = p.allocation_id "
        "AND a.customer_id = p.customer_id AND a.treatment_key = p.treatment_key)"
    ).fetchone()
    if stray and stray[0]:
        problems.append(f"{stray[0]} plan row(s) marked booked without a booking")
    return problems
