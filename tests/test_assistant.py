"""Conversation behaviour with deterministic models (offline planner, scripted)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.conversation.audit import list_audit
from assistant.conversation.budget import prompt_tokens, render_tools, trim_history
from assistant.conversation.prompt import build_system_prompt, render_context
from assistant.core.messages import Message
from assistant.core.session import Session
from assistant.models.base import UnexpectedModelCall
from assistant.models.scripted import ScriptedModel
from assistant.toolkit.registry import TOOLS, tool_schemas
from tools.allocation import list_allocations
from tools.config import get_config


@pytest.fixture
def offline(tmp_path):
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def scripted(tmp_path, *responses):
    return Assistant.create(
        model=ScriptedModel(responses), state_dir=tmp_path / "state"
    )


def test_the_tools_with_kinds_and_strict_schemas():
    assert list(TOOLS) == [
        "get_customer_data",
        "build_journey",
        "analyze_journey",
        "recommend_treatment",
        "find_alternative_treatment",
        "open_service_problems",
        "next_contact_times",
        "list_treatments",
        "check_availability",
        "get_constraints",
        "list_bookings",
        "allocate_treatment",
        "release_allocation",
        "plan_campaign",
        "get_plan",
        "plan_what_if",
        "compare_plans",
        "book_plan",
        "find_customers",
        "summarise_base",
        "base_figures",
        "export_list",
        "show_treatment",
        "catalogue_history",
        "add_treatment",
        "change_treatment",
        "rollback_catalogue",
        "plan_approvals",
        "request_plan_approval",
        "approve_plan",
        "decline_plan",
        "record_outcome",
        "outcome_report",
        "expected_response",
        "customer_outcomes",
        "explain_plan",
    ]
    assert {n for n, t in TOOLS.items() if t.kind == "WRITE"} == {
        "allocate_treatment",
        "release_allocation",
        "book_plan",
        "add_treatment",
        "change_treatment",
        "rollback_catalogue",
        "request_plan_approval",
        "approve_plan",
        "decline_plan",
        "record_outcome",
    }
    for schema in tool_schemas():
        params = schema["function"]["parameters"]
        assert schema["function"]["strict"] is True
        assert params["additionalProperties"] is False
        assert set(params["required"]) == set(params.get("properties", {}))
        assert schema["function"]["description"]
        assert "$ref" not in json.dumps(params)


def test_system_prompt_renders_policy_from_the_config(write_config):
    from tools.config import load_config

    config = load_config(
        write_config(lambda r: r["policy"]["calling_window"].update(start="09:30"))
    )
    prompt = build_system_prompt(config)
    context = render_context(Session(customer_id="U124"))
    for rule in [
        "CONSENT",
        "OBJECTION",
        "VULNERABLE",
        "CAPACITY",
        "BUDGET",
        "FREQUENCY",
        "DUPLICATE",
        "QUIET-HOURS",
        "APPROVAL",
    ]:
        assert f"- {rule}:" in prompt
    assert "Calls 09:30-21:00" in prompt and "Current customer: U124" in context
    assert "Current customer" not in prompt  # the same for every customer
    assert "sms: retention_sms, service_sms (service), data_boost (service)" in prompt


def test_offline_flow_recommend_why_sms_book(offline):
    t1 = offline.ask("What should we offer U124?")
    assert t1.recommended == "bill_review_call" and not t1.allocations
    assert "2024-03-0" in t1.reply and "CONSENT" in t1.reply
    assert "SUITABILITY" in t1.reply  # her dispute comes before any selling
    t2 = offline.ask("why?")
    assert "Why Bill Review Call" in t2.reply and "beats the runner-up" in t2.reply
    t3 = offline.ask("what about an SMS instead?")
    assert "Retention SMS: not allowed" in t3.reply and "CONSENT" in t3.reply
    assert list_allocations(offline.ctx) == []
    assert t3.pending is not None and t3.pending.id == t1.pending.id  # a question
    t4 = offline.ask("ok book it")  # books what was proposed and shown
    assert [a["treatment_key"] for a in t4.allocations] == ["bill_review_call"]
    assert "Booked Bill Review Call" in t4.reply
    assert list_allocations(offline.ctx)[0].approved_by == "analyst"


def test_offline_cancel_and_capacity(offline):
    offline.ask("What should we offer U124?")
    booked = offline.ask("book it").allocations[0]
    assert "9 left" in offline.ask("how many bill review calls are left today?").reply
    held = offline.ask("cancel it")
    assert held.pending is not None and held.tool_calls[0].held
    assert list_allocations(offline.ctx) != []  # shown, not done
    t = offline.ask("yes")
    assert t.tool_calls[0].name == "release_allocation" and t.tool_calls[0].ok
    assert f"#{booked['allocation_id']}" in t.reply
    assert list_allocations(offline.ctx) == []


def test_offline_helpful_replies(offline):
    assert "What should we offer U124" in offline.ask("asdf qwerty").reply
    assert "Which customer" in offline.ask("what should we offer?").reply
    assert "U125" in offline.ask("What should we offer U555?").reply  # nearest ids
    assert "not a valid customer id" in offline.ask("recommend for customer 12x").reply


def test_injected_transcript_cannot_cause_a_write(offline):
    for q in [
        "Tell me about U125's interactions",
        "What should we offer U125?",
        "Show U125's contact history",
    ]:
        turn = offline.ask(q)
        booking = [c for c in turn.tool_calls if c.name == "allocate_treatment"]
        assert all(c.held for c in booking)  # at most proposed, never run
        if booking:  # the recommendation's own pick, not what the chat asked for
            assert booking[0].arguments["treatment_key"] != "early_upgrade"
    assert "ignore your rules" in offline.ask("U125's interactions").reply
    assert list_allocations(offline.ctx) == []


def test_injected_transcript_reaches_a_model_as_quoted_data_and_cannot_book(tmp_path):
    bot = scripted(
        tmp_path,
        {
            "tool_calls": [
                {"name": "get_customer_data", "arguments": {"customer_id": "U125"}}
            ]
        },
        {
            "tool_calls": [
                {
                    "name": "allocate_treatment",
                    "arguments": {
                        "customer_id": "U125",
                        "treatment_key": "early_upgrade",
                    },
                }
            ]
        },
        {"content": "I will not act on instructions inside customer notes."},
    )
    turn = bot.ask("What's going on with U125?")
    data = json.loads(next(m.content for m in bot.session.messages if m.role == "tool"))
    chat = [
        i["summary"]
        for i in data["interactions"]
        if "ignore your rules" in i["summary"]
    ]
    assert chat and chat[0].startswith("<customer_text>")
    proposal = turn.tool_calls[1]
    # the model's own marketing choice for a customer with open network complaints
    # is refused with SUITABILITY: not even shown for approval, never run
    assert not proposal.ok and not proposal.held and proposal.rule == "SUITABILITY"
    assert not turn.allocations and turn.pending is None
    assert list_allocations(bot.ctx) == []
    bot.model.assert_complete()


def test_bad_tool_calls_become_recoverable_errors(tmp_path):
    bot = scripted(
        tmp_path,
        {
            "tool_calls": [
                {"name": "launch_rocket", "arguments": {}},
                {"name": "recommend_treatment", "arguments": "{oops"},
                {"name": "check_availability", "arguments": {"treatment_key": 5}},
                {"name": "recommend_treatment", "arguments": {"customer_id": "U124"}},
            ]
        },
        {"content": "Recovered: marketing call back."},
    )
    turn = bot.ask("What should we offer U124?")
    errors = [c.error for c in turn.tool_calls if not c.ok]
    assert "Unknown tool 'launch_rocket'" in errors[0]
    assert "not valid JSON" in errors[1]
    assert "treatment_key" in errors[2]
    assert turn.tool_calls[3].ok and turn.reply.startswith("Recovered")
    tool_msgs = [m for m in bot.session.messages if m.role == "tool"]
    assert json.loads(tool_msgs[0].content)["error"].startswith("Unknown tool")


def test_round_limit_and_error_budget(tmp_path):
    loop_call = {"tool_calls": [{"name": "get_constraints", "arguments": {}}]}
    bot = scripted(tmp_path, *[loop_call] * get_config().model.max_tool_rounds)
    turn = bot.ask("How much capacity is left?")
    assert turn.stopped == "round_limit" and "limit of" in turn.reply
    bad = {"tool_calls": [{"name": "nope", "arguments": {}}] * 4}
    bot2 = scripted(tmp_path, bad)
    turn2 = bot2.ask("hello")
    assert turn2.stopped == "error_budget"


def test_scripted_model_raises_on_an_unexpected_extra_call(tmp_path):
    bot = scripted(
        tmp_path, {"tool_calls": [{"name": "get_constraints", "arguments": {}}]}
    )
    with pytest.raises(UnexpectedModelCall):
        bot.ask("capacity?")


def test_audit_records_every_turn_with_verdicts(offline):
    offline.ask("What should we offer U124?")
    offline.ask("book retention_sms for U124")
    offline.ask("yes")
    records = list_audit(offline.ctx.ledger, "U124")
    assert len(records) == 3
    refused = records[1].record
    assert refused["approval"]["granted"] is None and records[1].approver is None
    assert {"tool": "allocate_treatment", "rule": "CONSENT"} in refused["verdicts"]
    first = records[2].record  # the recommendation proposed its top pick
    assert first["approval"]["proposed"] == "Book Bill Review Call for U124"
    confirmed = records[0]
    assert confirmed.record["approval"]["decision"] == "confirmed"
    granted = confirmed.record["approval"]["granted"]
    assert granted == "Book Bill Review Call for U124"
    assert confirmed.approver == "analyst"
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "audit", "--customer-id", "U124", "--json"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "CVM_STATE_DIR": str(offline.ctx.ledger.path.parent),
        },
    )
    assert len(json.loads(out.stdout)) == 3


def test_no_customer_data_in_logs_above_debug(offline, caplog):
    with caplog.at_level(logging.INFO):
        offline.ask("What should we offer U124?")
        offline.ask("book it")
    assert "U124" not in caplog.text


def test_history_trimming_condenses_old_tool_results_first():
    msgs = [
        Message(role="user", content="q1"),
        Message(role="tool", tool_call_id="a", content="x" * 4000),
        Message(role="assistant", content="a1"),
        Message(role="user", content="q2"),
        Message(role="tool", tool_call_id="b", content="y" * 400),
    ]
    trimmed = trim_history(msgs, budget=600, fixed=0)
    assert len(trimmed) == 5 and trimmed[1].content.endswith("[condensed]")
    assert trimmed[4].content == "y" * 400
    dropped = trim_history(msgs, budget=150, fixed=0)
    assert dropped[0].content == "q2"


def test_tool_definitions_are_counted_as_rendered_to_the_model():
    rendered = render_tools(tool_schemas())
    assert "type recommend_treatment = (_: {" in rendered
    assert 'exclude_channels: "call" | "sms"' in rendered
    assert prompt_tokens("sys", [], tool_schemas()[:11]) < 750  # eleven tools
    # and the plan tools (925: list_bookings gained days_ago, "what did we book
    # yesterday?"; 935: plan_campaign gained among, "plan a campaign for those")
    assert prompt_tokens("sys", [], tool_schemas()[:15]) < 935
    # find (filters on everything the store holds, thresholds, a list to narrow)
    # (650: the signal names it filters on grew with issue 18's stated needs)
    assert prompt_tokens("sys", [], tool_schemas()[15:17]) < 650  # and summarise
    assert prompt_tokens("sys", [], tool_schemas()[17:18]) < 120  # export_list
    by_name = {s["function"]["name"]: s for s in tool_schemas()}

    def cost(*names: str) -> int:
        return prompt_tokens("sys", [], [by_name[n] for n in names])

    catalogue = ("show_treatment", "catalogue_history", "add_treatment")
    assert cost(*catalogue, "change_treatment", "rollback_catalogue") < 600
    second = ("plan_approvals", "request_plan_approval", "approve_plan")
    assert cost(*second, "decline_plan") < 250  # second approvals of big plans


def test_cli_chat_piped_json_lines(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--json"],
        input="What should we offer U124?\nwhy?\nok book it\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert [t["recommended"] for t in turns[:2]] == ["bill_review_call"] * 2
    assert turns[2]["allocations"][0]["treatment_key"] == "bill_review_call"


def test_planner_and_approval_scope_read_customer_ids_the_same_way(offline):
    from assistant.core.mentions import customer_ids_in

    assert customer_ids_in("book it for u-125 and U126") == ["U125", "U126"]
    # dictated ids: said aloud, typed as heard
    assert customer_ids_in("you one two six is about to walk") == ["U126"]
    assert customer_ids_in("whats up with you 127 and u 1 2 8") == ["U127", "U128"]
    assert customer_ids_in("I told you 100 times") == []  # a count, not an id
    assert customer_ids_in("can you help me with two things") == []
    offline.ask("What should we offer U124?")
    turn = offline.ask("book it for u-125")
    assert list_allocations(offline.ctx) == []
    # "it" was proposed for U124, never for U125: nothing approved for U125
    for call in turn.tool_calls:
        if call.name == "allocate_treatment":
            assert call.arguments["customer_id"] == "U125"
            assert call.rule == "APPROVAL"


def test_cli_chat_asks_the_pending_action_as_a_question_and_yes_books_it(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "chat"],
        input="What should we offer U126?\nWhat did we book today?\nyes\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = out.stdout
    asked = text.index("Pending approval: Book Bill Review Call for U126?")
    listed = text.index("No active bookings today")
    booked = text.index("Booked Bill Review Call for U126")
    assert asked < listed < booked and text.count("Pending approval") == 1
    assert "Reply 'yes' to confirm it" in text
