"""A conversation's state saved as typed data and resumed: context back, nothing
approvable carried over (issue 24 part 2)."""

from __future__ import annotations

import json

from assistant.api import Assistant
from assistant.core.state import SessionState, from_state, to_state
from assistant.ui.persistence_resume import resume_session
from tests.lazy import lazy
from tools.allocation import allocate_treatment, list_allocations

# the UI's persistence (chainlit, SQLAlchemy) loads when a test first uses it
# (tests/lazy.py)
persistence = lazy("assistant.ui.persistence")
thread_store = lazy("tools.thread_store")


def _saved(bot: Assistant) -> str:
    """The state as the thread stores it: JSON text."""
    return json.dumps(to_state(bot.session).model_dump(mode="json"))


def _metadata(state: object) -> dict:
    """A stored thread whose metadata holds ``state`` under the state key."""
    return {"metadata": {thread_store.STATE_KEY: state}}


def _resumed(text: str, approver: str = "ana") -> tuple[Assistant, str]:
    bot = Assistant.create(model="offline", approver=approver, login=True)
    state = persistence.saved_state(_metadata(json.loads(text)))
    resumed = resume_session(bot, state)
    return bot, resumed.line


def test_the_state_round_trips_as_json_and_the_conversation_goes_on(config):
    bot = Assistant.create(model="offline", config=config, approver="ana")
    bot.ask("What should we offer U128?")
    bot.ask("Which customers have a high churn risk?")
    bot.ask("What should we offer U128?")
    text = _saved(bot)
    state = SessionState.model_validate_json(text)
    again, was = from_state(state, "ana")
    assert was is not None and was.title == "Book Personalised Offer for U128"
    assert again.pending is None  # never restored as a pending action
    assert again.customer_id == "U128" == bot.session.customer_id
    assert again.last_recommendation == bot.session.last_recommendation
    assert again.focus == bot.session.focus and again.focus.found_list
    assert again.turns == 3
    assert [m.model_dump() for m in again.messages] == [
        m.model_dump() for m in bot.session.messages
    ]
    assert to_state(again).model_dump(exclude={"was_pending"}) == state.model_dump(
        exclude={"was_pending"}
    )
    fresh = Assistant.create(model="offline", config=config, approver="ana")
    fresh.session = again
    why = fresh.ask("why?")
    assert "Personalised Offer" in why.reply and "U128" in why.reply
    cost = fresh.ask("what does it cost?")
    assert "U128" in cost.reply and "£" in cost.reply


def test_the_saved_state_holds_no_approvable_id_nor_confirmation(config):
    bot = Assistant.create(model="offline", config=config, approver="ana")
    turn = bot.ask("What should we offer U128?")
    pending = turn.pending
    assert pending is not None
    text = _saved(bot)
    assert pending.id not in text
    assert "confirmations" not in text
    restored, _ = from_state(SessionState.model_validate_json(text), "ana")
    assert restored.pending is None and restored.shown is None


def test_a_typed_yes_after_a_plain_restore_books_nothing(ctx):
    bot = Assistant.create(model="offline", config=ctx.config, approver="ana")
    bot.ask("What should we offer U128?")
    again = Assistant.create(model="offline", config=ctx.config, approver="ana")
    again.session, _ = from_state(SessionState.model_validate_json(_saved(bot)), "ana")
    again.ask("yes")
    assert list_allocations(ctx) == []


def test_resume_proposes_the_pending_action_again_with_a_fresh_id(ctx):
    bot = Assistant.create(model="offline", config=ctx.config, approver="ana")
    old = bot.ask("What should we offer U128?").pending
    assert old is not None
    again, line = _resumed(_saved(bot))
    new = again.session.pending
    assert new is not None and new.id != old.id
    assert (new.tool, new.arguments) == (old.tool, old.arguments)
    assert again.session.shown == new.id  # shown with the resume line
    assert again.session.login and again.session.approver == "ana"
    assert "customer in focus U128" in line
    assert "proposed again" in line
    stale = again.approve(old.id)  # the old server's id approves nothing
    assert "can no longer be approved" in stale.reply
    assert list_allocations(ctx) == []
    done = again.approve(new.id)
    assert [a.customer_id for a in list_allocations(ctx)] == ["U128"], done.reply


def test_resume_drops_a_pending_action_the_rules_now_refuse(ctx):
    bot = Assistant.create(model="offline", config=ctx.config, approver="ana")
    assert bot.ask("What should we offer U128?").pending is not None
    allocate_treatment("U128", "personalized_offer", "bob", ctx)  # booked elsewhere
    again, line = _resumed(_saved(bot))
    assert again.session.pending is None
    assert "was dropped" in line and "Nothing was written" in line
    assert len(list_allocations(ctx)) == 1


def test_resume_drops_an_action_that_needed_the_analysts_override(ctx):
    bot = Assistant.create(model="offline", config=ctx.config, approver="ana")
    bot.ask("What should we offer U123?")
    turn = bot.ask("book marketing call back for U123")
    assert turn.pending is not None and turn.pending.overrides == ("SUITABILITY",)
    again, line = _resumed(_saved(bot))
    assert again.session.pending is None
    assert "SUITABILITY" in line and "was dropped" in line
    again.ask("yes")
    assert list_allocations(ctx) == []


def test_an_unreadable_or_missing_state_resumes_afresh():
    assert persistence.saved_state({"metadata": "not json"}) is None
    assert persistence.saved_state(_metadata({"turns": -1})) is None
    assert persistence.saved_state({"metadata": json.dumps({"other": 1})}) is None
    bot = Assistant.create(model="offline", approver="ana")
    line = resume_session(bot, None).line
    assert "start afresh" in line and bot.session.customer_id is None
