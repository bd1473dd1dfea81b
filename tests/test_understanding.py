"""The offline planner's understanding, measured on a labelled corpus of messages.

``tests/corpus/understanding.yaml`` holds analyst messages with the intent and
slots expected; the test prints the coverage per intent and fails below 95%.
Every intent's own examples (the table's ``examples``) must be understood too.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.api import Assistant
from assistant.core.confirm import confirms, declines
from assistant.planner.intents import FOLLOW_ON, TABLE, cue_words
from assistant.planner.planner import understand
from assistant.planner.utterance import read
from tools.config import get_config

CORPUS = Path(__file__).parent / "corpus" / "understanding.yaml"
# phrasings of intents read by their cues alone (not training data for the reader)
CUE_ONLY = Path(__file__).parent / "corpus" / "understanding-cue-only.yaml"
TARGET = 0.95
SLOTS = (
    "treatments",
    "channels",
    "excluded_channels",
    "max_cost",
    "count",
    "ordinal",
    "allocation_id",
)


class Labelled(BaseModel):
    """One message with what it must be read as."""

    model_config = ConfigDict(extra="forbid")
    text: str
    intent: str
    customers: list[str] | None = None
    treatments: list[str] | None = None
    channels: list[str] | None = None
    excluded_channels: list[str] | None = None
    max_cost: float | None = None
    count: int | None = None
    ordinal: int | None = None
    allocation_id: int | None = None
    facets: list[str] | None = None


class Section(BaseModel):
    """Messages read in the same context."""

    model_config = ConfigDict(extra="forbid")
    section: str
    context: list[str] = Field(default_factory=list)
    messages: list[Labelled]


def load() -> list[Section]:
    raw = [
        s
        for path in (CORPUS, CUE_ONLY)
        for s in yaml.safe_load(path.read_text("utf-8"))
    ]
    return [Section.model_validate(s) for s in raw]


def read_in_context(text: str, bot: Assistant):  # type: ignore[no-untyped-def]
    """The planner's reading of ``text`` in the bot's conversation (left unchanged)."""
    session = copy.deepcopy(bot.session)
    memory = copy.deepcopy(bot.model.memory(bot.session))
    return understand(text, session, memory, bot.ctx.config)


def misreadings(item: Labelled, bot: Assistant) -> list[str]:
    """How the reading differs from the label (empty: understood).

    A whole-message confirmation or decline of the action pending is read by the
    guard before the planner (labels ``confirm`` / ``decline``).
    """
    pending = bot.session.pending
    if pending is not None and confirms(item.text, pending.confirmations):
        return [] if item.intent == "confirm" else ["intent confirm"]
    if pending is not None and declines(item.text):
        return [] if item.intent == "decline" else ["intent decline"]
    intent, ask = read_in_context(item.text, bot)
    got: dict[str, Any] = {"intent": intent.name, "customers": ask.customers}
    got |= {slot: getattr(ask.u, slot) for slot in SLOTS}
    wrong = [f"intent {intent.name}"] if intent.name != item.intent else []
    want = item.model_dump(exclude_none=True, exclude={"text", "intent", "facets"})
    wrong += [f"{k} {got[k]!r} (want {v!r})" for k, v in want.items() if got[k] != v]
    missing = set(item.facets or []) - set(ask.u.facets)
    wrong += [f"facets {ask.u.facets} (want {item.facets})"] if missing else []
    return wrong


def test_corpus_is_large_and_varied():
    sections = load()
    items = [m for s in sections for m in s.messages]
    per_intent = Counter(m.intent for m in items)
    assert len(items) >= 300
    keys = {(tuple(s.context), m.text) for s in sections for m in s.messages}
    assert len(keys) == len(items), "a phrasing is listed twice in one context"
    for intent in TABLE:
        assert per_intent[intent.name] >= 5, f"few phrasings of {intent.name}"
    assert per_intent["confirm"] >= 5  # read by the guard, before the planner


def test_understanding_coverage(tmp_path, capsys):
    understood, failures = Counter[str](), []
    totals = Counter[str]()
    for n, section in enumerate(load()):
        bot = Assistant.create(model="offline", state_dir=tmp_path / f"s{n}")
        for message in section.context:
            bot.ask(message)
        for item in section.messages:
            totals[item.intent] += 1
            wrong = misreadings(item, bot)
            if wrong:
                failures.append(
                    f"  [{section.section}] {item.text!r}: {'; '.join(wrong)}"
                )
            else:
                understood[item.intent] += 1
    total, ok = sum(totals.values()), sum(understood.values())
    coverage = ok / total
    with capsys.disabled():
        print(f"\nunderstanding corpus: {ok}/{total} = {coverage:.1%}")
        for intent in sorted(totals):
            print(f"  {intent:<12} {understood[intent]:>3}/{totals[intent]}")
        if failures:
            print("misread:\n" + "\n".join(failures))
    assert coverage >= TARGET, f"coverage {coverage:.1%} < {TARGET:.0%}"


@pytest.mark.parametrize("intent", TABLE, ids=lambda i: i.name)
def test_every_intent_understands_its_own_examples(intent, tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "s")
    context = ["give me the top 3 options for U128"]
    if intent.name == "compare":  # "both" refers to the customers just compared
        context.append("compare U124 and U126")
    if intent.name == "plan_explain":  # who is in and out of the plan in focus
        context.append("plan today's campaign")
    for message in context:
        bot.ask(message)
    for example in intent.examples:
        got, ask = read_in_context(example, bot)
        # by design (the learned reader): below its calibrated confidence the
        # intent may be offered among the closest readings instead of acted on
        offered = got.name == "clarify" and intent.name in ask.memory.choices
        assert got.name == intent.name or offered, f"{example!r} read as {got.name}"


def test_follow_ons_repeat_the_last_question_for_another_customer(tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "s")
    bot.ask("show U124's bills")
    for example in FOLLOW_ON.examples:
        got, ask = read_in_context(example, bot)
        assert got.name == "facts" and ask.u.facets == ["bills"], example
        assert ask.customers[0] != "U124"


def test_typos_are_corrected_against_the_vocabulary():
    u = read("wat shud we ofer u124 - a retension emial?", get_config(), cue_words())
    assert u.norm.startswith("what should we offer u124")
    assert u.treatments == ["retention_email"]
    assert u.corrected["shud"] == "should"
    assert (
        read("them", get_config(), cue_words()).norm == "them"
    )  # known words are kept


def test_every_corpus_message_gets_an_answer_without_error(tmp_path):
    """Each message run as a real turn in its context: a reply, no internal error."""
    problems = []
    for n, section in enumerate(load()):
        bot = Assistant.create(model="offline", state_dir=tmp_path / f"s{n}")
        for message in section.context:
            bot.ask(message)
        for item in section.messages:
            trial = copy.deepcopy(bot.session)
            saved, bot.session = bot.session, trial
            turn = bot.ask(item.text)
            bot.session = saved
            if turn.stopped or not turn.reply.strip():
                problems.append(f"{item.text!r}: stopped={turn.stopped} {turn.reply!r}")
    assert not problems, "\n".join(problems)


def test_a_customer_named_in_a_message_not_understood_stays_in_focus(tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    missed = bot.ask("hey whats the deal w u124")
    # by design (the learned reader): unsure, it offers its closest readings
    assert missed.reply.startswith(("I can't do that here.", "I'm not sure what"))
    assert [c.name for c in missed.tool_calls] == ["get_customer_data"]
    assert bot.session.customer_id == "U124"
    after = bot.ask("ok so what should we do w them rn")
    assert after.recommended == "bill_review_call"  # hers: the open dispute first
    gone = bot.ask("whats the deal w U555")
    assert gone.reply.startswith("I did not catch what you need, and Customer U555")
    assert bot.session.customer_id == "U124"  # an unknown id does not take the focus
