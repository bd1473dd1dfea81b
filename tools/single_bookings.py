"""Single bookings asked for at once, decided and written together by one thread.

Booking threads that each book one customer (a chat server's, the benchmark's 16)
would each read the configuration, assess their customer, word its rules and queue
for the booking writer; on two cores they then take the interpreter lock from one
another at every step, and the writer's transaction waits for it at each SQLite
call. Here the bookings asked for while a group is being decided wait asleep
(:class:`tools.coalesce.Coalescer`), and one thread decides the next group for
all of them, exactly as each would have alone:

- the configuration in force is read once for the group's context (one catalogue
  version, as :meth:`tools.context.ToolContext.pinned` gives each booking);
- the customers not assessed yet go through the decision kernel in one batch
  (:func:`tools.assess.assess_many`);
- each customer's own rules are the kernel's, worded
  (:func:`tools.eligibility.customer_verdicts`, its next lawful contact at the
  booking's own instant);
- the bookings are written by the one booking writer
  (:func:`tools.ledger.writer.write_orders`): one transaction per configuration
  and day, each judged in arrival order against the ledger state read inside it,
  counting those accepted before it, every hard rule checked again there.

A lone booking is decided at once by its own thread. An error of one booking (an
unknown customer or treatment) is that booking's alone.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tools.assess import assess_many
from tools.coalesce import Coalescer
from tools.ledger.days import ledger_day
from tools.ledger.writer import BookingRequest, Order, write_orders

if TYPE_CHECKING:
    from collections.abc import Callable

    from tools.assess import Assessment
    from tools.config import CVMConfig
    from tools.contact_time import NextContact
    from tools.context import ToolContext
    from tools.ledger.judge import BookingResult
    from tools.ledger.protocol import LedgerStore

    # an ask's request to the writer and next lawful contact, from its assessment
    Decide = Callable[
        [Assessment, "Ask", CVMConfig], tuple[BookingRequest, NextContact]
    ]


@dataclass(frozen=True, eq=False)  # each ask is its own key, even when equal
class Ask:
    """One booking asked for: whom, what, by whom, when, on which context.

    ``decide`` makes its request to the writer and its next lawful contact from
    its customer's assessment and the configuration in force, and raises what
    makes it no booking (an unknown treatment, no approver).
    """

    customer_id: str
    treatment_key: str
    approved_by: str
    overrides: frozenset[str]
    ctx: ToolContext
    at: datetime
    decide: Decide


@dataclass(frozen=True)
class Decided:
    """What became of an ask: the writer's result and what the caller reports."""

    result: BookingResult
    request: BookingRequest
    contact: NextContact
    config: CVMConfig


_lock = threading.Lock()
_groups: weakref.WeakKeyDictionary[Any, Coalescer[Ask, Decided]] = (
    weakref.WeakKeyDictionary()
)


def book_single(ask: Ask) -> Decided:
    """Decide and write ``ask`` with the single bookings asked for meanwhile.

    Raises:
        What deciding it raised: an unknown customer or treatment, the ledger
        unavailable, a day that is over (a rule's refusal is in the result).
    """
    store = ask.ctx.ledger
    with _lock:
        group = _groups.get(store)
        if group is None:
            ref = weakref.ref(store)  # (the group must not keep its ledger alive)

            def fetch(asks: Sequence[Ask]) -> Mapping[Ask, Decided | Exception]:
                ledger = ref()
                if ledger is None:  # pragma: no cover - callers hold it
                    return {a: RuntimeError("the ledger was closed") for a in asks}
                return _decide(ledger, asks)

            group = _groups[store] = Coalescer(fetch)
    return group.get(ask)


def _decide(store: LedgerStore, asks: Sequence[Ask]) -> dict[Ask, Decided | Exception]:
    """Decide a group of asks on one ledger and write the ones decided."""
    out: dict[Ask, Decided | Exception] = {}
    decided: dict[Order, tuple[Ask, BookingRequest, NextContact]] = {}
    for part in _by_context(asks):
        try:
            ctx = part[0].ctx.pinned()  # one catalogue version for the decisions
            config = ctx.config
            found = assess_many([a.customer_id for a in part], ctx)
        except Exception as exc:  # noqa: BLE001 - this part's callers hear it
            out.update((ask, exc) for ask in part)  # (configuration or store unread)
            continue
        for ask in part:
            a = found[ask.customer_id]
            try:
                if isinstance(a, Exception):
                    raise a
                request, contact = ask.decide(a, ask, config)
            except Exception as exc:  # noqa: BLE001 - this ask's caller hears it
                out[ask] = exc
                continue
            day = ledger_day(config, ask.at)
            order = Order(request, config, ask.at, day, ask.approved_by, ask.overrides)
            decided[order] = (ask, request, contact)
    for order, result in write_orders(store, list(decided)).items():
        ask, request, contact = decided[order]
        out[ask] = (
            result
            if isinstance(result, Exception)
            else Decided(result, request, contact, order.config)
        )
    return out


def _by_context(asks: Sequence[Ask]) -> list[list[Ask]]:
    """The asks by the context they are decided on, each part in arrival order.

    Contexts alike (the same configuration, pinned or not, customers and clock)
    share one reading of the configuration in force.
    """
    parts: dict[tuple[int, ...], list[Ask]] = {}
    for ask in asks:
        parts.setdefault(ask.ctx.identity(), []).append(ask)
    return list(parts.values())
