"""The booking transaction's fast path: one booking, and a batch, see the same ledger.

A single booking (one customer, one treatment) takes the backends' short path (on
PostgreSQL: scalar parameters, the counter made and locked by one upsert, history
and newest day read by one statement); a batch takes the general one. Both must
see the customer's history (DUPLICATE, FREQUENCY), the day's counters (CAPACITY,
the high-value reservation) and the newest booked day (PAST-DAY). On PostgreSQL a
transaction that fails on the server leaves nothing behind and its pooled
connection usable (with the statements psycopg had prepared on it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest

from tests import pg
from tools.errors import PolicyBlocked
from tools.ledger.writer import BookingRequest, write_bookings

ctx, ledger_backend = pg.ctx, pg.ledger_backend
AT = datetime.fromisoformat("2024-03-06T12:00:00+00:00")


def _book(ctx, *pairs, at=AT, high_value=False, by="ana", config=None):
    requests = [BookingRequest(c, t, high_value=high_value) for c, t in pairs]
    return write_bookings(
        ctx.ledger, requests, config=config or ctx.config, at=at, approved_by=by
    )


@pytest.mark.parametrize("batch", [False, True], ids=["one", "batch"])
def test_history_counters_and_newest_day_are_seen_alone_or_in_a_batch(ctx, batch):
    def book(customer, key, at=AT):
        pairs = [(customer, key)]
        if batch:  # a second request makes it a batch (another customer, no rule)
            pairs.append((f"{customer}-other", "service_sms"))
        return _book(ctx, *pairs, at=at)[0]

    first = book("N1", "retention_sms")
    assert first.booked
    again = book("N1", "retention_sms")
    assert again.refused[0] == "DUPLICATE"
    same_channel = book("N1", "data_boost")  # sms, but service: no cap
    assert same_channel.booked
    capped = book("N1", "retention_email")  # email marketing: its own cap
    assert capped.booked
    assert book("N1", "personalized_offer").refused == ("FREQUENCY",)
    next_day = book("N2", "retention_sms", at=AT + timedelta(days=1))
    assert next_day.booked and next_day.day == (AT + timedelta(days=1)).date()
    with pytest.raises(PolicyBlocked) as back:
        book("N3", "retention_sms")  # a day earlier than the ledger holds
    assert back.value.rule == "PAST-DAY"


def test_capacity_and_the_high_value_reservation_read_the_locked_counter(ctx):
    day2 = AT + timedelta(days=2)
    cons = ctx.config.constraints["service_call_back"]
    reserved = int(cons.reserved_share * cons.max_per_day)
    standard = cons.max_per_day - reserved
    for i in range(standard):
        assert _book(ctx, (f"S{i}", "service_call_back"), at=day2)[0].booked
    [full] = _book(ctx, ("S-late", "service_call_back"), at=day2)
    assert full.refused == ("CAPACITY",) and "reserved" in full.reason
    [high] = _book(ctx, ("H1", "service_call_back"), at=day2, high_value=True)
    assert high.booked
    used = ctx.ledger.day_state(day2.date()).used["service_call_back"]
    assert used == standard + 1


def test_a_transaction_the_server_fails_leaves_nothing_and_the_connection_works(
    pg_server, monkeypatch, tmp_path, config
):
    from tools.context import ToolContext
    from tools.ledger import forget_ledger

    url = pg_server.new_schema()
    monkeypatch.setenv("CVM_LEDGER_URL", url)
    monkeypatch.setenv("CVM_LEDGER_POOL", "1")  # every verb on one connection
    c = ToolContext.create(config, state_dir=tmp_path / "state")
    try:
        ids = [_book(c, (f"P{i}", "retention_sms"))[0].allocation_id for i in range(8)]
        assert all(ids)  # psycopg prepares a statement from its 5th run on
        with psycopg.connect(url, autocommit=True) as conn:  # the server says no
            conn.execute(
                "ALTER TABLE allocations ADD CONSTRAINT not_mallory "
                "CHECK (approved_by <> 'mallory')"
            )
        with pytest.raises(psycopg.errors.CheckViolation):
            _book(c, ("P-bad", "loyalty_app"), by="mallory")  # makes a counter
        state = c.ledger.day_state(AT.date(), ["P-bad"])
        assert "loyalty_app" not in state.used and state.history == {}
        [after] = _book(c, ("P-next", "loyalty_app"))
        assert after.booked and after.allocation_id > max(ids)
        used = c.ledger.day_state(AT.date()).used
        assert used == {"retention_sms": 8, "loyalty_app": 1}
    finally:
        forget_ledger(c.ledger)
