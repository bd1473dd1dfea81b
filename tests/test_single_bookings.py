"""Single bookings asked for at once are decided and written together, as each alone.

16 threads booking distinct customers of a generated base: each booking is what the
same booking made alone gives (the customer's own rules, their words, the next
lawful contact), none beyond the day's capacity, and the bookings really were
decided in shared groups (fewer groups than bookings). An unknown customer, an
unknown treatment or a missing approver among them fails alone.
"""

from __future__ import annotations

import threading

import pytest

from tests.bases import import_once
from tools import single_bookings
from tools.allocation import allocate_treatment, check_availability
from tools.assess import forget_assessments
from tools.context import ToolContext
from tools.errors import PolicyBlocked, ToolInputError, UnknownCustomerError
from tools.ledger import SQLiteLedger
from tools.store.build import copy_store
from tools.store.source import store_path

N = 160
THREADS = 16
TREATMENT = "service_sms"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    return import_once(tmp_path_factory.mktemp("gen"), N, 11)


@pytest.fixture
def base(ctx, imported):
    """The generated base as the context's store, with a capacity of N / 2."""
    copy_store(imported, store_path(ctx.config))
    forget_assessments()
    config = ctx.config
    limited = config.constraints[TREATMENT].model_copy(
        update={"max_per_day": N // 2, "reserved_share": 0, "daily_budget": None}
    )
    return config.model_copy(
        update={"constraints": {**config.constraints, TREATMENT: limited}}
    )


def _outcome(cid: str, ctx: ToolContext) -> tuple[object, ...]:
    """A booking's outcome without what depends on the others (slots left)."""
    try:
        a = allocate_treatment(cid, TREATMENT, "ana", ctx)
    except PolicyBlocked as exc:
        return ("refused", exc.rule)
    rules = [(v.rule, v.passed, v.reason) for v in a.rules if v.rule != "CAPACITY"]
    return ("booked", a.customer_id, a.next_contact, tuple(rules))


def _race(ctx: ToolContext, ids: list[str]) -> tuple[dict[str, object], list[object]]:
    found: dict[str, object] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(mine: list[str]) -> None:
        barrier.wait()
        for cid in mine:
            try:
                found[cid] = _outcome(cid, ctx)
            except Exception as exc:  # noqa: BLE001 - asserted below
                found[cid] = exc
                errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(ids[i::THREADS],)) for i in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found, errors


def test_sixteen_threads_book_what_each_would_alone(base, ctx, tmp_path):
    # alone, one after another, with slots for all
    alone = ToolContext(ctx.config, SQLiteLedger(tmp_path / "alone.sqlite3"))
    ids = alone.customers.ids()
    assert len(ids) == N
    one = {cid: _outcome(cid, alone) for cid in ids}
    capacity = base.constraints[TREATMENT].max_per_day
    assert sum(o[0] == "booked" for o in one.values()) > capacity  # a race for slots
    forget_assessments()

    together = ToolContext(base, SQLiteLedger(tmp_path / "together.sqlite3"))
    found, errors = _race(together, ids)
    assert not errors, errors[:3]
    assert check_availability(TREATMENT, together).used == capacity  # no oversell
    assert sum(found[cid][0] == "booked" for cid in ids) == capacity
    for cid in ids:  # every booking as alone; refused only for want of a slot
        if found[cid] != one[cid]:
            assert one[cid][0] == "booked", cid
            assert found[cid] == ("refused", "CAPACITY"), cid
    group = single_bookings._groups[together.ledger]
    assert group.keys == N
    assert group.batches < N  # decided in shared groups


def test_a_bad_booking_among_others_fails_alone(base, ctx):
    ctx = ToolContext(base, ctx.ledger)
    ids = ctx.customers.ids(THREADS)
    bad = {
        ids[1]: ("U9999999", TREATMENT, "ana", UnknownCustomerError),
        ids[2]: (ids[2], "no_such_treatment", "ana", Exception),
        ids[3]: (ids[3], TREATMENT, " ", ToolInputError),
        ids[4]: (ids[4], "ignore", "ana", ToolInputError),
    }
    barrier = threading.Barrier(len(ids))
    out: dict[str, object] = {}

    def book(cid: str) -> None:
        who, key, approver, _ = bad.get(cid, (cid, TREATMENT, "ana", None))
        barrier.wait()
        try:
            out[cid] = allocate_treatment(who, key, approver, ctx).customer_id
        except Exception as exc:  # noqa: BLE001 - asserted below
            out[cid] = exc

    threads = [threading.Thread(target=book, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for cid in ids:
        if cid in bad:
            assert isinstance(out[cid], bad[cid][3]), (cid, out[cid])
        else:
            assert out[cid] == cid or isinstance(out[cid], PolicyBlocked), out[cid]
    assert sum(out[cid] == cid for cid in ids) >= 1
