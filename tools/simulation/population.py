"""A generated population for the simulator: what a policy may see, in columns.

The customers come from the store's generator (:mod:`tools.store.generate`, the base
``cvm generate-customers`` writes) loaded into an in-memory customer store, so their
feature columns and recommender offers are exactly what the kernel reads from a real
base (:func:`tools.kernel.batch.load`). Everything here is *observable*: the hidden
response model (:mod:`tools.simulation.hidden`) is made from it, never the reverse.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from tools.config import CVMConfig
from tools.customer_base import DERIVED
from tools.kernel.batch import load
from tools.kernel.decide import Decisions, decide
from tools.kernel.signals import Columns
from tools.store.duck import DuckStore
from tools.store.generate import generate
from tools.store.meta import set_data_as_of
from tools.store.schema import TABLES

AS_OF = date(2026, 12, 1)  # the generated base's extraction day (fixed: reproducible)


@dataclass(frozen=True)
class Population:
    """The customers a simulation runs on, as the kernel's columns.

    Attributes:
        config: The configuration in force before any learning (outcome counts
            removed): treatments, rules, priors.
        cols: Feature columns (``customer_features``), ``row_no`` order.
        offers: The recommender's offers (``offer_propensity``, treatment indexes).
        prior: The kernel's decisions with no outcome learned: lawful pairs,
            P(accept) as the prior in force, values, cells.
    """

    config: CVMConfig
    cols: Columns
    offers: Columns
    prior: Decisions

    @property
    def n(self) -> int:
        """How many customers."""
        return len(self.prior.row_no)

    @property
    def treatments(self) -> tuple[str, ...]:
        """Treatment keys in configuration order."""
        return self.prior.treatments

    @property
    def value(self) -> np.ndarray:
        """Pounds an acceptance realises per customer x treatment, ``(n, T)``.

        The kernel's value of the pair: value at risk plus the margin of a stated
        need the treatment meets (what its expected value multiplies P by).
        """
        return self.prior.value_at_risk[:, None] + self.prior.need_value


def without_learning(config: CVMConfig) -> CVMConfig:
    """``config`` with no outcome counts: P(accept) is the prior in force."""
    return config.model_copy(update={"learned_counts": ()})


def _fill(store: DuckStore, folder: Path, as_of: date) -> None:
    """Load a generated folder's Parquet parts into an in-memory store."""
    cur = store.cursor()
    for table in TABLES:
        files = sorted(str(p) for p in (folder / table).glob("*.parquet"))
        if files:
            cur.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [files]
            )
    set_data_as_of(cur, as_of)
    DERIVED.build(cur, None)


def generated(n: int, seed: int, config: CVMConfig, as_of: date = AS_OF) -> Population:
    """A generated population of ``n`` customers (the same for the same seed).

    Args:
        n: Customers (``U1000000`` upwards).
        seed: The generator's seed.
        config: The configuration (its learned counts are ignored).
        as_of: The day the base is extracted.
    """
    config = without_learning(config)
    tmp = Path(tempfile.mkdtemp(prefix="cvm-simulate-"))
    try:
        generate(n, seed, tmp / "base", as_of=as_of)
        store = DuckStore(None, DERIVED, [])
        _fill(store, tmp / "base", as_of)
        cols, offers = load(store, treatments=tuple(config.treatments))
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Population(config, cols, offers, decide(cols, offers, config))
