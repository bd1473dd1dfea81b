"""Decision columns for the plan, from the column-wise decision kernel.

The plan reads *decision batches*: per customer × treatment, whether the customer's
own contact rules allow it (and it fits the journey) and its expected value —
:class:`tools.kernel.decide.Decisions`, for a list of ids or the whole base in chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tools.config import CVMConfig
from tools.kernel.decide import CUSTOMER_RULES, Decisions
from tools.store.source import customer_source

__all__ = ["CUSTOMER_RULES", "Batch", "DecisionBatch", "decide_customers"]


class DecisionBatch(Protocol):
    """What the plan reads from a batch of decisions (the kernel's columns).

    ``customer_id`` (n,) str; ``high_value`` (n,) bool; ``treatments`` (T,) in
    config order; ``lawful`` (n, T): the customer's hard rules pass and the
    treatment is applicable; ``expected_value`` (n, T) pounds; ``cost`` (T,)
    pounds per contact; ``failed``: rule id -> (n, T) True where it fails.
    """

    @property
    def customer_id(self) -> np.ndarray:
        """See the class docstring."""

    @property
    def high_value(self) -> np.ndarray:
        """See the class docstring."""

    @property
    def treatments(self) -> tuple[str, ...]:
        """See the class docstring."""

    @property
    def lawful(self) -> np.ndarray:
        """See the class docstring."""

    @property
    def expected_value(self) -> np.ndarray:
        """See the class docstring."""

    @property
    def cost(self) -> np.ndarray:
        """See the class docstring."""

    @property
    def failed(self) -> dict[str, np.ndarray]:
        """See the class docstring."""


@dataclass(frozen=True)
class Batch:
    """A plain decision batch (synthetic instances, tests)."""

    customer_id: np.ndarray
    high_value: np.ndarray
    treatments: tuple[str, ...]
    lawful: np.ndarray
    expected_value: np.ndarray
    cost: np.ndarray
    failed: dict[str, np.ndarray]


def decide_customers(ids: Iterable[str], config: CVMConfig) -> Decisions:
    """One batch for these customers, from the decision kernel."""
    from tools.kernel.batch import decide_ids

    wanted = [c.strip().upper() for c in ids]
    return decide_ids(customer_source(config), config, wanted)


def per_customer_batches(
    config: CVMConfig, ids: list[str] | None = None
) -> Iterator[Decisions]:
    """The whole base (in chunks), or these ids as one batch, from the kernel."""
    from tools.kernel.batch import iter_decisions

    if ids:
        yield decide_customers(ids, config)
    else:
        yield from iter_decisions(customer_source(config), config)
