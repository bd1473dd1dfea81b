"""Learning from outcomes: the counts the kernel reads, the cells, the explanation.

* :func:`with_outcomes` (:mod:`tools.learning_counts`, no numpy): the
  configuration with the ledger's outcome counts, which the one kernel turns into
  the Beta posterior of :mod:`tools.kernel.learned`; chat, ``decide --all`` and
  plans all decide with what was learned so far.
* :func:`resolve_cells`: the learning cell and P(accept) of booked customer x
  treatment pairs under the policy in force (the kernel over those customers).
* :func:`learned_step`: where P came from, for an explanation ("prior 0.10; 34
  accepted of 120 high-value, high-churn customers with the signal → 0.27").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tools.config import CVMConfig
from tools.kernel.batch import decide_ids
from tools.kernel.decisions import Decisions
from tools.kernel.learned import LEVELS, cell, fit, learned, posterior
from tools.kernel.treatments import treatments
from tools.learning_counts import with_outcomes
from tools.store.source import CustomerSource

if TYPE_CHECKING:  # (the outcome values: imported where a cell is made)
    from tools.ledger.outcomes import Cell

LEVEL_NAMES = ("low", "medium", "high")


def segment_label(value_level: int, churn_level: int) -> str:
    """A segment of the CVM grid in words: ``high-value, medium-churn``."""
    return f"{LEVEL_NAMES[value_level]}-value, {LEVEL_NAMES[churn_level]}-churn"


def cell_label(c: Cell) -> str:
    """A cell in words (its segment, and the signal when held)."""
    signal = " with a journey signal for it" if c.fit else ""
    return f"{segment_label(c.value_level, c.churn_level)} customers{signal}"


def cells_of(d: Decisions, config: CVMConfig) -> np.ndarray:
    """The learning cell of each customer x treatment of a decision batch."""
    return cell(d.value_level, d.churn_level, fit(d.p_journey, treatments(config).base))


def resolve_cells(
    source: CustomerSource, config: CVMConfig, pairs: Sequence[tuple[str, str]]
) -> list[tuple[Cell, float] | None]:
    """Each (customer, treatment)'s cell and P(accept) under the policy in force.

    None for a customer the store does not hold or a treatment not in the
    catalogue in force.
    """
    if not pairs:
        return []
    from tools.ledger.outcomes import Cell

    d = decide_ids(source, config, sorted({c for c, _ in pairs}))
    row = {str(c): i for i, c in enumerate(d.customer_id)}
    col = {k: t for t, k in enumerate(d.treatments)}
    fits = fit(d.p_journey, treatments(config).base)
    out: list[tuple[Cell, float] | None] = []
    for customer_id, key in pairs:
        i, t = row.get(customer_id), col.get(key)
        if i is None or t is None:
            out.append(None)
            continue
        c = Cell(key, int(d.value_level[i]), int(d.churn_level[i]), bool(fits[i, t]))
        out.append((c, float(d.propensity[i, t])))
    return out


def learned_step(d: Decisions, i: int, j: int, config: CVMConfig) -> str | None:
    """Where customer ``i``'s P of treatment ``j`` came from, once outcomes count.

    None when nothing was learned in its cell (P is the prior).
    """
    prior = d.extra.get("p_prior")
    if prior is None:
        return None
    counts = learned(config)
    c = int(cells_of(d, config)[i, j])
    n, a = int(counts.trials[j, c]), int(counts.accepted[j, c])
    if n == 0:
        return None
    seg = c // 2
    from tools.ledger.outcomes import Cell

    where = cell_label(Cell(d.treatments[j], seg // LEVELS, seg % LEVELS, bool(c % 2)))
    return (
        f"prior {float(prior[i, j]):.2f}; {a} accepted of {n} {where} "
        f"→ {float(d.propensity[i, j]):.2f}"
    )


__all__ = [
    "cell_label",
    "cells_of",
    "learned_step",
    "posterior",
    "resolve_cells",
    "segment_label",
    "with_outcomes",
]
