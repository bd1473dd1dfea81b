"""``summarise_base``: counts and EV by segment, signal, best action and rule.

One compact kernel pass over the base (:mod:`tools.base_queries.scan`), grouped
with numpy; segments come from the store as codes, not a million strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.base_queries.filters import kernel_mask_all, reach
from tools.base_queries.find import where_all
from tools.base_queries.lists import chain
from tools.base_queries.models import BaseSummary, FindArgs, Group
from tools.base_queries.scan import RULES, scan_chunks
from tools.context import ToolContext
from tools.kernel.signals import SIGNALS


def _sorted(items: Any) -> list[Group]:
    return sorted(items, key=lambda g: (-g.customers, g.key))


def _groups(names: Sequence[str], counts: np.ndarray, sums: np.ndarray) -> list[Group]:
    """Non-empty groups, largest first (ties by name), EV rounded to pence."""
    return _sorted(
        Group(key=str(n), customers=int(c), expected_value=round(float(v), 2))
        for n, c, v in zip(names, counts, sums, strict=True)
        if c
    )


class _Totals:
    """Counts and EV sums per group, added up chunk by chunk."""

    def __init__(self, n: int) -> None:
        self.counts = np.zeros(n, dtype=np.int64)
        self.sums = np.zeros(n)

    def add_codes(self, codes: np.ndarray, ev: np.ndarray) -> None:
        ok = codes >= 0
        n = len(self.counts)
        self.counts += np.bincount(codes[ok], minlength=n)
        self.sums += np.bincount(codes[ok], weights=ev[ok], minlength=n)

    def add_flags(self, flags: np.ndarray, ev: np.ndarray) -> None:
        """``flags`` (m, n) bool: customer in group j (groups may overlap)."""
        for j in range(flags.shape[1]):
            on = flags[:, j]
            self.counts[j] += int(on.sum())
            self.sums[j] += float(ev[on].sum())


def summarise_base(
    filters: FindArgs | dict[str, Any] | None = None,
    among: str | None = None,
    *,
    ctx: ToolContext,
) -> BaseSummary:
    """Summarise the customer base (or an earlier list: among = its list_id).

    Counts and expected value of best actions by segment, signal, recommended
    treatment, and customers each contact rule excludes something for.
    """
    a = FindArgs.model_validate(filters) if isinstance(filters, dict) else filters
    a = a or FindArgs()
    if among:
        a = a.model_copy(update={"among": among})
    parts = chain(a, ctx)
    for part in parts:
        if part.recommended:
            ctx.config.treatment(part.recommended)
    where, params = where_all(parts, ctx)
    segments, segment = ctx.customers.feature_codes("segment", where, params)
    keys = tuple(ctx.config.treatments)
    by = {
        "segment": _Totals(len(segments)),
        "best": _Totals(len(keys)),
        "signal": _Totals(len(SIGNALS)),
        "rule": _Totals(len(RULES)),
    }
    customers, ev_total, seen = 0, 0.0, 0
    for s in scan_chunks(
        ctx, where, params, signals=True, rules=True, reach=reach(parts)
    ):
        assert s.signals is not None
        codes = segment[seen : seen + len(s)]
        seen += len(s)
        keep = kernel_mask_all(s, parts, ctx)
        ev = s.best_ev[keep]
        customers += int(keep.sum())
        ev_total += float(ev.sum())
        by["segment"].add_codes(codes[keep], ev)
        by["best"].add_codes(s.best[keep].astype(np.int64), ev)
        by["signal"].add_flags(s.signals[keep], ev)
        by["rule"].add_flags(np.column_stack([s.excluded[r][keep] for r in RULES]), ev)
    if seen != len(segment):  # an import replaced the base between the two reads
        raise RuntimeError("the customer base changed while it was summarised")
    return BaseSummary(
        customers=customers,
        total=ctx.customers.count(),
        expected_value=round(ev_total, 2),
        by_segment=_groups(segments, by["segment"].counts, by["segment"].sums),
        by_signal=_groups(SIGNALS, by["signal"].counts, by["signal"].sums),
        by_recommended=_groups(keys, by["best"].counts, by["best"].sums),
        excluded_by_rule=_groups(RULES, by["rule"].counts, by["rule"].sums),
    )
