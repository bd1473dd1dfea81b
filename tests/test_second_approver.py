"""With login on, a big plan is booked only on a second analyst's approval.

Two logged-in conversations share one state dir (one ledger), as two browser
sessions or two UI processes would: alice's approval of a big plan records a
request and books nothing; alice cannot give the second approval herself
(SECOND-APPROVAL); bob sees the request ("what needs my approval?") and books
it by typing the plan id (or Approve), every booking approved by both; a stale
request is refused; a request can be declined. Without login nothing changes
(tests/test_big_plan.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.approvals.second import awaiting_others
from assistant.conversation.audit import list_audit
from tests.test_big_plan import small_limits
from tools.allocation import list_allocations
from tools.config import get_config
from tools.planning.booking import book_plan
from tools.planning.model import Plan
from tools.planning.store import plan_store


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CVM_CONFIG", str(small_limits(tmp_path)))
    monkeypatch.setenv("CVM_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def analyst(state: Path, name: str, login: bool = True) -> Assistant:
    return Assistant.create(
        model="offline", state_dir=state, config=get_config(), approver=name,
        login=login,
    )  # fmt: skip


def requested(alice: Assistant) -> Plan:
    """Alice plans, asks to book the big plan and confirms: a request, no booking."""
    alice.ask("who should we call today?")
    plan = plan_store(alice.ctx).latest()
    assert plan is not None and plan.assigned > 2
    held = alice.ask("book the plan")
    assert held.pending is not None
    assert held.pending.tool == "request_plan_approval"
    assert held.pending.confirmations == (plan.plan_id.lower(),)
    bare = alice.ask("yes")  # a big plan is confirmed by its id, not a yes
    ran = [c for c in bare.tool_calls if not c.held]
    assert not any(c.name == "request_plan_approval" for c in ran)
    if alice.session.pending is not None:
        assert f"replying '{plan.plan_id.lower()}'" in bare.reply
        assert "nothing was done" in bare.reply
    if alice.session.pending is None:
        alice.ask("book the plan")
    done = alice.ask(plan.plan_id)
    assert [c.name for c in done.tool_calls] == ["request_plan_approval"]
    assert done.tool_calls[0].ok
    assert "awaits a second approver" in done.reply
    assert list_allocations(alice.ctx) == []
    return plan


def test_a_big_plan_is_booked_on_the_second_analysts_approval(state):
    alice, bob = analyst(state, "alice"), analyst(state, "bob")
    plan = requested(alice)
    [request] = bob.ctx.ledger.approval_requests()
    assert (request.plan_id, request.requested_by, request.status) == (
        plan.plan_id,
        "alice",
        "pending",
    )
    assert (request.contacts, request.spend) == (plan.assigned, round(plan.spend, 2))
    assert request.requested_at == "2024-03-06T12:00:00+00:00"

    inbox = bob.ask("what needs my approval?")
    assert plan.plan_id in inbox.reply and "requested by alice" in inbox.reply
    assert inbox.pending is not None and inbox.pending.tool == "approve_plan"
    assert inbox.pending.confirmations == (plan.plan_id.lower(),)
    for not_enough in ("yes", "approve", "book it"):
        bob.ask(not_enough)
        assert list_allocations(bob.ctx) == []
        if bob.session.pending is None:
            bob.ask("what needs my approval?")
    done = bob.ask(plan.plan_id)
    assert [c.name for c in done.tool_calls] == ["approve_plan"]
    assert "Second approval given" in done.reply
    booked = list_allocations(bob.ctx)
    assert len(booked) == plan.assigned
    assert {b.approved_by for b in booked} == {"alice + bob"}
    [settled] = bob.ctx.ledger.approval_requests(pending_only=False)
    assert (settled.status, settled.decided_by) == ("approved", "bob")
    audit = list_audit(bob.ctx.ledger)[0]
    assert audit.approver == "bob"
    assert audit.record["approval"]["granted"] == (
        f"Second approval: book plan {plan.plan_id} (requested by alice)"
    )
    assert [c["name"] for c in audit.record["tool_calls"]] == ["approve_plan"]
    assert "Nothing awaits" in alice.ask("what needs my approval?").reply


def test_the_requester_cannot_give_the_second_approval(state):
    alice = analyst(state, "alice")
    plan = requested(alice)
    mine = alice.ask("what needs my approval?")
    assert "yours: it awaits another analyst" in mine.reply
    assert mine.pending is None
    for attempt in (f"approve plan {plan.plan_id}", "book the plan"):
        turn = alice.ask(attempt)
        assert [c.rule for c in turn.tool_calls] == ["SECOND-APPROVAL"]
        assert "must come from another analyst" in turn.reply
        assert turn.pending is None
    also_alice = analyst(state, "alice")  # her second browser session
    assert also_alice.ask("what needs my approval?").pending is None
    assert list_allocations(alice.ctx) == []
    assert alice.ctx.ledger.approval_requests()[0].status == "pending"


def test_the_ui_approve_gives_the_second_approval(state):
    alice, bob = analyst(state, "alice"), analyst(state, "bob")
    plan = requested(alice)
    pending = bob.ask("what needs my approval?").pending
    assert pending is not None
    assert "can no longer be approved" in bob.approve("forged-id").reply
    assert list_allocations(bob.ctx) == []
    turn = bob.approve(pending.id)
    assert [c.name for c in turn.tool_calls] == ["approve_plan"]
    booked = list_allocations(bob.ctx)
    assert len(booked) == plan.assigned
    assert {b.approved_by for b in booked} == {"alice + bob (ui)"}


def test_a_stale_request_is_refused_with_a_clear_line(state):
    alice, bob = analyst(state, "alice"), analyst(state, "bob")
    plan = requested(alice)
    book_plan(plan.plan_id, "carol", bob.ctx)  # booked meanwhile (the CLI)
    assert awaiting_others(bob.session, bob.ctx) == 0  # no notice at chat start
    turn = bob.ask("what needs my approval?")
    assert turn.pending is None
    assert f"(stale: plan {plan.plan_id} was already booked;" in turn.reply
    refused = bob.ask(f"approve plan {plan.plan_id}")  # asked for all the same
    assert refused.pending is None
    assert f"stale: plan {plan.plan_id} was already booked" in refused.reply
    closed = bob.ask(f"decline plan {plan.plan_id}")
    assert closed.pending is not None and closed.pending.tool == "decline_plan"
    bob.ask("yes")
    assert bob.ctx.ledger.approval_requests() == []
    assert {b.approved_by for b in list_allocations(bob.ctx)} == {"carol"}


def test_a_request_can_be_declined(state):
    alice, bob = analyst(state, "alice"), analyst(state, "bob")
    plan = requested(alice)
    held = bob.ask(f"decline plan {plan.plan_id}")
    assert held.pending is not None and held.pending.tool == "decline_plan"
    done = bob.ask("yes")
    assert [c.name for c in done.tool_calls] == ["decline_plan"]
    assert "declined by bob" in done.reply
    assert bob.ctx.ledger.approval_requests() == []
    assert "Nothing awaits" in bob.ask("what needs my approval?").reply
    assert list_allocations(bob.ctx) == []


def test_without_login_the_second_approval_tools_are_refused(state):
    alice = analyst(state, "alice")
    plan = requested(alice)
    plain = analyst(state, "analyst", login=False)
    turn = plain.ask(f"decline plan {plan.plan_id}")
    assert [c.rule for c in turn.tool_calls] == ["SECOND-APPROVAL"]
    inbox = plain.ask("what needs my approval?")
    assert plan.plan_id in inbox.reply and inbox.pending is None
    assert "logged-in analysts" in inbox.reply
    assert plain.ctx.ledger.approval_requests()[0].status == "pending"


def test_a_chat_start_proposes_the_oldest_request_of_another_analyst(state):
    alice, bob = analyst(state, "alice"), analyst(state, "bob")
    plan = requested(alice)
    assert awaiting_others(alice.session, alice.ctx) == 0  # hers: nothing to give
    assert awaiting_others(bob.session, bob.ctx) == 1
    start = bob.request("approvals_inbox", "(UI) What needs my approval?")
    assert start.pending is not None and start.pending_new
    assert start.pending.title == (
        f"Second approval: book plan {plan.plan_id} (requested by alice)"
    )
    assert list_allocations(bob.ctx) == []
