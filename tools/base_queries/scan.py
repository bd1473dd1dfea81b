"""One pass of the decision kernel over the base, kept to what questions need.

Finding and summarising customers need, per customer, the best lawful treatment
and its expected value, the bands, and (when asked) the signals and which rules
exclude something: not the kernel's customer x treatment matrices, nor a million
customer ids. :func:`scan` runs the one kernel (:func:`tools.kernel.decide.decide`
on :func:`tools.kernel.batch.load`'s columns) chunk by chunk over the customers an
SQL condition selects, without ids, and keeps those columns; callers fetch the full
rows (ids, segment, plan) of the few customers they show by running the same kernel
on just those rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tools.context import ToolContext
from tools.kernel.batch import CHUNK, load
from tools.kernel.decide import decide
from tools.kernel.decisions import Decisions
from tools.kernel.rules import CUSTOMER_RULES
from tools.kernel.signals import SIGNALS, Columns

RULES: tuple[str, ...] = (*CUSTOMER_RULES, "APPLICABILITY")
Reach = tuple[str, "str | None"]  # a channel and a purpose (None: any purpose)
SLICE = 65_536  # customers per kernel call (its arrays stay in cache)
WORKERS = 2  # chunks read and decided at once


@dataclass(frozen=True)
class Scan:
    """The kernel's answer per scanned customer (``m`` of them, in row_no order)."""

    treatments: tuple[str, ...]  # (T,) config order
    row_no: np.ndarray  # (m,) int64
    best: np.ndarray  # (m,) index into ``treatments`` of the best lawful one
    best_ev: np.ndarray  # (m,) float64, pounds
    churn_level: np.ndarray  # (m,) int8 index into BANDS
    value_level: np.ndarray  # (m,) int8 index into BANDS
    churn_score: np.ndarray  # (m,) float64
    monthly_revenue: np.ndarray  # (m,) float64
    signals: np.ndarray | None  # (m, S) bool, when asked for
    excluded: dict[str, np.ndarray]  # rule -> (m,) bool: >= 1 treatment excluded
    marketing_reachable: np.ndarray | None  # (m,) bool: some marketing contact lawful
    reachable: dict[Reach, np.ndarray] = field(default_factory=dict)  # (m,) bool each

    def __len__(self) -> int:
        return len(self.row_no)


def _marketing(d: Decisions, ctx: ToolContext) -> np.ndarray:
    """Per customer: some marketing contact passes every customer-level hard rule."""
    marketing = np.array(
        [
            ctx.config.treatments[k].purpose == "marketing"
            and ctx.config.treatments[k].channel != "none"
            for k in d.treatments
        ],
        dtype=bool,
    )
    if not marketing.any():
        return np.zeros(len(d.best), dtype=bool)
    hard_ok = ~np.logical_or.reduce([m[:, marketing] for m in d.failed.values()])
    return hard_ok.any(axis=1)  # type: ignore[no-any-return]


def _reachable(d: Decisions, ctx: ToolContext, reach: Sequence[Reach]) -> dict:
    """Per (channel, purpose): some such treatment passes every customer-level rule.

    The app channel is reached with push consent, as the kernel's CONSENT says.
    """
    hard_ok = ~np.logical_or.reduce(list(d.failed.values()))
    out = {}
    for channel, purpose in reach:
        mask = np.array(
            [
                ctx.config.treatments[k].channel == channel
                and purpose in (None, ctx.config.treatments[k].purpose)
                for k in d.treatments
            ],
            dtype=bool,
        )
        out[(channel, purpose)] = (
            hard_ok[:, mask].any(axis=1) if mask.any() else np.zeros(len(d.best), bool)
        )
    return out


def _part(
    d: Decisions,
    ctx: ToolContext,
    signals: bool,
    rules: bool,
    reach: Sequence[Reach] = (),
) -> dict[str, Any]:
    part: dict[str, Any] = {
        "row_no": d.row_no,
        "best": d.best.astype(np.int16),
        "best_ev": d.best_ev,
        "churn_level": d.churn_level,
        "value_level": d.value_level,
        "churn_score": np.asarray(d.extra["churn_score"], dtype=np.float64),
        "monthly_revenue": np.asarray(d.extra["monthly_revenue"], dtype=np.float64),
    }
    if signals:
        part["signals"] = d.signals
    if rules:
        for rule in CUSTOMER_RULES:
            part[rule] = d.failed[rule].any(axis=1)
        part["APPLICABILITY"] = ~d.applicable.all(axis=1)
        part["marketing_reachable"] = _marketing(d, ctx)
    if reach:
        part["reachable"] = _reachable(d, ctx, reach)
    return part


def _slices(cols: Columns, offers: Columns) -> Iterator[tuple[Columns, Columns]]:
    """A loaded chunk in slices of :data:`SLICE` customers with their offers.

    The kernel's customer x treatment arrays of a slice stay in the CPU's cache,
    which makes the same arithmetic several times faster than on a whole chunk.
    """
    rows = np.asarray(cols["row_no"])
    orow = np.asarray(offers["row_no"])
    per_offer = [k for k, v in offers.items() if k != "treatment_keys"]
    if len(orow) > 1 and not bool(np.all(orow[1:] >= orow[:-1])):
        order = np.argsort(orow, kind="stable")
        offers = {**offers, **{k: np.asarray(offers[k])[order] for k in per_offer}}
        orow = orow[order]
    for lo in range(0, len(rows), SLICE):
        part = {k: v[lo : lo + SLICE] for k, v in cols.items()}
        first, last = part["row_no"][0], part["row_no"][-1]
        a = int(np.searchsorted(orow, first, side="left"))
        b = int(np.searchsorted(orow, last, side="right"))
        yield part, {**offers, **{k: offers[k][a:b] for k in per_offer}}


def scan_chunks(
    ctx: ToolContext,
    where: str = "",
    params: Sequence[Any] = (),
    signals: bool = False,
    rules: bool = False,
    chunk: int = CHUNK,
    reach: Sequence[Reach] = (),
) -> Iterator[Scan]:
    """The kernel over the customers ``where`` selects: one compact Scan per chunk.

    Chunks (of row numbers) are read and decided by :data:`WORKERS` threads (DuckDB
    and numpy both release the GIL) and come in row order; a caller that folds them
    as they come holds a few chunks at most, whatever the base's size.

    Args:
        ctx: Configuration and customer source.
        where: An SQL condition over the feature columns ("" = the whole base).
        params: Its parameters.
        signals: Keep the signal matrix.
        rules: Keep, per rule, whether it excludes any treatment, and whether any
            marketing contact is lawful.
        chunk: Customers (row numbers) per read; bounds the memory.
        reach: (channel, purpose) pairs to keep reachability for (``reachable``).
    """
    keys = tuple(ctx.config.treatments)

    def work(lo: int) -> Scan | None:
        cond = f"row_no >= {lo} AND row_no < {lo + chunk}"
        if where:
            cond += f" AND ({where})"
        cols, offers = load(ctx.customers, cond, params, (), keys, ids=False)
        if not len(cols["row_no"]):
            return None
        return _merge(
            keys,
            [
                _part(decide(part, part_offers, ctx.config), ctx, signals, rules, reach)
                for part, part_offers in _slices(cols, offers)
            ],
            signals,
            rules,
        )

    starts = range(0, max(ctx.customers.count(), 1), chunk)
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="scan") as pool:
        for done in pool.map(work, starts):
            if done is not None:
                yield done


def scan(
    ctx: ToolContext,
    where: str = "",
    params: Sequence[Any] = (),
    signals: bool = False,
    rules: bool = False,
    chunk: int = CHUNK,
    reach: Sequence[Reach] = (),
) -> Scan:
    """Every chunk of :func:`scan_chunks` in one Scan (memory grows with the base)."""
    parts = [
        {
            "row_no": c.row_no,
            "best": c.best,
            "best_ev": c.best_ev,
            "churn_level": c.churn_level,
            "value_level": c.value_level,
            "churn_score": c.churn_score,
            "monthly_revenue": c.monthly_revenue,
            "signals": c.signals,
            "marketing_reachable": c.marketing_reachable,
            "reachable": c.reachable,
            **c.excluded,
        }
        for c in scan_chunks(ctx, where, params, signals, rules, chunk, reach)
    ]
    return _merge(tuple(ctx.config.treatments), parts, signals, rules)


def _merge(
    keys: tuple[str, ...], parts: list[dict[str, Any]], signals: bool, rules: bool
) -> Scan:
    def cat(name: str, empty: np.ndarray) -> np.ndarray:
        return np.concatenate([p[name] for p in parts]) if parts else empty

    none_f, none_i = np.zeros(0), np.zeros(0, dtype=np.int64)
    return Scan(
        treatments=keys,
        row_no=cat("row_no", none_i),
        best=cat("best", none_i),
        best_ev=cat("best_ev", none_f),
        churn_level=cat("churn_level", none_i),
        value_level=cat("value_level", none_i),
        churn_score=cat("churn_score", none_f),
        monthly_revenue=cat("monthly_revenue", none_f),
        signals=(
            cat("signals", np.zeros((0, len(SIGNALS)), dtype=bool)) if signals else None
        ),
        excluded={r: cat(r, np.zeros(0, dtype=bool)) for r in RULES} if rules else {},
        marketing_reachable=(
            cat("marketing_reachable", np.zeros(0, dtype=bool)) if rules else None
        ),
        reachable={
            key: np.concatenate([p["reachable"][key] for p in parts])
            for key in (parts[0].get("reachable", {}) if parts else {})
        },
    )
