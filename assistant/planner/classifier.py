"""The learned intent classifier at run time: trained weights scored with numpy.

The weights (``model/intents.npz``) are trained from the labelled corpus in the
repo by :mod:`assistant.evaluation.train_intents` (``make train``) with scikit-learn's
``DictVectorizer`` and multinomial ``LogisticRegression``; a test checks they match
the corpus. Scoring here needs only numpy: the message's features
(:func:`assistant.planner.features.features`) are looked up in the stored
vocabulary, the vector is L2-normalised as in training, and the class scores go
through a softmax. ``threshold`` is the confidence below which the planner asks
instead of acting, ``agree_floor`` the lower one enough when the hand-written
cues read the same intent (both calibrated on out-of-fold predictions at
training time).

The file (:func:`save`, :func:`weights`) is an uncompressed ``.npz``: the
coefficients stay float32 as exported and are read without inflating 5 MB, and
the vocabulary is one UTF-8 text of the sorted feature names, a name a line
(split in a few milliseconds, where an array of 30,000 fixed-width strings took
tens). Scoring widens only the coefficient columns a message uses to float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

WEIGHTS = "intents.npz"


@dataclass(frozen=True)
class Weights:
    """A trained linear model over the planner's features."""

    classes: tuple[str, ...]
    index: dict[str, int]
    coef: Any  # numpy array, classes x features (float32, as trained)
    intercept: Any  # numpy array, classes
    threshold: float
    agree_floor: float


@cache
def weights() -> Weights:
    """The shipped weights (loaded once per process)."""
    path = resources.files("assistant.planner") / "model" / WEIGHTS
    with resources.as_file(path) as file:
        return load(file)


def load(path: Path) -> Weights:
    """Read a weights file written by :func:`save`."""
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        vocabulary = data["vocabulary"].tobytes().decode("utf-8").split("\n")
        return Weights(
            classes=tuple(str(c) for c in data["classes"]),
            index=dict(zip(vocabulary, range(len(vocabulary)), strict=True)),
            coef=data["coef"],
            intercept=data["intercept"].astype(np.float64),
            threshold=float(data["threshold"]),
            agree_floor=float(data["agree_floor"]),
        )


def encode_vocabulary(names: list[str]) -> Any:
    """The feature names as the file stores them: UTF-8 text, a name a line."""
    import numpy as np

    if any("\n" in n for n in names):
        raise ValueError("a feature name holds a line break")
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)


def save(path: Path, arrays: dict[str, Any]) -> None:
    """Write the weights file (``make train``): uncompressed, read as it lies."""
    import numpy as np

    np.savez(path, **arrays)


def probabilities(
    feats: dict[str, float], w: Weights | None = None
) -> dict[str, float]:
    """P(intent | message) for every intent the model knows."""
    import numpy as np

    w = w or weights()
    index = w.index.get
    known = [(i, v) for k, v in feats.items() if (i := index(k)) is not None]
    # as DictVectorizer then Normalizer do: unknown features are dropped first
    norm = math.sqrt(sum(v * v for _, v in known)) or 1.0
    scores = w.intercept.copy()
    if known:
        cols = np.fromiter((i for i, _ in known), dtype=np.int64)
        vals = np.fromiter((v for _, v in known), dtype=np.float64) / norm
        # the columns used, widened: the same float64 product as widening all
        scores += w.coef[:, cols].astype(np.float64) @ vals
    scores -= scores.max()
    e = np.exp(scores)
    e /= e.sum()
    return dict(zip(w.classes, e.tolist(), strict=True))
