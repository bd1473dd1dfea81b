"""The kernel over a customer source: one customer, a filtered batch, the whole base.

Feature columns come from the source (``customer_features``), decisions from
:func:`tools.kernel.decide.decide`; the whole base is walked in chunks of row numbers
so memory stays bounded whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from tools.config import CVMConfig
from tools.kernel.decide import decide
from tools.kernel.decisions import Decisions
from tools.kernel.signals import KERNEL_COLUMNS, Columns
from tools.store.source import CustomerSource

CHUNK = 250_000


def load(
    source: CustomerSource,
    where: str = "",
    params: Sequence[Any] = (),
    extra: Sequence[str] = (),
    treatments: Sequence[str] | None = None,
    ids: bool = True,
) -> tuple[Columns, Columns]:
    """Feature columns and recommender propensities of the customers ``where`` holds.

    Args:
        source: The customer source.
        where: An SQL condition over the feature columns ("" = every customer).
        params: Its parameters.
        extra: Further feature columns to fetch (kept in ``Decisions.extra``).
        treatments: The configuration's treatment keys: offers then come as
            indexes into them (no per-offer names; see ``offer_propensity``).
        ids: Fetch ``customer_id`` (a scan of the whole base that shows only a few
            rows leaves it out: a million strings cost more than the numbers).
    """
    wanted = [*KERNEL_COLUMNS, *(c for c in extra if c not in KERNEL_COLUMNS)]
    if not ids:
        wanted.remove("customer_id")
    cols = source.feature_columns(wanted, where, params)
    rows = np.asarray(cols["row_no"])
    if len(rows) == 0:
        return cols, {"row_no": rows, "treatment": rows, "propensity": rows}
    lo, hi = int(rows[0]), int(rows[-1])
    if treatments is None:
        return cols, source.offer_propensity(lo, hi)
    return cols, source.offer_propensity(lo, hi, treatments)


def decide_where(
    source: CustomerSource,
    config: CVMConfig,
    where: str = "",
    params: Sequence[Any] = (),
    blocked: np.ndarray | None = None,
    extra: Sequence[str] = (),
    ids: bool = True,
) -> Decisions:
    """Decisions for the customers an SQL condition over the features selects.

    ``ids=False`` leaves ``customer_id`` out (``Decisions.customer_id`` is empty).
    """
    cols, offers = load(source, where, params, extra, tuple(config.treatments), ids)
    return decide(cols, offers, config, blocked)


def decide_ids(
    source: CustomerSource, config: CVMConfig, ids: Sequence[str]
) -> Decisions:
    """Decisions for the given customer ids (unknown ids are simply absent)."""
    return decide_where(
        source, config, "customer_id IN (SELECT unnest(?))", [list(ids)]
    )


def iter_decisions(
    source: CustomerSource,
    config: CVMConfig,
    chunk: int = CHUNK,
    where: str = "",
    params: Sequence[Any] = (),
    extra: Sequence[str] = (),
) -> Iterator[Decisions]:
    """Decisions for the whole base (or those ``where`` selects), chunk by chunk."""
    total = source.count()
    for lo in range(0, max(total, 1), chunk):
        cond = f"row_no >= {lo} AND row_no < {lo + chunk}"
        if where:
            cond += f" AND ({where})"
        d = decide_where(source, config, cond, params, extra=extra)
        if len(d.row_no):
            yield d
