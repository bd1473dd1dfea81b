"""``summarise_base``: counts and EV by segment, signal, best action and rule.

One compact kernel pass over the base (:mod:`tools.base_queries.scan`), grouped
with numpy; segments come from the store as codes, not a million strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.base_queries.filters import kernel_mask, sql_where
from tools.base_queries.models import BaseSummary, FindArgs, Group
from tools.base_queries.scan import RULES, scan
from tools.context import ToolContext, default_context
from tools.kernel.decide import SIGNALS


def groups(
    names: list[str] | tuple[str, ...], codes: np.ndarray, ev: np.ndarray
) -> list[Group]:
    """Customers and EV per code (an index into ``names``; -1 is left out).

    Largest group first (ties by name); EV rounded to pence.
    """
    ok = codes >= 0
    counts = np.bincount(codes[ok], minlength=len(names))
    sums = np.bincount(codes[ok], weights=ev[ok], minlength=len(names))
    return _sorted(
        Group(key=str(n), customers=int(c), expected_value=round(float(v), 2))
        for n, c, v in zip(names, counts, sums, strict=True)
        if c
    )


def _flags(named: dict[str, np.ndarray], ev: np.ndarray) -> list[Group]:
    """Customers and EV where each named flag is on (flags may overlap)."""
    return _sorted(
        Group(
            key=name,
            customers=int(on.sum()),
            expected_value=round(float(ev[on].sum()), 2),
        )
        for name, on in named.items()
        if on.any()
    )


def _sorted(items: Any) -> list[Group]:
    return sorted(items, key=lambda g: (-g.customers, g.key))


def summarise_base(
    filters: FindArgs | dict[str, Any] | None = None, ctx: ToolContext | None = None
) -> BaseSummary:
    """Summarise the whole customer base.

    Counts and expected value of best actions by segment, signal, recommended
    treatment, and customers each contact rule excludes something for.
    """
    ctx = ctx or default_context()
    a = FindArgs.model_validate(filters) if isinstance(filters, dict) else filters
    a = a or FindArgs()
    if a.recommended:
        ctx.config.treatment(a.recommended)
    where, params = sql_where(a, ctx)
    s = scan(ctx, where, params, signals=True, rules=True)
    segments, segment = ctx.customers.feature_codes("segment", where, params)
    if len(segment) != len(s):  # the base changed between the two reads
        raise RuntimeError("the customer base changed while it was summarised")
    keep = kernel_mask(s, a, ctx)
    ev = s.best_ev[keep]
    assert s.signals is not None
    return BaseSummary(
        customers=int(keep.sum()),
        total=ctx.customers.count(),
        expected_value=round(float(ev.sum()), 2),
        by_segment=groups(segments, segment[keep], ev),
        by_signal=_flags(
            {name: s.signals[keep, j] for j, name in enumerate(SIGNALS)}, ev
        ),
        by_recommended=groups(s.treatments, s.best[keep].astype(np.int64), ev),
        excluded_by_rule=_flags({r: s.excluded[r][keep] for r in RULES}, ev),
    )
