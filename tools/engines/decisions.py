"""The rows ``cvm decide`` writes: one per customer, the same from every engine."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from tools.kernel.decisions import Decisions


def decision_columns(d: Decisions, catalogue_version: int) -> dict[str, np.ndarray]:
    """Each customer's best lawful treatment, its EV and the rules that excluded.

    Args:
        d: A batch of the kernel's decisions.
        catalogue_version: The catalogue version decided on.
    """
    best = d.best
    rows = np.arange(len(best))
    cols: dict[str, np.ndarray] = {
        "customer_id": d.customer_id.astype(str),
        "best_treatment": d.best_key.astype(str),
        "expected_value": d.best_ev,
        "propensity": d.propensity[rows, best],
        "value_at_risk": d.value_at_risk,
        "cost": d.cost[best],
        "value_band": d.value_band.astype(str),
        "churn_band": d.churn_band.astype(str),
        "high_value": d.high_value,
        "catalogue_version": np.full(len(best), catalogue_version, np.int32),
    }
    for rule, counts in d.excluded_counts().items():
        cols[f"excluded_{rule.lower()}"] = counts
    return cols


@dataclass
class DecisionTotals:
    """What a run of decisions adds up to (summed exactly: EV in pence)."""

    customers: int = 0
    pence: int = 0
    by_treatment: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)

    def add(self, cols: dict[str, np.ndarray]) -> None:
        """Count one batch of :func:`decision_columns`."""
        self.customers += len(cols["customer_id"])
        self.pence += int(np.round(cols["expected_value"] * 100).astype(np.int64).sum())
        keys, counts = np.unique(cols["best_treatment"], return_counts=True)
        self.by_treatment.update(
            {str(k): int(c) for k, c in zip(keys, counts, strict=True)}
        )
        for name, v in cols.items():
            if name.startswith("excluded_"):
                self.excluded[name.removeprefix("excluded_").upper()] += int(v.sum())

    def merge(self, other: DecisionTotals) -> None:
        """Add another run's totals (a shard's)."""
        self.customers += other.customers
        self.pence += other.pence
        self.by_treatment.update(other.by_treatment)
        self.excluded.update(other.excluded)

    @property
    def expected_value(self) -> float:
        """The total expected value in pounds."""
        return self.pence / 100
