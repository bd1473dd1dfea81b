"""Catalogue changes from the chat: held with the diff, approved, audited (issue 21).

Tried as a new user would: "add a treatment: 10% discount SMS, marketing, £1 a
contact, 200 a day" shows the diff and changes nothing until approved; U127 (whose
only lawful contact is then that SMS) gets it recommended; "roll back the catalogue"
removes it again; the audit shows both changes with their approver.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.conversation.prompt import build_system_prompt
from assistant.models.scripted import ScriptedModel
from assistant.toolkit.registry import TOOLS
from tools.allocation import allocate_treatment
from tools.context import ToolContext

ADD = "add a treatment: 10% discount SMS, marketing, £1 a contact, 200 a day"
KEY = "discount_sms_10pct"


@pytest.fixture
def bot(tmp_path):
    return Assistant.create(
        model="offline", state_dir=tmp_path / "state", approver="ana"
    )


def listed(bot: Assistant) -> str:
    return bot.ask("what treatments do we have?").reply


@pytest.fixture
def quiet_day(tmp_path):
    """No Request Call Back slots today: U127's request waits, so nothing beats
    doing nothing for her until a cheap SMS is added (the acceptance's fixture where
    the new treatment has the best lawful EV)."""
    import yaml

    from tools.config import DEFAULT_CONFIG_PATH, load_config

    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    raw["constraints"]["request_call_back"]["max_per_day"] = 0
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return Assistant.create(
        model="offline",
        state_dir=tmp_path / "state",
        approver="ana",
        config=load_config(path),
    )


def test_add_pick_and_roll_back_as_a_new_user_would(quiet_day):
    bot = quiet_day
    before = bot.ask("what should we offer U127?").recommended
    assert before == "ignore"
    turn = bot.ask(ADD)
    action = turn.pending
    assert action is not None and action.tool == "add_treatment"
    assert action.title == "Add 10% discount SMS to the treatment catalogue"
    assert action.details == [
        "Catalogue version 1 → 2 (new decisions use it at once):",
        "+ discount_sms_10pct: 10% discount SMS (sms, marketing, £1.00 a contact, "
        "200 a day)",
    ]
    assert "nothing has changed yet" in turn.reply
    assert "10% discount SMS" not in listed(bot)  # held, not made
    done = bot.approve(action.id)  # the UI's Approve, by its id
    assert "**Catalogue version 2 is in force**" in done.reply
    assert "| 10% discount SMS | SMS | marketing | £1.00 | 200 |" in listed(bot)
    assert bot.ask("what should we offer U127?").recommended == KEY
    assert KEY in build_system_prompt(bot.ctx.config)  # the model's list follows
    rollback = bot.ask("roll back the catalogue")
    assert rollback.pending.tool == "rollback_catalogue"
    assert rollback.pending.details[1:] == [
        "- discount_sms_10pct: 10% discount SMS (sms, marketing, £1.00 a contact, "
        "200 a day) (removed)"
    ]
    assert "version 3 is in force" in bot.ask("yes").reply.replace("*", "")
    assert "10% discount SMS" not in listed(bot)
    assert bot.ask("what should we offer U127?").recommended == before
    assert KEY not in build_system_prompt(bot.ctx.config)
    changes = [a for a in bot.ctx.ledger.read_audit() if "catalogue" in a.record]
    assert [(a.approver, a.record["catalogue"]["action"]) for a in changes] == [
        ("ana", "rollback"),
        ("ana (ui)", "add"),  # approved with the UI's button
    ]
    history = bot.ask("catalogue history").reply
    assert "v3 by ana" in history and "v2 by ana" in history


def test_a_question_or_another_message_changes_nothing(bot):
    bot.ask("disable the marketing call back")
    for text in ("is that wise?", "Confirm the number of treatments", "yes?"):
        last = bot.ask(text)
        assert bot.ctx.ledger.catalogue_head() is None
    assert last.asked_back  # "yes?" got the numbered readings, not a confirmation
    shown = bot.ask("yes")  # so a bare yes shows the change again first
    assert shown.reply.startswith("Before anything is done")
    assert bot.ctx.ledger.catalogue_head() is None
    assert bot.ask("yes").reply.startswith("**Catalogue version 2 is in force**")
    assert bot.ctx.config.treatments["marketing_call_back"].enabled is False


def test_a_change_missing_its_details_asks_for_them_and_holds_nothing(bot):
    turn = bot.ask("add a new treatment called Winter SMS, £1 a contact")
    assert turn.pending is None
    assert "purpose" in turn.reply and "channel" in turn.reply
    ambiguous = bot.ask("raise the capacity to 8")
    assert ambiguous.pending is None and "Which treatment?" in ambiguous.reply


@pytest.mark.parametrize(
    "text,field,value",
    [
        ("raise the retention sms capacity to 1,500", "max_per_day", 1500),
        ("set the retention sms cost to 40p", "cost", 0.4),
        ("set the retention sms cost to £0.40", "cost", 0.4),
        ("set the retention sms propensity to 15%", "base_propensity", 0.15),
    ],
)
def test_a_change_reads_its_value_as_every_amount_is_read(bot, text, field, value):
    turn = bot.ask(text)
    assert turn.pending is not None and turn.pending.tool == "change_treatment"
    assert turn.pending.arguments[field] == value


def test_a_capacity_below_todays_bookings_is_refused_before_it_is_held(bot):
    allocate_treatment("U124", "bill_review_call", "ana", bot.ctx)
    turn = bot.ask("set the bill review call capacity to 0")
    assert turn.pending is None
    assert "CAPACITY" in turn.reply and "1 already booked today" in turn.reply
    forced = bot.ask("set the bill review call capacity to 0 anyway")
    assert forced.pending is not None
    assert forced.pending.details[-1].startswith("Today's bookings stay:")


def test_without_the_catalogue_role_an_approval_is_refused(tmp_path, config):
    settings = config.settings.model_copy(update={"catalogue_editors": ["ana"]})
    bob = Assistant.create(
        model="offline",
        state_dir=tmp_path / "state",
        config=config.model_copy(update={"settings": settings}),
        approver="bob",
    )
    turn = bob.ask(ADD)
    done = bob.approve(turn.pending.id)
    assert "ROLE" in done.reply and "bob may not change the treatment catalogue" in (
        done.reply
    )
    assert bob.ctx.ledger.catalogue_head() is None
    ana = Assistant.create(
        model="offline",
        state_dir=tmp_path / "state",
        config=config.model_copy(update={"settings": settings}),
        approver="ana",
    )
    ok = ana.approve(ana.ask(ADD).pending.id)
    assert "approved by ana (ui)" in ok.reply
    assert ana.ctx.ledger.catalogue_head().version == 2


def test_a_models_change_is_held_until_the_analyst_confirms(tmp_path):
    model = ScriptedModel(
        [
            {
                "tool_calls": [
                    {
                        "name": "change_treatment",
                        "arguments": {
                            "treatment_key": "retention_sms",
                            "max_per_day": 500,
                        },
                    }
                ]
            },
            {"content": "I have proposed halving the retention SMS capacity."},
        ]
    )
    bot = Assistant.create(model=model, state_dir=tmp_path / "state", approver="ana")
    turn = bot.ask("halve the retention sms capacity")
    assert turn.pending is not None and turn.pending.tool == "change_treatment"
    assert "~ retention_sms.max_per_day: 1000 → 500" in turn.pending.details
    assert bot.ctx.ledger.catalogue_head() is None
    done = bot.ask("yes")
    assert bot.ctx.config.constraints["retention_sms"].max_per_day == 500
    assert "approved by ana" in done.reply


def test_the_catalogue_tools_are_registered_read_and_write():
    kinds = {n: TOOLS[n].kind for n in TOOLS if "catalogue" in n or "treatment" in n}
    assert kinds["add_treatment"] == kinds["change_treatment"] == "WRITE"
    assert kinds["rollback_catalogue"] == "WRITE"
    assert kinds["catalogue_history"] == kinds["show_treatment"] == "READ"


def test_the_uis_treatment_list_follows_a_change_from_another_context(bot, tmp_path):
    other = ToolContext.create(state_dir=tmp_path / "state")
    from tools.catalogue_changes import CatalogueChange
    from tools.catalogue_tools import commit_change

    commit_change(
        CatalogueChange(action="disable", treatment_key="retention_email"),
        other,
        "x",
        login=False,
    )
    assert "| Retention Email (off) |" in listed(bot)


def _logged_in(tmp_path, config, who: str, editors: list[str] | None) -> Assistant:
    """An assistant as the UI makes it for a logged-in analyst."""
    settings = config.settings.model_copy(update={"catalogue_editors": editors})
    bot = Assistant.create(
        model="offline",
        state_dir=tmp_path / "state",
        config=config.model_copy(update={"settings": settings}),
        approver=who,
        login=True,
    )
    return bot


def test_with_login_only_a_catalogue_editor_may_approve(tmp_path, config):
    bob = _logged_in(tmp_path, config, "bob", ["ana"])
    refused = bob.approve(bob.ask(ADD).pending.id)  # the UI's Approve
    assert "ROLE" in refused.reply
    assert "bob may not change the treatment catalogue" in refused.reply
    assert "settings.catalogue_editors: ana" in refused.reply
    bob.ask("disable the marketing call back")
    assert "ROLE" in bob.ask("yes").reply  # typed, likewise
    assert bob.ctx.ledger.catalogue_head() is None
    assert not [a for a in bob.ctx.ledger.read_audit() if "catalogue" in a.record]
    ana = _logged_in(tmp_path, config, "ana", ["ana"])
    done = ana.approve(ana.ask(ADD).pending.id)
    assert "**Catalogue version 2 is in force**" in done.reply
    assert KEY in bob.ctx.config.treatments  # bob's next decision sees it
    [audit] = [a for a in ana.ctx.ledger.read_audit() if "catalogue" in a.record]
    assert (audit.approver, audit.record["catalogue"]["action"]) == (
        "ana (ui)",
        "add",
    )


def test_with_login_and_no_catalogue_role_configured_nobody_may_change_it(
    tmp_path, config
):
    ana = _logged_in(tmp_path, config, "ana", None)
    refused = ana.approve(ana.ask(ADD).pending.id)
    assert "ROLE" in refused.reply
    assert "with login on, changing the treatment catalogue needs" in refused.reply
    assert "settings.catalogue_editors is not set" in refused.reply
    assert "catalogue_editors: [ana]" in refused.reply  # how to configure it
    assert ana.ctx.ledger.catalogue_head() is None
    empty = _logged_in(tmp_path, config, "ana", [])
    again = empty.approve(empty.ask(ADD).pending.id)
    assert "nobody may change the treatment catalogue" in again.reply
    assert empty.ctx.ledger.catalogue_head() is None
    without_login = Assistant.create(
        model="offline", state_dir=tmp_path / "state", config=config, approver="ana"
    )  # no login, no role configured: anyone who may approve (as the CLI)
    done = without_login.approve(without_login.ask(ADD).pending.id)
    assert "**Catalogue version 2 is in force**" in done.reply
