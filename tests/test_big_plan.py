"""A big plan needs a second, deliberate approval (config ``big_plan``).

In chat only the plan id typed back as the whole message books it ("yes" does
not); the CLI needs ``--confirm-plan ID`` besides ``--yes``. A plan under the
limits is approved as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant import Assistant
from assistant.cli.main import main
from tools.allocation import list_allocations
from tools.config import DEFAULT_CONFIG_PATH, get_config
from tools.context import ToolContext
from tools.planning.big_plan import big_plan_reason
from tools.planning.store import plan_store


def small_limits(tmp_path: Path) -> Path:
    """A config whose big-plan limit is two bookings."""
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    raw["big_plan"] = {"contacts": 2, "spend": 1_000_000}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CVM_CONFIG", str(small_limits(tmp_path)))
    monkeypatch.setenv("CVM_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_the_limits_read_from_config_and_a_bad_one_is_named(big, tmp_path):
    from tools.config import load_config
    from tools.errors import ConfigError

    config = get_config()
    assert (config.big_plan.contacts, config.big_plan.spend) == (2, 1_000_000)
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    raw["big_plan"] = {"contacts": -1}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="big_plan.contacts"):
        load_config(bad)


def test_in_chat_only_the_plan_id_typed_back_books_a_big_plan(big):
    bot = Assistant.create(model="offline", state_dir=big, config=get_config())
    bot.ask("who should we call today?")
    plan = plan_store(bot.ctx).latest()
    assert plan is not None and plan.assigned > 2
    assert big_plan_reason(plan, bot.ctx.config)
    held = bot.ask("book the plan")
    assert held.pending is not None
    assert held.pending.confirmations == (plan.plan_id.lower(),)
    assert any(
        plan.plan_id in line and "whole message" in line
        for line in held.pending.details
    )
    for not_enough in ("yes", "book the plan", "approve", "go ahead"):
        turn = bot.ask(not_enough)
        assert not any(c.name == "book_plan" and not c.held for c in turn.tool_calls)
        assert list_allocations(bot.ctx) == []
        if bot.session.pending is None:  # a new proposal replaced it: propose again
            bot.ask("book the plan")
    done = bot.ask(plan.plan_id)
    assert [c.name for c in done.tool_calls] == ["book_plan"]
    assert len(list_allocations(bot.ctx)) == plan.assigned


def test_a_small_plan_is_still_confirmed_with_yes(tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "s")
    bot.ask("who should we call today?")
    plan = plan_store(bot.ctx).latest()
    assert plan is not None and big_plan_reason(plan, bot.ctx.config) is None
    bot.ask("book the plan")
    assert [c.name for c in bot.ask("yes").tool_calls] == ["book_plan"]


def test_the_cli_needs_confirm_plan_for_a_big_plan(big, capsys):
    import json

    assert main(["plan", "--json"]) == 0
    plan_id = json.loads(capsys.readouterr().out)["plan_id"]
    assert main(["book-plan", plan_id, "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"refused: SECOND-APPROVAL: plan {plan_id} is big")
    assert f"--confirm-plan {plan_id}" in err
    ctx = ToolContext.create(get_config(), state_dir=big)
    assert list_allocations(ctx) == []
    assert main(["book-plan", plan_id, "--yes", "--confirm-plan", "P-OTHER"]) == 1
    capsys.readouterr()
    assert main(["book-plan", plan_id, "--yes", "--confirm-plan", plan_id]) == 0
    assert f"plan {plan_id}: booked" in capsys.readouterr().out
    assert len(list_allocations(ctx)) == plan_store(ctx).get(plan_id).assigned
