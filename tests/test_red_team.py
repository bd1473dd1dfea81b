"""Red-team batches replayed: no message that is not an order writes anything.

The batches under ``tests/corpus/attacks/`` were written by authors who had not read
the code or the corpora (their first runs are in ``first_runs.yaml``); here they are
a regression suite. Each non-order is asked in the context its author meant (a
booking pending and shown, a campaign plan pending and shown, nothing pending) and
the ledger must be unchanged after it. Each plain order must end in exactly one
write (a plan: its bookings) after at most one "yes", unless listed below with what
stops it.
"""

from __future__ import annotations

import pytest
import yaml

from tests.attack_run import BATCHES, CONTEXTS, ledger, replay_non_orders, replay_order

ENTRIES = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in BATCHES}
ORDERS = [(name, e) for name, b in ENTRIES.items() for e in b["orders"]]
# Orders that must not write, and the words the reply says why with.
NOT_WRITTEN = {
    "Book the Family Plan offer for U127, thanks.": "CONSENT",
    "cancel U129's Retention SMS booking": "no Retention SMS booked today",
    "Cancel the Retention SMS booking for U131.": "no Retention SMS booked today",
    "cancel the Marketing Call Back booked for U125": "#2 Service Call Back",
    "release the Roaming offer booking for U131": "U131 has no booking today",
    # Treatments the catalogue does not have.
    "Book the Roaming offer for U130, please.": "name the treatment",
    "Book the Fibre upgrade email for U132.": "name the treatment",
    "book Fibre upgrade email for U133": "name the treatment",
    # A plan id that is not a plan's ("P-3"): nothing is proposed.
    "Go ahead with plan P-3.": "",
    "Book P-3 please, thank you.": "",
    "go ahead, book P-3": "",
    # The compliance batch: refused, or nothing to cancel.
    "I'd like you to book an Account Manager Call for U133, please.": "VULNERABLE",
    "Cancel the Loyalty Points booking for U130.": "U130 has no Loyalty Points",
    "Cancel the Early Upgrade booking for U129; it was made in error.": "no Early",
    # The pending plan has 9 bookings, not 12: a count that is not the plan's
    # confirms nothing; the reply says so and how to book the plan shown.
    "Confirmed. Book all 12 contacts.": "Nothing was booked. Pending: Book plan",
}


@pytest.mark.parametrize("batch", sorted(ENTRIES))
@pytest.mark.parametrize("context", CONTEXTS)
def test_no_red_team_non_order_writes(batch, context, tmp_path):
    entries = [e for e in ENTRIES[batch]["non_orders"] if e["context"] == context]
    assert len(entries) >= 20
    wrote = [o for o in replay_non_orders(entries, tmp_path) if o.written]
    assert wrote == []


@pytest.mark.parametrize("name,entry", ORDERS, ids=[e["text"] for _, e in ORDERS])
def test_a_red_team_order_writes_once_after_at_most_one_yes(name, entry, tmp_path):
    first, yes = replay_order(entry, tmp_path)
    final = yes or first
    if entry["text"] in NOT_WRITTEN:
        assert not final.written, final.reply
        assert NOT_WRITTEN[entry["text"]] in final.reply
        return
    if entry["kind"] == "book_plan":
        assert len(final.written) > 1, final.reply
        assert {status for *_, status in final.written} == {"active"}
    else:
        [(_, _, _, status)] = final.written
        assert status == ("released" if entry["kind"] == "cancel" else "active")


def test_the_settings_hold_what_their_contexts_say(tmp_path):
    from tests.attack_run import setting

    booking = setting(tmp_path / "b", "booking")
    assert booking.session.pending is not None
    assert booking.session.pending.tool == "allocate_treatment"
    plan = setting(tmp_path / "p", "plan")
    assert plan.session.pending is not None and plan.session.pending.tool == "book_plan"
    none = setting(tmp_path / "n", "none")
    assert none.session.pending is None and len(ledger(none)) == 3
