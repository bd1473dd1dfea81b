"""Control groups of a plan: a random holdout and an optional challenger strategy.

Every customer of a plan falls in one arm, decided by a hash of the customer id and
the plan's day (the same customers on the same day, whoever runs the plan, however
often; another day draws again):

1. the key is the UTF-8 text ``"<CUSTOMER_ID>|<YYYY-MM-DD>"`` (id as stored);
2. ``h`` is its 64-bit FNV-1a hash (offset basis ``0xcbf29ce484222325``, prime
   ``0x100000001b3``), mixed by MurmurHash3's 64-bit finaliser (``fmix64``);
3. ``u = (h >> 11) / 2**53`` is uniform on [0, 1);
4. ``u < holdout_share``: **held out** (no contact, recorded with the plan, never
   booked); ``u < holdout_share + challenger_share``: the **challenger**; else the
   **champion** (the optimised plan).

An auditor can recompute any customer's arm from these four lines
(:func:`arm_of` is the one-customer reference; :func:`draws` the vectorised one the
plans use). The challenger (``first_come``: the original system's rule order,
customers in id order each taking its best option still free) plans its customers on
its share of each limit; the champion plans the others on the rest.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import numpy.typing as npt

from tools.learning_config import Experiment
from tools.planning.problem import BudgetGroup, FloatArray, IntArray, PlanProblem

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1
CHAMPION, HELD_OUT, CHALLENGER = 0, 1, 2
ARM_NAMES = ("champion", "held out", "challenger")
Shared = tuple[FloatArray, FloatArray, tuple[BudgetGroup, ...]]  # slots, budgets
HASH_RULE = (
    "FNV-1a 64 of 'CUSTOMER_ID|YYYY-MM-DD' (UTF-8), MurmurHash3 fmix64, "
    "u = (h >> 11) / 2^53; held out if u < holdout share, challenger if u < "
    "holdout + challenger share"
)


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK
    return h ^ (h >> 33)


def draw_of(customer_id: str, day: date) -> float:
    """One customer's uniform draw on a day (the reference the audit can redo)."""
    h = FNV_OFFSET
    for byte in f"{customer_id}|{day.isoformat()}".encode():
        h = ((h ^ byte) * FNV_PRIME) & _MASK
    return (_fmix64(h) >> 11) / 2**53


def arm_of(customer_id: str, day: date, experiment: Experiment) -> int:
    """One customer's arm on a day (``CHAMPION``, ``HELD_OUT`` or ``CHALLENGER``)."""
    return int(_arms(np.array([draw_of(customer_id, day)]), experiment)[0])


def _id_grid(
    customer_ids: npt.ArrayLike,
) -> tuple[npt.NDArray[np.unsignedinteger], npt.NDArray[np.intp]]:
    """The ids' UTF-8 bytes as an (n, width) grid (zero-padded) and their lengths."""
    ids = np.asarray(customer_ids).astype(str)
    n, width = len(ids), ids.dtype.itemsize // 4
    points = ids.view(np.uint32).reshape(n, width) if n and width else None
    if points is not None and points.max() < 128:  # ASCII: code point = byte
        return points, np.count_nonzero(points, axis=1)
    raw = np.char.encode(ids, "utf-8")
    grid = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(n, raw.dtype.itemsize)
    return grid, np.char.str_len(raw)


def draws(customer_ids: npt.ArrayLike, day: date) -> npt.NDArray[np.float64]:
    """Every customer's uniform draw on a day, vectorised (same as :func:`draw_of`).

    The ids' bytes are hashed column by column (each row stops at its own length),
    then the common ``|YYYY-MM-DD`` suffix, then the finaliser.
    """
    grid, lengths = _id_grid(customer_ids)
    n, width = grid.shape
    h = np.full(n, FNV_OFFSET, dtype=np.uint64)
    prime = np.uint64(FNV_PRIME)
    ragged = bool((lengths != width).any())
    for j in range(width):
        column = grid[:, j].astype(np.uint64)
        if ragged:
            live = lengths > j
            h[live] = (h[live] ^ column[live]) * prime
        else:
            h = (h ^ column) * prime
    for byte in f"|{day.isoformat()}".encode():
        h = (h ^ np.uint64(byte)) * prime
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h ^= h >> np.uint64(33)
        h *= np.uint64(mult)
    h ^= h >> np.uint64(33)
    return (h >> np.uint64(11)).astype(np.float64) / 2.0**53


def _arms(u: npt.NDArray[np.float64], experiment: Experiment) -> npt.NDArray[np.int8]:
    arm = np.full(len(u), CHAMPION, dtype=np.int8)
    arm[u < experiment.holdout_share + experiment.challenger_share] = CHALLENGER
    arm[u < experiment.holdout_share] = HELD_OUT
    return arm


def arms(
    customer_ids: npt.ArrayLike, day: date, experiment: Experiment
) -> npt.NDArray[np.int8]:
    """Each customer's arm on a day (``CHAMPION``, ``HELD_OUT``, ``CHALLENGER``)."""
    return _arms(draws(customer_ids, day), experiment)


def _scaled(bound: float, share: float) -> float:
    return bound if math.isinf(bound) else math.floor(bound * share + 1e-9)


def share_of(limits: Shared, share: float) -> Shared:
    """An arm's ``share`` of every limit: slots rounded down, budgets scaled.

    Args:
        limits: Slots for everyone, slots for standard customers, budget groups.
        share: The arm's share, 0 to 1.
    """
    cap_all, cap_std, groups = limits
    scale = np.vectorize(lambda b: _scaled(float(b), share), otypes=[np.float64])
    return (
        scale(cap_all) if len(cap_all) else cap_all,
        scale(cap_std) if len(cap_std) else cap_std,
        tuple(BudgetGroup(g.key, g.treatments, g.bound * share) for g in groups),
    )


def arm_problem(
    problem: PlanProblem, members: npt.NDArray[np.bool_], share: float
) -> PlanProblem:
    """The pairs of ``members`` (a customer mask) on ``share`` of every limit."""
    p = problem.restrict(members[problem.pair_customer])
    cap_all, cap_std, groups = share_of((p.cap_all, p.cap_std, p.groups), share)
    return replace(p, cap_all=cap_all, cap_std=cap_std, groups=groups)


def pair_index(problem: PlanProblem, members: npt.NDArray[np.bool_]) -> IntArray:
    """The full problem's pair index of each pair of :func:`arm_problem`'s problem."""
    return np.flatnonzero(members[problem.pair_customer])
