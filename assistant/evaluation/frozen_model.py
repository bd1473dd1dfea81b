"""Which reader a held-out batch is scored against: the frozen model's record.

Fresh held-out batches are written after the reader is frozen and scored, on
their first run, against exactly that reader. :func:`reader_fingerprint` is the
SHA-256 of what decides a message's reading: the shipped weights (with their
threshold and agreement floor) and the source of the features, the cues, the
slot reader and the reading rules (:data:`READER_SOURCES`). Answers, gists and
tool calls are not part of it: they change what the analyst sees, not which
intent is read. ``make train`` writes the record (``tests/corpus/heldout/
MODEL.yaml``: the fingerprint, when it was trained, the corpus files with their
message counts, the threshold and floor and the out-of-fold figures);
``tests/test_heldout.py`` stamps each new batch's first run with the fingerprint
it ran against and refuses a first run on any other reader.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "tests" / "corpus" / "heldout" / "MODEL.yaml"
READER_SOURCES = (
    "assistant/planner/model/intents.npz",
    "assistant/approvals/scope.py",
    "assistant/core/confirm.py",
    "assistant/core/mentions.py",
    "assistant/planner/amounts.py",
    "assistant/planner/approval_intents.py",
    "assistant/planner/base_calls.py",
    "assistant/planner/base_filters.py",
    "assistant/planner/base_intents.py",
    "assistant/planner/base_words.py",
    "assistant/planner/catalogue_intents.py",
    "assistant/planner/catalogue_slots.py",
    "assistant/planner/channel_slots.py",
    "assistant/planner/classifier.py",
    "assistant/planner/compound.py",
    "assistant/planner/decision_intents.py",
    "assistant/planner/define_intents.py",
    "assistant/planner/expect_intents.py",
    "assistant/planner/export_intents.py",
    "assistant/planner/fact_intents.py",
    "assistant/planner/features.py",
    "assistant/planner/intent.py",
    "assistant/planner/intents.py",
    "assistant/planner/ledger_calls.py",
    "assistant/planner/ledger_intents.py",
    "assistant/planner/outcome_intents.py",
    "assistant/planner/parts.py",
    "assistant/planner/plan_calls.py",
    "assistant/planner/plan_intents.py",
    "assistant/planner/planner.py",
    "assistant/planner/questions.py",
    "assistant/planner/re_aim.py",
    "assistant/planner/reading.py",
    "assistant/planner/reading_choices.py",
    "assistant/planner/reading_first.py",
    "assistant/planner/reading_pairs.py",
    "assistant/planner/reading_rules.py",
    "assistant/planner/scenarios.py",
    "assistant/planner/talk_intents.py",
    "assistant/planner/thresholds.py",
    "assistant/planner/typos.py",
    "assistant/planner/utterance.py",
    "assistant/planner/vocabulary.py",
    "assistant/planner/what_if.py",
    "assistant/planner/what_if_limits.py",
)


def reader_fingerprint(root: Path = ROOT) -> str:
    """The SHA-256 of the weights and of every source that decides a reading."""
    digest = hashlib.sha256()
    for name in READER_SOURCES:
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def frozen() -> dict[str, Any]:
    """The recorded model (empty when none was recorded)."""
    if not RECORD.exists():
        return {}
    return yaml.safe_load(RECORD.read_text(encoding="utf-8")) or {}


def record(files: list[Path], sources: list[str], report: dict[str, Any]) -> None:
    """Write the record of the model just trained (``make train``).

    Args:
        files: The corpus files trained on.
        sources: Each training message's source (a file's stem, or "examples").
        report: The training report (threshold, floor, out-of-fold figures).
    """
    counts = Counter(sources)
    data = {
        "fingerprint": reader_fingerprint(),
        "weights_sha256": hashlib.sha256(
            (ROOT / READER_SOURCES[0]).read_bytes()
        ).hexdigest(),
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "threshold": report["threshold"],
        "agree_floor": report["agree_floor"],
        "messages": report["messages"],
        "corpus": {
            **{_name(f): counts[f.stem] for f in files},
            "the intents' own examples": counts["examples"],
        },
        "out_of_fold_by_author": report["out_of_fold_by_author"],
    }
    RECORD.write_text(
        "# The reader fresh held-out batches are scored against (written by make\n"
        "# train; see assistant/evaluation/frozen_model.py). Out of fold by author:\n"
        "# each file read by a model trained without it.\n"
        + yaml.safe_dump(data, sort_keys=False),
        encoding="utf-8",
    )


def _name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:  # a corpus outside the repo
        return str(path)
