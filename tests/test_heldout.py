"""Understanding measured on batches nobody here has read.

Each ``tests/corpus/heldout/*.yaml`` batch was written by an author who had not read
the code, corpora or intents (each message with the author's own words for what they
wanted), labelled by someone who read only the intent tables, and committed before
its first scoring run. ``first_runs.yaml`` keeps that first run's figures, the reader
it ran against and the batch's SHA-256: a batch is never dropped or regenerated, and
its first run is reported next to today's in the test output. A batch used for
anything after its first run (tuning cues, training) moves to
``tests/corpus/training/`` (``moved_to``) and is no longer a score.

A message is *understood* when it is read as its label, *asked* when the planner
asks instead (a clarification, or an honest "can't" for a request it does not
support), and WRONG when it is read as another intent: an answer to a different
question, which matters more."""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.api import Assistant
from assistant.core.confirm import confirms, declines
from assistant.planner.planner import understand

HELDOUT = Path(__file__).parent / "corpus" / "heldout"
FIRST_RUNS = HELDOUT / "first_runs.yaml"
ASKED = {"clarify", "unknown"}
MIN_MESSAGES = 60


class Message(BaseModel):
    """One message, what its author wanted, and the intent that is."""

    model_config = ConfigDict(extra="forbid")
    text: str
    want: str
    intent: str


class Section(BaseModel):
    """Messages each read right after the same context."""

    model_config = ConfigDict(extra="forbid")
    section: str
    context: list[str] = Field(default_factory=list)
    messages: list[Message]


def batches() -> dict[str, Path]:
    """The held-out batches by name."""
    return {p.stem: p for p in sorted(HELDOUT.glob("*.yaml")) if p != FIRST_RUNS}


def outcome(item: Message, bot: Assistant) -> str:
    """understood, asked or wrong: the reading of ``item`` right after the context."""
    pending = bot.session.pending
    if pending is not None and confirms(item.text, pending.confirmations):
        got = "confirm"
    elif pending is not None and declines(item.text):
        got = "decline"
    else:
        session = copy.deepcopy(bot.session)
        memory = copy.deepcopy(bot.model.memory(bot.session))  # type: ignore[attr-defined]
        got = understand(item.text, session, memory, bot.ctx.config)[0].name
    if got == item.intent:
        return "understood"
    return "asked" if got in ASKED else f"wrong: read as {got}"


def score(path: Path, state: Path) -> tuple[Counter[str], list[str]]:
    """The batch's outcome counts, and its misreadings in words."""
    counts, wrong = Counter[str](), []
    sections = [Section.model_validate(s) for s in yaml.safe_load(path.read_text())]
    for n, section in enumerate(sections):
        bot = Assistant.create(model="offline", state_dir=state / f"{path.stem}-{n}")
        for message in section.context:
            bot.ask(message)
        for item in section.messages:
            got = outcome(item, bot)
            counts[got.split(":")[0]] += 1
            if got.startswith("wrong"):
                wrong.append(f"  {item.text!r} ({item.intent}) {got}")
        bot.ctx.ledger.close()
    return counts, wrong


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_batch_has_its_first_run_and_is_unchanged_since():
    """Nothing dropped or regenerated: held out, or moved to training after its run."""
    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    assert len(batches()) >= 3
    assert set(batches()) <= set(runs), "a batch without its first run"
    for name, run in runs.items():
        moved = run.get("moved_to")
        path = HELDOUT.parent / moved if moved else batches().get(name)
        assert path is not None and path.exists(), f"{name} was dropped"
        assert run["sha256"] == digest(path), f"{name} changed after its first run"
        assert run["messages"] >= MIN_MESSAGES


def test_heldout_batches_today_next_to_their_first_run(tmp_path, capsys):
    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    worse = []
    assert batches(), "no batch is held out"
    for name, path in batches().items():
        counts, wrong = score(path, tmp_path)
        total = sum(counts.values())
        first = runs[name]
        with capsys.disabled():
            print(
                f"\nheld-out {name}: {total} messages; today understood "
                f"{counts['understood'] / total:.1%}, WRONG "
                f"{counts['wrong'] / total:.1%}, asked {counts['asked'] / total:.1%}"
                f" | first run understood {first['understood']:.1%}, WRONG "
                f"{first['wrong']:.1%}"
            )
            print("\n".join(wrong))
        assert total == first["messages"]
        if round(counts["wrong"] / total, 4) > max(first["wrong"], 0.02):  # as recorded
            worse.append(f"{name}: WRONG {counts['wrong'] / total:.1%}")
    assert not worse, "more WRONG readings than at the first run: " + ", ".join(worse)


def reader() -> str:
    """The reader a first run is made with: the offline planner at this commit."""
    import subprocess

    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=HELDOUT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"offline planner (hand-written cues, no learned model) at main {head}"


def record_first_runs() -> None:
    """Score the batches without a first run yet and record it (run once each).

    ``python -m tests.test_heldout`` after committing a new batch with its labels.
    """
    import tempfile

    runs = yaml.safe_load(FIRST_RUNS.read_text()) if FIRST_RUNS.exists() else {}
    runs = runs or {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in batches().items():
            if name in runs:
                continue
            counts, wrong = score(path, Path(tmp))
            total = sum(counts.values())
            runs[name] = {
                "reader": reader(),
                "sha256": digest(path),
                "messages": total,
                "understood": round(counts["understood"] / total, 4),
                "wrong": round(counts["wrong"] / total, 4),
                "asked": round(counts["asked"] / total, 4),
            }
            print(name, runs[name], *wrong, sep="\n")
    FIRST_RUNS.write_text(yaml.safe_dump(runs, sort_keys=True))


if __name__ == "__main__":
    record_first_runs()
