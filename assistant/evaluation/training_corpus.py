"""The training corpus read in context: every labelled message as the planner reads it.

Reads every labelled section of the training corpus (``tests/corpus/
understanding.yaml`` and ``tests/corpus/training/*.yaml``; held-out batches in
``tests/corpus/heldout/`` are never read) and the intents' own examples, replays
each section's context in a fresh offline conversation, and reads every message in
that context into the planner's features (:mod:`assistant.planner.features`), the
intents it could be and the hand-written cues' reading. Used by ``make train``
(:mod:`assistant.evaluation.train_intents`).
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

WORKERS = 6  # processes reading the corpus, fitting the folds and the model
GUARD_LABELS = {"confirm"}  # read by the approvals guard, never by the planner
# Context messages are replayed as these intents (not read by the model trained):
# data beside this module (the corpus's context lines, some naming customers).
CONTEXT_FILE = Path(__file__).with_name("context_intents.yaml")
CONTEXT_INTENTS: dict[str, str] = yaml.safe_load(CONTEXT_FILE.read_text("utf-8"))
# Context messages the approvals guard reads (a whole-message confirmation of the
# action pending, "yes", "aye confirm"), never the model: replayed as typed.
GUARD_CONTEXT = frozenset({"yes"})


@dataclass(frozen=True)
class Example:
    """One labelled message read in its context."""

    text: str
    intent: str
    features: dict[str, float]
    possible: frozenset[str]
    source: str
    cue: str | None


def corpus_files(folder: Path) -> list[Path]:
    """The training corpus: understanding.yaml and training/*.yaml (no held-out)."""
    return [
        folder / "understanding.yaml",
        *sorted((folder / "training").glob("*.yaml")),
    ]


def labels(files: list[Path]) -> set[str]:
    """The intents the corpus files label (the classes the model can learn)."""
    return {
        m["intent"]
        for path in files
        for section in yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for m in section["messages"]
    }


def table_examples(labelled: set[str]) -> list[dict[str, Any]]:
    """The intents' own examples (the table's), as corpus sections.

    Only for the intents the corpus labels: an intent no labelled message teaches
    yet is read by its cues alone (:func:`assistant.planner.reading.recognise`),
    so adding one to the table neither needs nor stales the weights. Read after a
    list of options (and, for "both", two customers compared), as the test of
    every intent's examples reads them.
    """
    from assistant.planner.intents import TABLE

    options, both = ["give me the top 3 options for U128"], ["compare U124 and U126"]
    return [
        {
            "section": f"examples of {intent.name}",
            "context": options + both * (intent.name == "compare"),
            "messages": [{"text": t, "intent": intent.name} for t in intent.examples],
        }
        for intent in TABLE
        if intent.examples and intent.name in labelled
    ]


def load_examples(files: list[Path]) -> list[Example]:
    """Every labelled message of the files (and the table's examples), in context.

    Each file is read in its own process (replaying contexts is most of the time
    ``make train`` takes); the examples come back in the files' order.
    """
    from concurrent.futures import ProcessPoolExecutor

    corpus = [
        (path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or [])
        for path in files
    ]
    corpus.append(("examples", table_examples(labels(files))))
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        parts = pool.map(_file, corpus)
        return [e for part in parts for e in part]


def _file(named: tuple[str, list[dict[str, Any]]]) -> list[Example]:
    """The examples of one corpus file's sections."""
    name, sections = named
    out: list[Example] = []
    with tempfile.TemporaryDirectory(prefix="cvm-train-") as tmp:
        for n, section in enumerate(sections):
            out += _section(section, Path(tmp) / f"{name}-{n}", name)
    return out


def _section(section: dict[str, Any], state: Path, source: str) -> list[Example]:
    from assistant.api import Assistant
    from assistant.core.confirm import confirms, declines
    from assistant.planner.features import features
    from assistant.planner.intents import FOLLOW_ON, TABLE
    from assistant.planner.planner import read_message
    from assistant.planner.reading import cue_reading

    bot = Assistant.create(model="offline", state_dir=state)
    for message in section.get("context") or []:
        pending = bot.session.pending
        if message in GUARD_CONTEXT or (
            pending is not None and confirms(message, pending.confirmations)
        ):
            bot.ask(message)
            continue
        if message not in CONTEXT_INTENTS:  # replayed by its intent, never read
            raise ValueError(
                f"{source}: context message {message!r} is not in "
                "assistant/evaluation/context_intents.yaml"
            )
        bot.request(CONTEXT_INTENTS[message], message, read_label=True)
    out = []
    for item in section["messages"]:
        pending = bot.session.pending
        if item["intent"] in GUARD_LABELS or (
            pending is not None
            and (
                confirms(item["text"], pending.confirmations) or declines(item["text"])
            )
        ):
            continue
        session = copy.deepcopy(bot.session)
        memory = copy.deepcopy(bot.model.memory(bot.session))  # type: ignore[attr-defined]
        ask = read_message(item["text"], session, memory, bot.ctx.config)
        if FOLLOW_ON.score(ask.u, ask) > 0:  # "and U126?": a rule, not the model
            continue
        possible = frozenset(i.name for i in TABLE if i.possible(ask.u, ask))
        out.append(
            Example(
                item["text"],
                item["intent"],
                features(ask),
                possible | {"unknown"},
                source,
                cue_reading(ask),
            )
        )
    bot.ctx.ledger.close()
    return out
