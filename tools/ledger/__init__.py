"""The ledger: bookings, day counters, plans and audit records behind domain verbs.

* :class:`LedgerStore` (:mod:`tools.ledger.protocol`): the verbs and what each
  guarantees; the typed values they take and give are in :mod:`tools.ledger.model`.
* :class:`SQLiteLedger` (:mod:`tools.ledger.sqlite`): the embedded backend, one
  file in the state dir; a PostgreSQL backend is one more module.
* :func:`tools.ledger.writer.write_bookings`: the one booking writer (single
  bookings and plan chunks), applying PAST-DAY and every ledger rule inside
  :meth:`LedgerStore.book`'s transaction.

:func:`open_ledger` keeps one store per ledger file per process: every context of
the process on that file then shares its writer lock (threads queue on it rather
than on SQLite's coarse busy sleeps) and its per-thread connections, and the file's
identity is recorded once, when the process first opened it.
"""

from __future__ import annotations

import threading
from pathlib import Path

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
    "open_ledger",
]

_stores: dict[str, LedgerStore] = {}
_lock = threading.Lock()


def open_ledger(state_dir: str | Path) -> LedgerStore:
    """The ledger of a state dir, opened once per process and then shared.

    Raises:
        StorageError: The ledger cannot be used, or the state dir shows an earlier
            ledger whose commits the file no longer holds (see
            :mod:`tools.ledger.marker`).
    """
    path = Path(state_dir) / FILE_NAME
    key = str(path.resolve())
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = SQLiteLedger(path)
        return store
