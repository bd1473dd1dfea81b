"""Decision columns from the per-customer tools, for bases small enough to walk.

The plan reads *decision batches*: per customer × treatment, whether the customer's
own contact rules allow it (and it fits the journey) and its expected value. The
column-wise decision kernel produces them for the whole base; this adapter builds the
same columns by asking the per-customer rule and scoring functions, one customer at a
time, and is what the plan uses when no kernel is available.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tools.clock import now as clock_now
from tools.config import CVMConfig
from tools.data import customer_ids, get_customer_data
from tools.eligibility import customer_verdicts, is_high_value
from tools.journey import journey_metrics
from tools.signals import Insight
from tools.treatment import BASELINE, _score

CUSTOMER_RULES = ("DISABLED", "CONSENT", "OBJECTION", "VULNERABLE")


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
    """A decision batch built by :func:`decide_customers`."""

    customer_id: np.ndarray
    high_value: np.ndarray
    treatments: tuple[str, ...]
    lawful: np.ndarray
    expected_value: np.ndarray
    cost: np.ndarray
    failed: dict[str, np.ndarray]


def decide_customers(ids: Iterable[str], config: CVMConfig) -> Batch:
    """One batch for these customers, by the per-customer rules and scores."""
    ids = list(ids)
    keys = tuple(config.treatments)
    n, t = len(ids), len(keys)
    lawful = np.zeros((n, t), dtype=bool)
    ev = np.zeros((n, t))
    failed = {r: np.zeros((n, t), dtype=bool) for r in CUSTOMER_RULES}
    high = np.zeros(n, dtype=bool)
    at = clock_now()
    out_ids = []
    known = set(customer_ids(config))
    ids = [c for c in ids if c.strip().upper() in known]
    n = len(ids)
    lawful, ev = lawful[:n], ev[:n]
    failed = {r: m[:n] for r, m in failed.items()}
    high = high[:n]
    for i, cid in enumerate(ids):
        customer = get_customer_data(cid, config)
        out_ids.append(customer.customer_id)
        metrics, analysis = journey_metrics(customer.customer_id, config)
        insights: dict[str, Insight] = {x.signal: x for x in analysis.insights}
        high[i] = is_high_value(customer, config)
        for j, key in enumerate(keys):
            fixed = customer_verdicts(customer, key, config, set(insights), metrics, at)
            for v in fixed.before:
                if not v.passed and v.rule in failed:
                    failed[v.rule][i, j] = True
            ok = all(v.passed for v in fixed.before) and fixed.applicability.passed
            lawful[i, j] = ok
            if ok and key != BASELINE:
                ev[i, j] = _score(key, customer, insights, config)[0].expected_value
    cost = np.array([0.0 if k == BASELINE else config.treatments[k].cost for k in keys])
    return Batch(np.array(out_ids, dtype=str), high, keys, lawful, ev, cost, failed)


def per_customer_batches(
    config: CVMConfig, ids: list[str] | None = None
) -> Iterator[Batch]:
    """The whole dataset (or these ids) as one batch."""
    yield decide_customers(ids if ids else customer_ids(config), config)
