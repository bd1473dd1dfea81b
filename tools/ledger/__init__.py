"""The ledger: bookings, day counters, plans and audit records behind domain verbs.

* :class:`LedgerStore` (:mod:`tools.ledger.protocol`): the verbs and what each
  guarantees; the typed values they take and give are in :mod:`tools.ledger.model`.
* :class:`SQLiteLedger` (:mod:`tools.ledger.sqlite`): the embedded default
  backend, one file in the state dir.
* ``PostgresLedger`` (:mod:`tools.ledger.postgres`, the optional ``postgres``
  extra): one ledger on a PostgreSQL server shared by several processes and
  machines, selected by ``CVM_LEDGER_URL=postgresql://...``.
* :func:`tools.ledger.writer.write_bookings`: the one booking writer (single
  bookings and plan chunks), applying PAST-DAY and every ledger rule
  (:mod:`tools.ledger.judge`) inside :meth:`LedgerStore.book`'s transaction.
* One definition of each thing for every backend: the tables
  (:mod:`tools.ledger.tables`, rendered in each backend's types), how each value
  becomes a row and a row a value again (:mod:`tools.ledger.rows`,
  :mod:`tools.ledger.approvals`, :mod:`tools.ledger.catalogue`,
  :mod:`tools.ledger.outcomes_rows`), backup files and checks
  (:mod:`tools.ledger.care`). A backend module keeps its SQL dialect,
  connections, transactions and locks.

:func:`open_ledger` keeps one store per ledger file per process: every context of
the process on that file then shares its writer lock (threads queue on it rather
than on SQLite's coarse busy sleeps) and its per-thread connections, and the file's
identity is recorded once, when the process first opened it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tools.errors import StorageError
from tools.ledger.model import (
    AuditEntry,
    BackupInfo,
    BookingPage,
    BookingQuery,
    BookingScope,
    DayState,
    NewBooking,
    NewPlan,
    PlanHeader,
    PlanRow,
    StoredAudit,
    StoredBooking,
    StoredPlan,
)
from tools.ledger.protocol import LedgerStore
from tools.ledger.sqlite import FILE_NAME, SQLiteLedger
from tools.ledger.sqlite_file import ensure_state_dir

__all__ = [
    "AuditEntry",
    "BackupInfo",
    "BookingPage",
    "BookingQuery",
    "BookingScope",
    "DayState",
    "LedgerStore",
    "NewBooking",
    "NewPlan",
    "PlanHeader",
    "PlanRow",
    "SQLiteLedger",
    "StoredAudit",
    "StoredBooking",
    "StoredPlan",
    "ensure_state_dir",
    "forget_ledger",
    "ledger_url",
    "open_ledger",
]
URL_SETTING = "CVM_LEDGER_URL"
_SCHEMES = ("postgresql://", "postgres://")

_stores: dict[str, LedgerStore] = {}
_lock = threading.Lock()


def ledger_url() -> str | None:
    """The server ledger's URL (``CVM_LEDGER_URL``), None for the embedded one.

    Raises:
        StorageError: It is set but is not a PostgreSQL URL.
    """
    url = os.environ.get(URL_SETTING, "").strip()
    if not url:
        return None
    if not url.startswith(_SCHEMES):
        raise StorageError(
            f"{URL_SETTING}: {url.split(':', 1)[0]!r} is not a ledger URL (expected "
            "postgresql://user@host/database; unset it for the embedded ledger)"
        )
    return url


def open_ledger(state_dir: str | Path) -> LedgerStore:
    """The ledger in force, opened once per process and then shared.

    With ``CVM_LEDGER_URL`` set, the PostgreSQL ledger at that URL; otherwise the
    SQLite ledger of ``state_dir``.

    Raises:
        StorageError: The ledger cannot be used, or the state dir shows an earlier
            ledger whose commits the file no longer holds (see
            :mod:`tools.ledger.marker`), or the PostgreSQL extra is not installed.
    """
    url = ledger_url()
    key = url if url is not None else str((Path(state_dir) / FILE_NAME).resolve())
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = (
                _server_ledger(url) if url else SQLiteLedger(Path(key))
            )
        return store


def _server_ledger(url: str) -> LedgerStore:
    try:
        from tools.ledger.postgres import PostgresLedger
    except ImportError:
        raise StorageError(
            f"{URL_SETTING} names a PostgreSQL ledger but psycopg is not installed: "
            "pip install 'cvm-assistant[postgres]'"
        ) from None
    return PostgresLedger(url)


def forget_ledger(store: LedgerStore) -> None:
    """Close a store and drop it from the process's open ledgers (tests, tools)."""
    with _lock:
        for key in [k for k, s in _stores.items() if s is store]:
            del _stores[key]
    store.close()
