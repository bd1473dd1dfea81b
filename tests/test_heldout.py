"""Understanding measured on batches the classifier never saw.

Each ``tests/corpus/heldout/*.yaml`` batch was written after the weights were last
trained, by an author who had not read the intents (each message with the author's
own words for what they wanted), then labelled and committed before its first
scoring run. ``first_runs.yaml`` keeps that first run's figures and the batch's
SHA-256: a batch is never dropped or regenerated, and its first run is reported
next to today's in the test output. A batch used for anything after its first
run (calibrating the threshold, training) moves to ``tests/corpus/training/``
(``moved_to``) and is no longer a score. A batch whose misses later inform a
rule (never the weights) stays here as a regression suite: its first run is its
score, today's run only guards against going back. Training never reads this
folder (:func:`assistant.evaluation.train_intents.corpus_files`).

A message is *understood* when it is read as its label (``intent``) or as one
of the intents its labeller named as equally serving the author's want
(``also``, decided before any scoring; old batches have none), *asked* when the
planner asks instead (a clarification, or an honest "can't" for a request it
does not support), and WRONG when it is read as another intent: an answer to a
different question, which matters more. Two readings that give the same answer
to the message (``reading_pairs.ALIKE``: a count either way, "cheaper?" as options
or an alternative, the expected value as cost or explanation) count as understood,
as does a booking order that is a whole-message confirmation of the action shown
("ok book it" after the recommendation: it runs as that confirmation) and a
repeat read as the question it repeats ("same for U126" after "what should we
offer U124?" is read as that recommendation). The
strict figure (``intent`` only) is printed beside it. A yes in prose ("yes, go
ahead and post it") is not a whole-message confirmation: read as an order of the
booking pending, which it only shows again for a closed-set yes, it is *asked*.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.api import Assistant
from assistant.core.confirm import confirms, declines
from assistant.core.pending import PendingAction
from assistant.evaluation.frozen_model import RECORD, frozen, reader_fingerprint
from assistant.planner.book_calls import booking_key
from assistant.planner.planner import understand
from assistant.planner.reading_pairs import answered_alike

HELDOUT = Path(__file__).parent / "corpus" / "heldout"
FIRST_RUNS = HELDOUT / "first_runs.yaml"
ASKED = {"clarify", "unknown"}
# a booking order that is a whole-message confirmation of the action shown ("ok book
# it" after the recommendation) runs as that confirmation: what the order asked for
ORDERED = {"book", "plan_book"}
MIN_MESSAGES = 60


class Message(BaseModel):
    """One message, what its author wanted, and the intent that is."""

    model_config = ConfigDict(extra="forbid")
    text: str
    want: str
    intent: str
    also: list[str] = []


class Section(BaseModel):
    """Messages each read right after the same context."""

    model_config = ConfigDict(extra="forbid")
    section: str
    context: list[str] = Field(default_factory=list)
    messages: list[Message]


def batches() -> dict[str, Path]:
    """The held-out batches by name."""
    return {
        p.stem: p
        for p in sorted(HELDOUT.glob("*.yaml"))
        if p not in (FIRST_RUNS, RECORD)
    }


def outcome(item: Message, bot: Assistant) -> str:
    """understood, asked or wrong: the reading of ``item`` right after the context."""
    pending = bot.session.pending
    if pending is not None and confirms(item.text, pending.confirmations):
        got = "confirm"
        if item.intent in ORDERED and bot.session.shown == pending.id:
            # "ok book it" to the booking shown: the order is its confirmation
            return "also: an order of the action shown, confirmed as it"
    elif pending is not None and declines(item.text):
        got = "decline"
    else:
        # copies to read on (the reading must not move the conversation on); the
        # configuration is shared, as the reader never changes it
        config = bot.ctx.config
        session = copy.deepcopy(bot.session, {id(config): config})
        memory = copy.deepcopy(
            bot.model.memory(bot.session),  # type: ignore[attr-defined]
            {id(config): config},
        )
        repeated = memory.intent  # "same for U126" asks this again
        got, ask = understand(item.text, session, memory, bot.ctx.config)
        got = got.name
        parts = [got, *(intent.name for intent, _ in memory.rest)]
        if got != item.intent and item.intent in parts[1:]:
            # "what should we offer U124, and when can we call?": each part answered
            return "also: one of the questions of a message answered part by part"
        if item.intent == "confirm" and got == "book" and shown_again(ask, pending):
            return "asked"  # a yes in prose: the action shown again for a closed yes
        if item.intent == "confirm" and got == "affirm" and pending is not None:
            return "asked"  # "ok": the action named again, a plain yes asked for
        if item.intent == "repeat" and got == repeated:
            return "also: the last question, asked again for the customer named"
        if got != item.intent and answered_alike(ask, got, item.intent):
            # the two give the same answer here (test_classifier checks the calls)
            return "also: read as an intent that answers it the same way"
    if got == item.intent:
        return "understood"
    if got in item.also:
        return "also: understood as an also-acceptable reading"
    return "asked" if got in ASKED else f"wrong: read as {got}"


def shown_again(ask: Any, pending: PendingAction | None) -> bool:
    """Whether a booking order means the booking pending (proposed again, shown).

    "Yes, go ahead and post it" is not a whole-message confirmation: read as an
    order naming nothing new, it shows the pending booking again for a closed-set
    yes. That asks (it runs nothing and answers no other question).
    """
    if pending is None or pending.tool != "allocate_treatment":
        return False
    if ask.u.customers and list(ask.u.customers) != list(pending.customers):
        return False
    key = booking_key(ask, pending.customers[0])
    return key == pending.arguments.get("treatment_key")


def score(path: Path, state: Path) -> tuple[Counter[str], list[str]]:
    """The batch's outcome counts, and its misreadings in words.

    ``understood`` counts a reading as the label or one of its ``also``;
    ``strict`` only the label (``also`` counts those read as an ``also``).
    """
    counts, wrong = Counter[str](), []
    sections = [Section.model_validate(s) for s in yaml.safe_load(path.read_text())]
    # sections without a context are each read by a new conversation: one serves
    # them all (outcome() reads on copies, so the conversation stays new)
    fresh = Assistant.create(model="offline", state_dir=state / f"{path.stem}-new")
    for n, section in enumerate(sections):
        bot = fresh
        if section.context:
            own = state / f"{path.stem}-{n}"
            bot = Assistant.create(model="offline", state_dir=own)
        for message in section.context:
            bot.ask(message)
        for item in section.messages:
            got = outcome(item, bot)
            kind = got.split(":")[0]
            counts["understood" if kind == "also" else kind] += 1
            counts["strict"] += kind == "understood"
            counts["also"] += kind == "also"
            if got.startswith("wrong"):
                wrong.append(f"  {item.text!r} ({item.intent}) {got}")
        if bot is not fresh:
            bot.ctx.ledger.close()
    fresh.ctx.ledger.close()
    return counts, wrong


def messages(counts: Counter[str]) -> int:
    """How many messages the counts are of (each is understood, asked or wrong)."""
    return counts["understood"] + counts["asked"] + counts["wrong"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_batch_has_its_first_run_and_is_unchanged_since():
    """Nothing dropped or regenerated: held out, or moved to training after its run."""
    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    assert len(runs) >= 6  # every batch ever scored stays recorded
    assert set(batches()) <= set(runs), "a batch without its first run"
    for name, run in runs.items():
        moved = run.get("moved_to")
        path = HELDOUT.parent / moved if moved else batches().get(name)
        assert path is not None and path.exists(), f"{name} was dropped"
        assert run["sha256"] == digest(path), f"{name} changed after its first run"
        assert run["messages"] >= MIN_MESSAGES


def test_the_frozen_reader_is_recorded_and_batches_awaiting_a_run_get_it():
    """A batch is written against the frozen reader; its first run must use it.

    MODEL.yaml records the reader's fingerprint when it was trained; while a
    batch waits for its first run, the reader must still be that one (retrained
    weights, other cues or thresholds would score it against another reader).
    """
    model = frozen()
    assert model.get("fingerprint") and model.get("trained_at"), "no MODEL.yaml"
    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    waiting = sorted(set(batches()) - set(runs))
    if waiting:
        assert reader_fingerprint() == model["fingerprint"], (
            f"{', '.join(waiting)} await their first run, but the reader changed "
            f"since it was frozen ({model['fingerprint'][:12]}, {model['trained_at']})"
        )


def test_heldout_batches_today_next_to_their_first_run(tmp_path, capsys):
    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    worse = []
    if not batches():  # all scored batches became training data; fresh ones next
        moved = [n for n, r in runs.items() if r.get("moved_to")]
        assert set(moved) == set(runs), "a batch neither held out nor moved"
        with capsys.disabled():
            print(f"\nno batch held out now: {len(moved)} scored, moved to training")
    for name, path in batches().items():
        counts, wrong = score(path, tmp_path)
        total = messages(counts)
        first = runs[name]
        with capsys.disabled():
            stamp = first.get("fingerprint", "")[:12] or "not recorded"
            print(
                f"\nheld-out {name} (first run on reader {stamp}, today's "
                f"{reader_fingerprint()[:12]}): {total} messages; today understood "
                f"{counts['understood'] / total:.1%} (strict, label only: "
                f"{counts['strict'] / total:.1%}), WRONG "
                f"{counts['wrong'] / total:.1%}, asked {counts['asked'] / total:.1%}"
                f" | first run understood {first['understood']:.1%}, WRONG "
                f"{first['wrong']:.1%}"
            )
            print("\n".join(wrong))
        assert total == first["messages"]
        # the first run is recorded to 4 places: compared at that precision
        if round(counts["wrong"] / total, 4) > max(first["wrong"], 0.02):
            worse.append(f"{name}: WRONG {counts['wrong'] / total:.1%}")
    assert not worse, "more WRONG readings than at the first run: " + ", ".join(worse)


def record_first_runs() -> None:
    """Score the batches without a first run yet and record it (run once each).

    ``python -m tests.test_heldout`` after committing a new batch with its labels.
    Each first run is stamped with the reader's fingerprint; it must be the
    frozen one in MODEL.yaml (the batch was written against it), or nothing is
    recorded.
    """
    import tempfile

    now, model = reader_fingerprint(), frozen()
    if now != model.get("fingerprint"):
        raise SystemExit(
            f"refused: the reader ({now[:12]}) is not the frozen one in {RECORD.name} "
            f"({str(model.get('fingerprint'))[:12]}, trained "
            f"{model.get('trained_at')}): a first run is scored against the reader "
            "the batch was written for; nothing recorded"
        )

    runs = yaml.safe_load(FIRST_RUNS.read_text()) if FIRST_RUNS.exists() else {}
    runs = runs or {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in batches().items():
            if name in runs:
                continue
            counts, wrong = score(path, Path(tmp))
            total = messages(counts)
            runs[name] = {
                "fingerprint": now,
                "sha256": digest(path),
                "messages": total,
                "understood": round(counts["understood"] / total, 4),
                "understood_strict": round(counts["strict"] / total, 4),
                "wrong": round(counts["wrong"] / total, 4),
                "asked": round(counts["asked"] / total, 4),
            }
            print(name, runs[name], *wrong, sep="\n")
    FIRST_RUNS.write_text(yaml.safe_dump(runs, sort_keys=True))


if __name__ == "__main__":
    record_first_runs()


def _one_batch(tmp_path, monkeypatch) -> Path:
    """A held-out folder with one unscored batch of one message."""
    import tests.test_heldout as me

    folder = tmp_path / "heldout"
    folder.mkdir()
    batch = [
        {
            "section": "s",
            "messages": [
                {
                    "text": "What should we offer U124?",
                    "want": "x",
                    "intent": "recommend",
                }
            ],
        }
    ]
    (folder / "fresh.yaml").write_text(yaml.safe_dump(batch))
    monkeypatch.setattr(me, "HELDOUT", folder)
    monkeypatch.setattr(me, "FIRST_RUNS", folder / "first_runs.yaml")
    return folder


def test_a_first_run_on_another_reader_than_the_frozen_one_is_refused(
    tmp_path, monkeypatch
):
    import tests.test_heldout as me

    folder = _one_batch(tmp_path, monkeypatch)
    monkeypatch.setattr(me, "frozen", lambda: {"fingerprint": "0" * 64})
    with pytest.raises(SystemExit, match="refused: the reader"):
        me.record_first_runs()
    assert not (folder / "first_runs.yaml").exists()


def test_a_first_run_is_stamped_with_the_reader_it_ran_against(tmp_path, monkeypatch):
    import tests.test_heldout as me

    folder = _one_batch(tmp_path, monkeypatch)
    now = reader_fingerprint()
    monkeypatch.setattr(me, "frozen", lambda: {"fingerprint": now})
    me.record_first_runs()
    runs = yaml.safe_load((folder / "first_runs.yaml").read_text())
    assert runs["fresh"]["fingerprint"] == now
    assert runs["fresh"]["messages"] == 1 and runs["fresh"]["understood"] == 1.0


def test_a_reading_among_the_labellers_also_counts_as_understood_strict_beside_it(
    tmp_path, monkeypatch
):
    import tests.test_heldout as me

    folder = _one_batch(tmp_path, monkeypatch)
    batch = yaml.safe_load((folder / "fresh.yaml").read_text())
    item = batch[0]["messages"][0]
    got = understood_as(item["text"], tmp_path)
    other = next(i for i in ("options", "facts") if i != got)
    item |= {"intent": other, "also": [got]}
    (folder / "fresh.yaml").write_text(yaml.safe_dump(batch))
    counts, wrong = me.score(folder / "fresh.yaml", tmp_path / "state")
    assert (counts["understood"], counts["strict"], counts["wrong"]) == (1, 0, 0)
    item["also"] = []
    (folder / "fresh.yaml").write_text(yaml.safe_dump(batch))
    counts, wrong = me.score(folder / "fresh.yaml", tmp_path / "again")
    assert (counts["understood"], counts["wrong"]) == (0, 1) and wrong


def understood_as(text: str, tmp_path: Path) -> str:
    """The intent a fresh conversation reads ``text`` as."""
    bot = Assistant.create(model="offline", state_dir=tmp_path / "probe")
    memory = bot.model.memory(bot.session)  # type: ignore[attr-defined]
    got = understand(text, bot.session, memory, bot.ctx.config)[0].name
    bot.ctx.ledger.close()
    return got
