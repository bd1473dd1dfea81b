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
(looked up in place by :class:`Vocabulary`, where an array of 30,000 fixed-width
strings took tens of milliseconds to read and a dictionary of them ten). Scoring
widens only the coefficient columns a message uses to float64.
Each array is mapped where it lies in the file (:func:`_mapped`: the zip's stored
members are ``.npy`` files), as numpy maps a ``.npy``: no copy of the 5 MB and no
checksum pass over it (``np.load`` on an ``.npz`` does both, ~10 ms of every
``cvm ask``); a member that is not a plain stored array is read by ``np.load``.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

WEIGHTS = "intents.npz"
MEMO = 100_000  # names remembered per process (found or not) before starting over


class Vocabulary(Mapping[str, int]):
    """Feature name -> column: its line in the file's sorted vocabulary text.

    Found by bisection in the UTF-8 text as stored (sorted by code point, which is
    the order of the UTF-8 bytes), so a process reads no more than the lines a
    message's features land on, where a dictionary of the 30,000 names cost ~10 ms
    and ~1,400 page faults to build before the first message was read. A name once
    looked up is remembered (found or not, up to ``MEMO`` names): a long-lived
    process meets the same n-grams message after message, and a bisection over
    numpy's bounds costs ~10 µs a name.
    """

    def __init__(self, text: bytes) -> None:
        import numpy as np

        self._text = text
        breaks = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
        # the lines' bounds (numpy integers slice bytes as ints do)
        self._ends = np.append(breaks, len(text)) if text else breaks
        self._starts = np.insert(breaks + 1, 0, 0) if text else breaks
        self._seen: dict[str, int] = {}

    def get(self, name: str, default: Any = None) -> Any:
        """The column of ``name``, or ``default`` when it is no feature here."""
        column = self._seen.get(name)
        if column is None:
            if len(self._seen) >= MEMO:
                self._seen.clear()
            column = self._seen[name] = self._find(name)
        return default if column < 0 else column

    def __getitem__(self, name: str) -> int:
        column = self.get(name, -1)
        if column < 0:
            raise KeyError(name)
        return int(column)

    def _find(self, name: str) -> int:
        """Bisection in the sorted text: the line of ``name``, or -1."""
        # a lone surrogate is no UTF-8 text, so it is no name here either
        key = name.encode("utf-8", "surrogatepass")
        text, starts, ends = self._text, self._starts, self._ends
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if text[starts[mid] : ends[mid]] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(starts) and text[starts[lo] : ends[lo]] == key:
            return lo
        return -1

    def __iter__(self) -> Iterator[str]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield self._text[start:end].decode("utf-8")

    def __len__(self) -> int:
        return len(self._starts)


@dataclass(frozen=True)
class Weights:
    """A trained linear model over the planner's features."""

    classes: tuple[str, ...]
    index: Mapping[str, int]
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

    data = _mapped(path, NAMES)
    if data is None:
        with np.load(path, allow_pickle=False) as npz:
            data = {name: npz[name] for name in NAMES}
    return Weights(
        classes=tuple(str(c) for c in data["classes"]),
        index=Vocabulary(data["vocabulary"].tobytes()),
        coef=data["coef"],
        intercept=data["intercept"].astype(np.float64),
        threshold=float(data["threshold"]),
        agree_floor=float(data["agree_floor"]),
    )


NAMES = ("vocabulary", "classes", "coef", "intercept", "threshold", "agree_floor")
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length


def _mapped(path: Path, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The named arrays of an uncompressed ``.npz``, mapped read-only in place.

    None when the file is not that (a compressed or unusual member, an object
    array): the caller reads it with ``np.load`` instead.
    """
    import mmap
    import zipfile

    import numpy as np
    from numpy.lib import format as npy

    try:
        with zipfile.ZipFile(path) as archive:
            members = {i.filename: i for i in archive.infolist()}
        with open(path, "rb") as file:
            buffer = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        out: dict[str, Any] = {}
        for name in names:
            info = members[f"{name}.npy"]
            if info.compress_type != zipfile.ZIP_STORED:
                return None
            at = info.header_offset
            magic, name_length, extra = _LOCAL_HEADER.unpack_from(buffer, at)
            start = at + _LOCAL_HEADER.size + name_length + extra
            end = start + info.file_size
            if magic != b"PK\x03\x04" or end > len(buffer):
                return None
            header = io.BytesIO(buffer[start : min(end, start + 65536)])
            version = npy.read_magic(header)
            read_header = {
                (1, 0): npy.read_array_header_1_0,
                (2, 0): npy.read_array_header_2_0,
            }[version]
            shape, fortran, dtype = read_header(header)
            count = math.prod(shape)
            offset = start + header.tell()
            if dtype.hasobject or offset + count * dtype.itemsize != end:
                return None
            flat = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
            out[name] = flat.reshape(shape, order="F" if fortran else "C")
        return out
    except (OSError, KeyError, ValueError, struct.error, zipfile.BadZipFile):
        return None


def encode_vocabulary(names: list[str]) -> Any:
    """The feature names as the file stores them: UTF-8 text, a name a line."""
    import numpy as np

    if any("\n" in n for n in names):
        raise ValueError("a feature name holds a line break")
    if any(a >= b for a, b in pairwise(names)):
        raise ValueError("the feature names are not sorted (or not unique)")
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
