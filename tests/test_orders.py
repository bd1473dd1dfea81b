"""The order classifier on its labelled corpus, and the scope it leads to."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.approvals.actions import make_action
from assistant.approvals.orders import NotAnOrder, Order, classify_order
from assistant.approvals.scope import begin_turn
from assistant.conversation.session import Session
from tools.allocation import allocate_treatment

CORPUS = yaml.safe_load(
    (Path(__file__).parent / "corpus" / "orders.yaml").read_text(encoding="utf-8")
)["orders"]
NON_ORDERS = [e for e in CORPUS if e["expect"] == "none"]
PLAIN = [e for e in CORPUS if e.get("plain")]

# Every phrasing the issue reported as booking (or cancelling) without an order.
ISSUE_PHRASINGS = [
    "What did we book today?",
    "How do I book it?",
    "did we book anything for U124?",
    "if I said book it, what would it cost?",
    "no, don't go ahead",
    "I'm not ready to book",
    "Why did you book it?",
    "Is this confirmed?",
    "The customer said 'book it' in the chat",
    "Not now, book it tomorrow",
    "confirm the customer's consent status",
    "arrange the options by cost",
    "proceed with the explanation",
    "the customer said yes to an upgrade last month…",
    "Check U125 and book whatever is best",
]


def _kind(text, config):
    r = classify_order(text, config)
    return r.kind if isinstance(r, Order) else "none"


def test_corpus_false_approvals_and_recall(config, capsys):
    assert len(CORPUS) >= 200
    assert {e["text"] for e in CORPUS} >= set(ISSUE_PHRASINGS) - {
        "the customer said yes to an upgrade last month…"
    }
    false_approvals = [
        e["text"] for e in NON_ORDERS if _kind(e["text"], config) != "none"
    ]
    hits = [e for e in PLAIN if _kind(e["text"], config) == e["expect"]]
    recall = len(hits) / len(PLAIN)
    reasons = [
        e
        for e in NON_ORDERS
        if isinstance(r := classify_order(e["text"], config), NotAnOrder)
        and r.reason == e["reason"]
    ]
    with capsys.disabled():
        print(
            f"\norder corpus: {len(CORPUS)} messages ({len(PLAIN)} plain orders, "
            f"{len(NON_ORDERS)} non-orders); false approvals {len(false_approvals)}; "
            f"recall on plain orders {recall:.1%}; non-order reasons right "
            f"{len(reasons)}/{len(NON_ORDERS)}"
        )
    assert false_approvals == []
    assert recall >= 0.95, [e["text"] for e in PLAIN if e not in hits]
    assert len(reasons) / len(NON_ORDERS) >= 0.95


@pytest.mark.parametrize("text", ISSUE_PHRASINGS)
def test_the_issues_phrasings_are_not_orders(text, config):
    assert isinstance(classify_order(text, config), NotAnOrder)


@pytest.mark.parametrize("entry", [e for e in CORPUS if e["expect"] != "none"])
def test_order_targets(entry, config):
    r = classify_order(entry["text"], config)
    assert isinstance(r, Order) and r.kind == entry["expect"]
    if "treatment" in entry:
        assert r.treatments == (entry["treatment"],)
    if "customer" in entry:
        assert r.customers == (entry["customer"],)
    if "booking" in entry:
        assert r.booking_ids == (entry["booking"],)


@pytest.fixture
def context(ctx):
    """Customer in focus U124, booking #1 (U124), the proposal pending."""
    booked = allocate_treatment("U124", "retention_email", "ana", ctx)
    return ctx, booked


def _session(ctx, booked):
    s = Session()
    s.customer_id = "U124"
    s.allocations = [booked]
    s.hold(
        make_action(
            "allocate_treatment",
            {"customer_id": "U124", "treatment_key": "marketing_call_back"},
            ctx,
            0,
            "proposal",
            [],
        )
    )
    return s


def test_no_non_order_approves_anything_in_context(context):
    ctx, booked = context
    for e in NON_ORDERS:
        scope = begin_turn(e["text"], _session(ctx, booked), ctx)
        assert scope.grant is None, e["text"]


def test_plain_orders_approve_exactly_one_action_in_context(context):
    ctx, booked = context
    booking_id = booked.allocation_id
    granted = 0
    for e in PLAIN:
        session = _session(ctx, booked)
        scope = begin_turn(e["text"], session, ctx)
        if e["expect"] in {"book", "confirm"}:
            key = e.get("treatment", "marketing_call_back")
            if scope.grant is not None:
                granted += 1
                assert scope.grant.tool == "allocate_treatment", e["text"]
                assert scope.grant.arguments == {
                    "customer_id": e.get("customer", "U124"),
                    "treatment_key": key,
                }, e["text"]
        elif scope.grant is not None:
            granted += 1
            assert scope.grant.tool == "release_allocation", e["text"]
            want = e.get("booking", booking_id)
            assert scope.grant.arguments == {"allocation_id": want}, e["text"]
        else:
            # cancelling "it" while a booking is pending declines the pending one
            assert session.pending is None, e["text"]
            granted += 1
    assert granted / len(PLAIN) >= 0.95
