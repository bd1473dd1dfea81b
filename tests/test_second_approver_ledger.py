"""Second approvals of big plans in the ledger, on both backends (tests/pg.py).

The ledger verbs (request_approval, approval_requests, settle_approval) and the
tools on them (tools/planning/second_approval.py): the requester's own approval is
refused (SECOND-APPROVAL), another analyst's books the plan with both names, a
stale request is closed and refused, a request can be declined.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from tests import pg
from tests.pg import reopened
from tools.config import get_config
from tools.context import ToolContext
from tools.errors import PolicyBlocked, ToolInputError
from tools.ledger import BookingQuery
from tools.ledger.approvals import NewApprovalRequest
from tools.planning import second_approval as second
from tools.planning.booking import book_plan
from tools.planning.store import plan_store
from tools.planning.tools import plan_campaign

ctx, ledger_backend = pg.ctx, pg.ledger_backend
AT = datetime(2024, 3, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def config():
    """The sample config with a big-plan limit of two bookings."""
    base = get_config()
    limits = base.big_plan.model_copy(update={"contacts": 2})
    return base.model_copy(update={"big_plan": limits})


def _new(plan_id: str = "P20240306-1", by: str = "alice") -> NewApprovalRequest:
    return NewApprovalRequest(plan_id, date(2024, 3, 6), by, AT, 12, 34.5, "big")


def test_a_request_is_recorded_once_and_listed(ctx):
    ledger = ctx.ledger
    first = ledger.request_approval(_new())
    again = ledger.request_approval(_new(by="bob"))  # one pending per plan
    assert again == first
    assert (first.plan_id, first.requested_by, first.status) == (
        "P20240306-1",
        "alice",
        "pending",
    )
    assert (first.contacts, first.spend, first.day) == (12, 34.5, date(2024, 3, 6))
    assert first.requested_at == "2024-03-06T12:00:00+00:00"
    other = ledger.request_approval(_new("P20240306-2", by="carol"))
    assert [r.plan_id for r in ledger.approval_requests()] == [
        "P20240306-1",
        "P20240306-2",
    ]
    assert ledger.approval_requests("P20240306-2") == [other]
    again_opened = reopened(ledger)  # as another process sees it
    try:
        assert [r.request_id for r in again_opened.approval_requests()] == [
            first.request_id,
            other.request_id,
        ]
    finally:
        again_opened.close()


def test_settling_is_a_compare_and_set(ctx):
    ledger = ctx.ledger
    request = ledger.request_approval(_new())
    before = ledger.settle_approval(request.request_id, "approved", "bob", AT, "ok")
    assert before is not None and before.status == "pending"
    late = ledger.settle_approval(request.request_id, "declined", "carol", AT)
    assert late is not None and late.status == "approved"  # carol changed nothing
    [now] = ledger.approval_requests(pending_only=False)
    assert (now.status, now.decided_by, now.note) == ("approved", "bob", "ok")
    assert now.decided_at == "2024-03-06T12:00:00+00:00"
    assert ledger.approval_requests() == []
    assert ledger.settle_approval(999_999, "declined", "bob", AT) is None
    again = ledger.request_approval(_new(by="dave"))  # a new request may follow
    assert again.request_id != request.request_id and again.status == "pending"


def test_eight_analysts_approving_at_once_settle_it_once(ctx):
    ledger = ctx.ledger
    request = ledger.request_approval(_new())
    won: list[str] = []
    start = threading.Barrier(8)

    def approve(name: str) -> None:
        start.wait()
        before = ledger.settle_approval(request.request_id, "approved", name, AT)
        if before is not None and before.status == "pending":
            won.append(name)

    threads = [threading.Thread(target=approve, args=(f"a{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    [settled] = ledger.approval_requests(pending_only=False)
    assert settled.decided_by == won[0]


def _big_plan(ctx: ToolContext) -> str:
    plan = plan_campaign(ctx=ctx)
    assert plan.assigned > ctx.config.big_plan.contacts
    return plan.plan_id


def _booked_by(ctx: ToolContext, plan_id: str) -> set[str]:
    rows = plan_store(ctx).rows(plan_id)
    ids = [r.allocation_id for r in rows if r.outcome == "booked"]
    return {b.approved_by for i in ids if (b := ctx.ledger.get_booking(i)) is not None}


def test_the_requester_cannot_approve_another_analyst_books_it(ctx):
    plan_id = _big_plan(ctx)
    asked = second.request_plan_approval(plan_id, "alice (ui)", ctx)
    assert (asked.requested_by, asked.status) == ("alice", "pending")
    assert [r.plan_id for r in second.plan_approvals(ctx).requests] == [plan_id]
    assert plan_store(ctx).rows(plan_id)[0].outcome is None  # nothing booked yet
    with pytest.raises(PolicyBlocked) as refused:
        second.approve_plan(plan_id, "alice", ctx)
    assert refused.value.rule == "SECOND-APPROVAL"
    assert "another analyst" in refused.value.reason
    assert second.pending_request(plan_id, ctx) is not None  # still waiting
    done = second.approve_plan(plan_id, "bob (ui)", ctx)
    assert done.request.status == "approved" and done.request.decided_by == "bob"
    assert done.booking.booked == plan_store(ctx).get(plan_id).assigned
    assert _booked_by(ctx, plan_id) == {"alice + bob (ui)"}
    assert second.plan_approvals(ctx).requests == []
    with pytest.raises(ToolInputError, match="no longer pending: approved by bob"):
        second.approve_plan(plan_id, "carol", ctx)


def test_a_small_plan_needs_no_request(ctx):
    roomy = ctx.config.big_plan.model_copy(update={"contacts": 10_000})
    small = ToolContext.create(
        ctx.config.model_copy(update={"big_plan": roomy}), ctx.config.state_path
    )
    plan_id = plan_campaign(ctx=small).plan_id
    with pytest.raises(ToolInputError, match="within the big-plan limits"):
        second.request_plan_approval(plan_id, "alice", small)
    assert small.ledger.approval_requests() == []


def test_a_stale_request_is_closed_and_refused(ctx):
    plan_id = _big_plan(ctx)
    second.request_plan_approval(plan_id, "alice", ctx)
    book_plan(plan_id, "carol", ctx)  # booked meanwhile (the CLI, say)
    with pytest.raises(ToolInputError, match="stale: plan .* was already booked"):
        second.approve_plan(plan_id, "bob", ctx)
    [closed] = ctx.ledger.approval_requests(plan_id, pending_only=False)
    assert (closed.status, closed.decided_by) == ("stale", "bob")


def test_a_request_from_yesterday_is_stale(ctx):
    plan_id = _big_plan(ctx)
    second.request_plan_approval(plan_id, "alice", ctx)
    tomorrow = ToolContext(ctx.config, ctx.ledger, clock=lambda: AT + timedelta(days=1))
    with pytest.raises(ToolInputError, match="is for 2024-03-06, and today is"):
        second.approve_plan(plan_id, "bob", tomorrow)
    assert _booked_by(ctx, plan_id) == set()


def test_a_changed_plan_is_stale(ctx):
    plan_id = _big_plan(ctx)
    plan = plan_store(ctx).get(plan_id)
    ctx.ledger.request_approval(  # totals that are not the plan's
        NewApprovalRequest(plan_id, plan.day, "alice", AT, plan.assigned + 1, 1.0, "")
    )
    with pytest.raises(ToolInputError, match="changed since it was requested"):
        second.approve_plan(plan_id, "bob", ctx)
    assert _booked_by(ctx, plan_id) == set()


def test_a_request_can_be_declined(ctx):
    plan_id = _big_plan(ctx)
    second.request_plan_approval(plan_id, "alice", ctx)
    declined = second.decline_plan(plan_id, "bob (ui)", ctx)
    assert (declined.status, declined.decided_by) == ("declined", "bob")
    with pytest.raises(ToolInputError, match="no longer pending: declined by bob"):
        second.approve_plan(plan_id, "carol", ctx)
    assert _booked_by(ctx, plan_id) == set()
    again = second.request_plan_approval(plan_id, "alice", ctx)  # asked again
    assert again.status == "pending"


def test_two_second_approvers_at_once_book_the_plan_once(ctx):
    plan_id = _big_plan(ctx)
    second.request_plan_approval(plan_id, "alice", ctx)
    outcomes: dict[str, str] = {}
    start = threading.Barrier(2)

    def approve(name: str) -> None:
        start.wait()
        try:
            done = second.approve_plan(plan_id, name, ctx)
            outcomes[name] = f"booked {done.booking.booked}"
        except ToolInputError as exc:
            outcomes[name] = str(exc)

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("bob", "carol")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assigned = plan_store(ctx).get(plan_id).assigned
    winners = [n for n, o in outcomes.items() if o == f"booked {assigned}"]
    assert len(winners) == 1, outcomes
    [loser] = {"bob", "carol"} - set(winners)
    assert f"no longer pending: approved by {winners[0]}" in outcomes[loser]
    assert _booked_by(ctx, plan_id) == {f"alice + {winners[0]}"}
    assert len(list(ctx.ledger.list_bookings(BookingQuery(limit=None)).bookings)) == (
        assigned
    )
