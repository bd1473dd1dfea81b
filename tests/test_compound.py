"""Messages of several questions: split, read part by part, or kept whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.planner.compound import read_parts
from assistant.planner.parts import parts_of


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "What should we offer U124, and when is the next lawful contact time?",
            ["What should we offer U124", "when is the next lawful contact time?"],
        ),
        (
            "Plan today's campaign. Who is out?",
            ["Plan today's campaign.", "Who is out?"],
        ),
        ("Who's out, and why?", ["Who's out, and why?"]),  # "why?" is no question alone
        ("why not an SMS and a call?", ["why not an SMS and a call?"]),
        ("a? b? c? d?", ["a? b? c? d?"]),  # more than three: kept whole
    ],
)
def test_a_message_splits_where_a_new_question_starts(text, parts):
    assert parts_of(text) == parts


def _read(bot: Assistant, text: str) -> list[str] | None:
    memory = bot.model.memory(bot.session)  # type: ignore[attr-defined]
    parts = read_parts(text, bot.session, memory, bot.ctx.config)
    return None if parts is None else [intent.name for intent, _ in parts]


def test_parts_are_kept_only_when_each_is_read_surely_as_an_answer(tmp_path: Path):
    bot = Assistant.create(model="offline", state_dir=tmp_path)
    assert _read(
        bot, "What should we offer U124, and when is the next lawful contact time?"
    ) == ["recommend", "facts"]
    # a decline is never a part: "leave the second for now" must not drop anything
    assert _read(bot, "Book the first one's offer. Leave the second for now.") is None
    # the same question twice is not two questions
    assert _read(bot, "What should we offer U124? What should we offer U124?") is None


def test_a_part_naming_nobody_is_about_the_customer_of_the_part_before(
    tmp_path: Path,
):
    bot = Assistant.create(model="offline", state_dir=tmp_path)
    memory = bot.model.memory(bot.session)  # type: ignore[attr-defined]
    parts = read_parts(
        "What should we offer U126, and when is the next lawful contact time?",
        bot.session,
        memory,
        bot.ctx.config,
    )
    assert parts is not None
    assert [ask.customers for _, ask in parts] == [["U126"], ["U126"]]


def test_each_part_is_answered_from_its_own_results(tmp_path: Path):
    bot = Assistant.create(model="offline", state_dir=tmp_path)
    turn = bot.ask(
        "What should we offer U126, and when is the next lawful contact time?"
    )
    first, _, second = turn.reply.partition("Earliest lawful contact with U126")
    assert "U126: recommend" in first and second  # both answers, in order
    assert turn.pending is not None and turn.pending.customers == ("U126",)
