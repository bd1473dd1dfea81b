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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

WEIGHTS = "intents.npz"


@dataclass(frozen=True)
class Weights:
    """A trained linear model over the planner's features."""

    classes: tuple[str, ...]
    index: dict[str, int]
    coef: Any  # numpy array, classes x features
    intercept: Any  # numpy array, classes
    threshold: float
    agree_floor: float


@cache
def weights() -> Weights:
    """The shipped weights (loaded once per process)."""
    import numpy as np

    path = resources.files("assistant.planner") / "model" / WEIGHTS
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as data:
        vocabulary = [str(v) for v in data["vocabulary"]]
        return Weights(
            classes=tuple(str(c) for c in data["classes"]),
            index={v: i for i, v in enumerate(vocabulary)},
            coef=data["coef"].astype(np.float64),
            intercept=data["intercept"].astype(np.float64),
            threshold=float(data["threshold"]),
            agree_floor=float(data["agree_floor"]),
        )


def probabilities(
    feats: dict[str, float], w: Weights | None = None
) -> dict[str, float]:
    """P(intent | message) for every intent the model knows."""
    import numpy as np

    w = w or weights()
    known = [(w.index[k], v) for k, v in feats.items() if k in w.index]
    # as DictVectorizer then Normalizer do: unknown features are dropped first
    norm = math.sqrt(sum(v * v for _, v in known)) or 1.0
    scores = w.intercept.copy()
    if known:
        cols = np.fromiter((i for i, _ in known), dtype=np.int64)
        vals = np.fromiter((v for _, v in known), dtype=np.float64) / norm
        scores += w.coef[:, cols] @ vals
    scores -= scores.max()
    e = np.exp(scores)
    e /= e.sum()
    return dict(zip(w.classes, e.tolist(), strict=True))
