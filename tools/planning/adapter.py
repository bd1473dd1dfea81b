"""Decision columns for the plan, from the column-wise decision kernel.

The plan reads *decision batches*: per customer × treatment, whether the customer's
own contact rules allow it (and it fits the journey) and its expected value. The
kernel's :class:`tools.kernel.decisions.Decisions` is one (``tools.planning.plan`` takes
them for a list of ids or the whole base in chunks); synthetic instances build their
own (``tools.planning.synthetic``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tools.kernel.rules import CUSTOMER_RULES

__all__ = ["CUSTOMER_RULES", "DecisionBatch"]


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
