"""Group commit: single bookings made at once on one ledger share one transaction.

Sixteen booking threads each writing one booking queue for the ledger's write lock
one after another: each pays a transaction of its own (the queue, ``BEGIN
IMMEDIATE``, the file checks, the day's counts, the commit, the marker) and every
hand-over of the lock waits for the interpreter to switch threads. As databases do
with their log, the bookings that arrive while a transaction runs are written
together in the next one (:class:`tools.coalesce.Coalescer`: a lone booking is
written at once, nothing waits on a timer). ``allocate_treatment``'s bookings come
already grouped (:mod:`tools.single_bookings`, decided together) and are written
by :func:`commit_orders` directly.

Nothing about the rules changes: the requests of a group are judged one after
another, in arrival order, against the state read inside the transaction, each
counting the ones accepted before it (capacity, budget, duplicates, frequency),
exactly as the requests of one plan chunk are; each keeps its own instant,
approver and overrides. Requests on different configurations or ledger days are
written in separate transactions. A failure of one transaction (the ledger
unavailable, a day that is over) goes to the callers in that transaction only.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tools.coalesce import Coalescer

if TYPE_CHECKING:
    from tools.config import CVMConfig
    from tools.ledger.judge import BookingRequest, BookingResult
    from tools.ledger.protocol import LedgerStore


@dataclass(frozen=True, eq=False)  # each order is its own key, even when equal
class Order:
    """One booking asked for, with who asked, when, and on which configuration."""

    request: BookingRequest
    config: CVMConfig
    at: datetime
    day: date
    approved_by: str
    overrides: frozenset[str]


Commit = Callable[["LedgerStore", Sequence[Order]], "list[BookingResult]"]
_lock = threading.Lock()
_groups: weakref.WeakKeyDictionary[Any, Coalescer[Order, BookingResult]] = (
    weakref.WeakKeyDictionary()
)


def _partitions(orders: Sequence[Order]) -> list[list[Order]]:
    """The orders by configuration and day, each part in arrival order."""
    parts: dict[tuple[int, date], list[Order]] = {}
    for o in orders:
        parts.setdefault((id(o.config), o.day), []).append(o)
    return list(parts.values())


def commit_orders(
    store: LedgerStore, orders: Sequence[Order], commit: Commit
) -> dict[Order, BookingResult | Exception]:
    """Write ``orders``: one transaction per configuration and day, in order.

    Returns:
        Each order's result, or the exception its transaction raised (the
        orders of that transaction only).
    """
    out: dict[Order, BookingResult | Exception] = {}
    for part in _partitions(orders):
        try:
            out.update(zip(part, commit(store, part), strict=True))
        except Exception as exc:  # this transaction's callers hear
            out.update((o, exc) for o in part)
    return out


def _group(store: LedgerStore, commit: Commit) -> Coalescer[Order, BookingResult]:
    with _lock:
        group = _groups.get(store)
        if group is None:
            ref = weakref.ref(store)

            def fetch(orders: Sequence[Order]) -> Mapping[Order, Any]:
                ledger = ref()
                if ledger is None:  # pragma: no cover - callers hold it
                    return {o: RuntimeError("the ledger was closed") for o in orders}
                return commit_orders(ledger, orders, commit)

            group = _groups[store] = Coalescer(fetch)
        return group


def book_together(store: LedgerStore, order: Order, commit: Commit) -> BookingResult:
    """Book ``order`` with the single bookings arriving meanwhile on ``store``.

    Args:
        store: The ledger.
        order: The booking.
        commit: Writes orders of one configuration and day in one transaction
            (the booking writer's), one result per order, in order.

    Raises:
        Whatever its transaction raised (PolicyBlocked for a day that is over,
        LedgerUnavailable).
    """
    return _group(store, commit).get(order)
