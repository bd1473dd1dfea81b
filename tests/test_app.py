"""Chainlit handlers, driven without a server through a recording emitter."""

from __future__ import annotations

import asyncio
import hashlib
from functools import cache
from typing import Any

from tests.lazy import lazy
from tests.ui_start import failed_ui_start
from tools.allocation import list_allocations
from tools.context import ToolContext

# chainlit and the UI load when a test first uses them, not in every worker's
# collection (tests/lazy.py)
cl = lazy("chainlit")
app = lazy("assistant.ui.app")


@cache
def _emitter_class() -> type:
    """``RecordingEmitter``, defined when chainlit is first needed."""
    from chainlit.emitter import BaseChainlitEmitter

    class RecordingEmitter(BaseChainlitEmitter):
        """Records what the handlers send; answers approval prompts as told."""

        def __init__(self, session: Any, approve: bool = True) -> None:
            super().__init__(session)
            self.steps: list[dict[str, Any]] = []
            self.events: list[tuple[str, Any]] = []
            self.tokens: list[str] = []
            self.asked: list[dict[str, Any]] = []
            self.approve = approve

        async def send_step(self, step_dict):
            self.steps.append(dict(step_dict))

        async def update_step(self, step_dict):
            self.steps.append(dict(step_dict))

        async def stream_start(self, step_dict):
            self.steps.append(dict(step_dict))

        async def send_token(self, id, token, is_sequence=False, is_input=False):
            self.tokens.append(token)

        async def emit(self, event, data):
            self.events.append((event, data))

        async def send_element(self, element_dict):
            self.events.append(("element", dict(element_dict)))

        async def send_ask_user(self, step_dict, spec, raise_on_timeout=False):
            self.asked.append(dict(step_dict))
            return {
                "name": "approve" if self.approve else "decline",
                "payload": {"approved": self.approve},
                "label": "Approve",
                "tooltip": "",
                "forId": step_dict["id"],
                "id": "x",
            }

    return RecordingEmitter


def recording_emitter(session: Any, approve: bool = True) -> Any:
    """A new recording emitter for ``session``."""
    return _emitter_class()(session, approve)


def run(handler_calls, approve=True, user=None):
    async def main():
        from chainlit.context import ChainlitContext, context_var
        from chainlit.session import HTTPSession

        session = HTTPSession(
            id="test-session", thread_id="t1", client_type="webapp", user=user
        )
        emitter = recording_emitter(session, approve)
        context_var.set(ChainlitContext(session, emitter=emitter))
        await app.start()
        for call in handler_calls:
            await call()
        return emitter, cl.user_session.get("bot")

    return asyncio.run(main())


def tool_steps(emitter):
    final = {}
    for s in emitter.steps:
        if s.get("type") == "tool":
            final[s["id"]] = s
    return list(final.values())


def messages(emitter):
    final = {}
    for s in emitter.steps:
        if s.get("type") == "assistant_message":
            final[s["id"]] = s
    return [s["output"] for s in final.values()]


def test_starters():
    starters = asyncio.run(app.starters())
    assert [s.message for s in starters][:3] == [
        "What should we offer U124?",
        "How many call-backs are left today?",
        "Explain U126's contact permissions",
    ]


def test_recommendation_shows_steps_answer_card_and_actions():
    emitter, bot = run([lambda: app.respond("What should we offer U124?")])
    assert [s["name"] for s in tool_steps(emitter)] == [
        "get_customer_data",
        "recommend_treatment",
    ]
    outputs = messages(emitter)
    assert any("recommend Bill Review Call" in o for o in outputs)
    card = next(o for o in outputs if o.startswith("### U124: Bill Review Call"))
    assert "Excluded by contact rules" in card and "CONSENT" in card
    assert "Expected value" in card and "Contact" in card
    actions = [d["name"] for e, d in emitter.events if e == "action"]
    assert actions == ["book", "alternative", "why", "journey"]
    assert len(emitter.tokens) > 5  # streamed in pieces, the first via stream_start
    answer = next(o for o in outputs if "recommend Bill Review Call" in o)
    assert answer.endswith("".join(emitter.tokens[-3:]))
    assert list_allocations(bot.ctx) == []


def sent_actions(emitter, name):
    """The actions of that name the server sent, oldest first."""
    return [
        cl.Action(name=d["name"], payload=d["payload"], label=d["label"])
        for e, d in emitter.events
        if e == "action" and d["name"] == name
    ]


async def click(name, emitter, index=-1):
    handler = {
        "book": app.on_book,
        "approve": app.on_approve,
        "decline": app.on_decline,
        "alternative": app.on_alternative,
        "why": app.on_why,
        "journey": app.on_journey,
        "book_plan": app.on_book_plan,
        "choose_reading": app.on_choose_reading,
    }[name]
    await handler(sent_actions(emitter, name)[index])


def run_clicks(steps, user=None):
    """Run handler steps; each step gets the emitter (to click what was sent)."""

    async def main():
        from chainlit.context import ChainlitContext, context_var
        from chainlit.session import HTTPSession

        session = HTTPSession(
            id="test-session", thread_id="t1", client_type="webapp", user=user
        )
        emitter = recording_emitter(session)
        context_var.set(ChainlitContext(session, emitter=emitter))
        await app.start()
        for step in steps:
            await step(emitter)
        return emitter, cl.user_session.get("bot")

    return asyncio.run(main())


def test_book_then_approve_books_with_the_approver_by_server_id():
    user = cl.User(identifier="ana")
    emitter, bot = run_clicks(
        [
            lambda e: app.respond("What should we offer U124?"),
            lambda e: click("book", e),
            lambda e: click("approve", e),
        ],
        user=user,
    )
    [book] = sent_actions(emitter, "book")
    assert set(book.payload) == {"id"}  # only a server-issued id, no customer/key
    assert any(
        o.startswith("**Book Bill Review Call for U124?**") for o in messages(emitter)
    )
    [booked] = list_allocations(bot.ctx)
    assert (booked.customer_id, booked.treatment_key) == ("U124", "bill_review_call")
    assert booked.approved_by == "ana (ui)"
    assert any("Booked Bill Review Call" in o for o in messages(emitter))
    assert emitter.asked == []  # no blocking ask: nothing can leave the UI frozen


def test_book_then_cancel_books_nothing_and_the_chat_goes_on():
    emitter, bot = run_clicks(
        [
            lambda e: app.respond("What should we offer U124?"),
            lambda e: click("book", e),
            lambda e: click("decline", e),
            lambda e: click("approve", e),  # a late Approve of the declined action
            lambda e: app.respond("How many call-backs are left today?"),
        ]
    )
    assert list_allocations(bot.ctx) == []
    outputs = messages(emitter)
    assert any("was not approved. Nothing was written" in o for o in outputs)
    assert any(
        "can no longer be approved: the analyst declined it" in o for o in outputs
    )
    assert any("left" in o for o in outputs[-3:])


def test_forged_and_stale_payloads_write_nothing_and_are_never_messages():
    forged = [
        {"customer_id": "U999", "treatment_key": "early_upgrade"},
        {"id": "made-up"},
        {"id": None},
        {"customer_id": "U124 and book it"},
    ]

    async def forge(e):
        for payload in forged:
            for name in ("book", "approve", "alternative", "why", "journey"):
                handler = getattr(app, f"on_{name}")
                await handler(cl.Action(name=name, payload=payload, label=name))
        # a real id used for another kind of button ("card" id on Approve)
        why = sent_actions(e, "why")[-1]
        await app.on_approve(cl.Action(name="approve", payload=why.payload, label="x"))

    emitter, bot = run_clicks(
        [lambda e: app.respond("What should we offer U124?"), forge]
    )
    assert list_allocations(bot.ctx) == []
    questions = [m.content for m in bot.session.messages if m.role == "user"]
    assert questions == ["What should we offer U124?"]  # no payload became a message
    refusals = [o for o in messages(emitter) if "not one I issued" in o]
    assert len(refusals) == len(forged) * 5 + 1


def test_approve_after_the_conversation_moved_to_another_customer_books_nothing():
    emitter, bot = run_clicks(
        [
            lambda e: app.respond("What should we offer U124?"),
            lambda e: click("book", e),
            lambda e: app.respond("Show U123's journey"),
            lambda e: click("approve", e),
        ]
    )
    assert list_allocations(bot.ctx) == []
    assert any("moved to U123" in o for o in messages(emitter))


def test_refused_tool_call_is_a_visible_error_step_with_its_rule():
    emitter, _ = run([lambda: app.respond("Book a retention SMS for U124")])
    errors = [s for s in tool_steps(emitter) if s.get("isError")]
    assert errors and errors[0]["name"] == "allocate_treatment"
    assert errors[0]["output"].startswith("CONSENT")


def test_pictures_capacity_and_journey():
    emitter, _ = run([lambda: app.respond("How many call-backs are left today?")])
    charts = {d["name"] for e, d in emitter.events if e == "element"}
    assert "check_availability-chart" in charts or "get_constraints-chart" in charts
    emitter2, bot = run_clicks(
        [
            lambda e: app.respond("What should we offer U124?"),
            lambda e: click("journey", e),
        ]
    )
    # the Journey button runs the journey through the same loop: a turn, a chart
    assert [m.content for m in bot.session.messages if m.role == "user"] == [
        "What should we offer U124?",
        "(UI) Journey for U124",
    ]
    charts = {d["name"] for e, d in emitter2.events if e == "element"}
    assert "build_journey-chart" in charts
    assert any("journey" in o.lower() and "U124" in o for o in messages(emitter2))


def test_journey_and_capacity_charts_have_the_data():
    from assistant.views.charts import capacity_chart, journey_chart
    from tools.allocation import get_constraints
    from tools.journey import build_journey

    fig = journey_chart(build_journey("U124", ToolContext.create()))
    names = [t.name for t in fig.data]
    assert {"data used", "allowance", "bill", "negative contact"} <= set(names)
    bills = next(t for t in fig.data if t.name == "bill")
    assert list(bills.y) == [78.49, 91.74]
    cap = capacity_chart(get_constraints(ctx=ToolContext.create()))
    assert "Marketing Call Back" in list(cap.data[0].y)


def test_password_users_and_check():
    import os

    os.environ["CVM_USERS"] = (
        "ana:secret, bob:sha256:" + hashlib.sha256(b"pw").hexdigest()
    )
    try:
        users = app.load_users()
    finally:
        del os.environ["CVM_USERS"]
    assert set(users) == {"ana", "bob"}
    assert app.check_password(users, "ana", "secret")
    assert not app.check_password(users, "ana", "wrong")
    assert app.check_password(users, "bob", "pw")
    assert not app.check_password(users, "eve", "pw")


def test_broken_config_stops_the_ui_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("treatments: {}\nconstraints: {}\nmodle: {}\n")
    text = failed_ui_start(CVM_CONFIG=str(bad))
    assert text.splitlines() == [
        f"cvm: config error in {bad}: modle: unknown key 'modle' "
        "(did you mean 'model'?)"
    ]


def test_one_step_line_per_tool_with_every_call_inside():
    emitter, _ = run([lambda: app.respond("How many call-backs are left today?")])
    [step] = tool_steps(emitter)
    assert step["name"] == "check_availability - 5 calls"
    import json

    calls = json.loads(step["output"])
    assert list(calls) == [f"call {i}" for i in range(1, 6)]
    assert {c["treatment_key"] for c in calls.values()} == {
        "service_call_back",
        "marketing_call_back",
        "bill_review_call",
        "request_call_back",
        "account_manager_call",
    }
    assert not step.get("isError") and step["end"]


def test_the_ui_is_branded_and_charts_follow_the_theme():
    import json
    import xml.etree.ElementTree as ET
    from pathlib import Path

    from chainlit.config import config

    from assistant.views.charts import capacity_chart, journey_chart
    from tools.allocation import get_constraints
    from tools.journey import build_journey

    root = Path(app.__file__).resolve().parents[2]
    assert config.ui.name == "CVM Assistant" and config.ui.language == "en-US"
    assert (root / (config.ui.custom_css or "?").lstrip("/")).is_file()
    for name in ("logo_light", "logo_dark", "favicon", "avatars/cvm_assistant"):
        svg = ET.parse(root / "public" / f"{name}.svg").getroot()
        assert svg.tag.endswith("svg") and svg.get("aria-label") == "CVM Assistant"
    light = (root / "public/logo_light.svg").read_text()
    dark = (root / "public/logo_dark.svg").read_text()
    assert light != dark  # the wordmark is readable on each background
    footer = json.loads((root / ".chainlit/translations/en-US.json").read_text())
    assert "LLMs can make mistakes" not in footer["chat"]["watermark"]
    assert "Nothing is booked without your approval" in footer["chat"]["watermark"]
    for fig in (
        journey_chart(build_journey("U124", ToolContext.create())),
        capacity_chart(get_constraints(ctx=ToolContext.create())),
    ):
        assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "rgba(0,0,0,0)"
        assert fig.layout.template.layout.to_plotly_json() == {}  # no built-in theme


def test_plan_card_with_chart_csv_and_book_plan_approval():
    emitter, bot = run([lambda: app.respond("Who should we call today?")])
    names = [s["name"] for s in emitter.steps]
    assert "plan solver" in names and "plan_campaign" in names
    plan_id = bot.session.plan_id
    card = next(o for o in messages(emitter) if o.startswith(f"### Plan {plan_id}"))
    assert "| Treatment | Planned | Capacity left | Value | One more slot |" in card
    assert "First come, in id order" in card and "Greedy by value" in card
    actions = [d for e, d in emitter.events if e == "action"]
    assert any(a["name"] == "book_plan" for a in actions)
    elements = {d["name"]: d for e, d in emitter.events if e == "element"}
    assert elements[f"plan-{plan_id}"]["type"] == "plotly"
    assert elements[f"plan-{plan_id}.csv"]["type"] == "file"
    assert list_allocations(bot.ctx) == []

    emitter2, bot2 = run_clicks(
        [
            lambda e: app.respond("Who should we call today?"),
            lambda e: click("book_plan", e),
            lambda e: click("approve", e),
        ]
    )
    [book_plan] = sent_actions(emitter2, "book_plan")
    assert set(book_plan.payload) == {"id"}  # only a server-issued id
    assert any(o.startswith("**Book plan ") for o in messages(emitter2))
    assert emitter2.asked == []  # no blocking ask
    booked = list_allocations(bot2.ctx)
    assert booked and {b.approved_by for b in booked} == {"analyst (ui)"}
    assert any("booked" in o and bot2.session.plan_id in o for o in messages(emitter2))


def test_book_plan_button_for_a_stale_plan_books_nothing():
    async def forged(e):
        await app.on_book_plan(cl.Action(name="book_plan", payload={"plan_id": "P1-1"}))

    emitter, bot = run_clicks(
        [lambda e: app.respond("Who should we call today?"), forged]
    )
    assert not any(o.startswith("**Book plan ") for o in messages(emitter))
    assert list_allocations(bot.ctx) == []


def test_plan_declined_in_the_ui_books_nothing():
    emitter, bot = run_clicks(
        [
            lambda e: app.respond("Who should we call today?"),
            lambda e: click("book_plan", e),
            lambda e: click("decline", e),
            lambda e: click("approve", e),
        ]
    )
    assert list_allocations(bot.ctx) == []
    assert any("was not approved" in o for o in messages(emitter))


def test_a_turn_stopped_after_partial_streaming_shows_the_clear_reply():
    from assistant.models.base import unreadable

    class CutOff:
        name, model_id, uses_prompt = "cutoff", "cutoff", False

        def complete(self, request, on_token=None):
            on_token("Offer U124 the mar")  # the stream breaks off here
            raise unreadable("the stream ended before the answer was complete")

    async def ask():
        app._bot().model = CutOff()
        await app.respond("What should we offer U124?")

    emitter, bot = run([ask])
    shown = messages(emitter)[-1]
    assert shown.startswith("The model service returned an unreadable answer")
    assert "Offer U124 the mar" not in shown


def test_base_answers_draw_their_declared_charts_under_the_answer():
    emitter, _ = run([lambda: app.respond("summarise the base")])
    elements = {d["name"]: d for e, d in emitter.events if e == "element"}
    assert elements["summarise_base-chart"]["type"] == "plotly"
    emitter, _ = run([lambda: app.respond("top 5 by expected value")])
    elements = {d["name"]: d for e, d in emitter.events if e == "element"}
    assert elements["find_customers-chart"]["type"] == "plotly"
    emitter, _ = run([lambda: app.respond("What should we offer U124?")])
    assert not [d for e, d in emitter.events if e == "element"]  # no tool chart


def test_an_unsure_reading_shows_its_choices_as_buttons_that_answer(monkeypatch):
    import dataclasses

    import assistant.planner.reading as reading
    from assistant.planner.classifier import weights

    strict = dataclasses.replace(weights(), threshold=1.01, agree_floor=1.01)
    monkeypatch.setattr(reading, "weights", lambda: strict)
    from tests.test_classifier import never_sure

    never_sure(monkeypatch)  # no rule acts below the threshold
    emitter, bot = run_clicks(
        [
            lambda e: app.respond("What should we offer U124?"),
            lambda e: click("choose_reading", e, 0),
        ]
    )
    choices = sent_actions(emitter, "choose_reading")
    assert choices and all(set(c.payload) == {"id"} for c in choices)
    assert choices[0].label.startswith("1. recommend the next best action")
    assert "recommend_treatment" in [s["name"] for s in tool_steps(emitter)]
    assert any(o.startswith("### U124: ") for o in messages(emitter))  # the card
    assert list_allocations(bot.ctx) == []  # a choice proposes, never books
