"""Train the intent classifier from the labelled corpus (``make train``).

Reads every labelled message of the training corpus in its context
(:mod:`assistant.evaluation.training_corpus`; held-out batches in
``tests/corpus/heldout/`` are never read), fits the pipeline and calibrates the
confidence threshold below which the planner asks instead of acting, out of fold by
author (:mod:`assistant.evaluation.calibration`). The weights go to
``assistant/planner/model/intents.npz``, scored with numpy at run time
(:mod:`assistant.planner.classifier`), with the fingerprint of the corpus and of the
code that read it and fitted them. Deterministic: the same corpus gives the same
weights, which a test checks.

Usage::

    python -m assistant.evaluation.train_intents [--corpus DIR] [--out PATH] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import yaml

from assistant.evaluation import calibration, training_corpus
from assistant.evaluation.calibration import calibrate
from assistant.evaluation.frozen_model import RECORD, record
from assistant.evaluation.training_corpus import (
    CONTEXT_FILE,
    corpus_files,
    labels,
    load_examples,
    table_examples,
)
from assistant.planner.classifier import WEIGHTS, encode_vocabulary, save

__all__ = ["corpus_files", "fingerprint", "main", "train"]

DEFAULT_OUT = Path(__file__).parent.parent / "planner" / "model" / WEIGHTS
# the code that reads the corpus and fits the weights (the fingerprint covers it)
TRAINING_CODE = (
    Path(__file__),
    Path(training_corpus.__file__),
    Path(calibration.__file__),
)


def fingerprint(files: list[Path]) -> str:
    """What the weights were trained from: the corpus files and how they are read.

    The SHA-256 of every corpus file and of the feature and training code; the
    shipped weights carry it, and a test compares it with the repo's.
    """
    digest = hashlib.sha256()
    planner = Path(__file__).parent.parent / "planner"
    for path in [*files, planner / "features.py", *TRAINING_CODE, CONTEXT_FILE]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(yaml.safe_dump(table_examples(labels(files))).encode())
    return digest.hexdigest()


def export(model: Any, threshold: float, floor: float, corpus: str) -> dict[str, Any]:
    """The arrays the run-time scorer reads."""
    import numpy as np

    vectorizer, _, regression = model.steps[0][1], model.steps[1][1], model.steps[2][1]
    return {
        "vocabulary": encode_vocabulary(list(vectorizer.feature_names_)),
        "classes": np.array(regression.classes_, dtype=str),
        "coef": regression.coef_.astype(np.float32),
        "intercept": regression.intercept_.astype(np.float32),
        "threshold": np.array(threshold),
        "agree_floor": np.array(floor),
        "corpus": np.array(corpus),
    }


def train(corpus: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The weights trained on the corpus, a report of how it went, the sources."""
    files = corpus_files(corpus)
    examples = load_examples(files)
    threshold, floor, figures, model = calibrate(examples)
    arrays = export(model, threshold, floor, fingerprint(files))
    features = len(model.steps[0][1].feature_names_)
    report = {
        "messages": len(examples),
        "intents": len(arrays["classes"]),
        "features": features,
        "threshold": threshold,
        "agree_floor": floor,
        "out_of_fold_by_author": figures,
    }
    return arrays, report, [e.source for e in examples]


def main(argv: list[str] | None = None) -> int:
    """Train and save the weights (or, with --check, compare with the saved)."""
    import numpy as np

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=Path("tests/corpus"))
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help="compare, do not write")
    args = p.parse_args(argv)
    arrays, report, sources = train(args.corpus)
    print(yaml.safe_dump(report, sort_keys=False).strip())
    if args.check:
        with np.load(args.out) as saved:
            same = all(np.array_equal(saved[k], v) for k, v in arrays.items())
        print("weights match the corpus" if same else "weights are stale: make train")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save(args.out, arrays)
    print(f"wrote {args.out}")
    if args.out.resolve() == DEFAULT_OUT.resolve():  # the shipped weights
        record(corpus_files(args.corpus), sources, report)
        print(f"wrote {RECORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
