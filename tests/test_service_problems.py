"""The READ tool for a customer's open service problems (service before selling)."""

from __future__ import annotations

import json

from assistant.api import Assistant
from assistant.models.scripted import ScriptedModel
from tools.config import get_config
from tools.context import ToolContext
from tools.service_problems import open_service_problems


def test_open_problems_are_dated_and_name_what_addresses_them(tmp_path):
    ctx = ToolContext.create(get_config(), state_dir=tmp_path)
    u125 = open_service_problems("U125", ctx)
    assert not u125.marketing_allowed
    assert any("network" in p and "(2024-03-0" in p for p in u125.problems)
    assert "Service Call Back" in u125.addressed_by
    u127 = open_service_problems("u127", ctx)  # the id is normalised
    assert u127.customer_id == "U127"
    assert (u127.problems, u127.addressed_by, u127.marketing_allowed) == ([], [], True)


def test_a_model_reads_them_through_the_one_dispatch(tmp_path):
    call = {"name": "open_service_problems", "arguments": {"customer_id": "U124"}}
    bot = Assistant.create(
        model=ScriptedModel([{"tool_calls": [call]}, {"content": "Billing first."}]),
        state_dir=tmp_path / "state",
    )
    turn = bot.ask("Anything open for U124 before we sell?")
    [record] = turn.tool_calls
    assert record.ok and record.name == "open_service_problems"
    [message] = [m for m in bot.session.messages if m.role == "tool"]
    result = json.loads(message.content)
    assert result["marketing_allowed"] is False
    assert any("billing dispute" in p for p in result["problems"])
    assert "Bill Review Call" in result["addressed_by"]
    assert bot.session.customer_id == "U124"  # the customer is in focus
    bot.model.assert_complete()
