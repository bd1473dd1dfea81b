"""One customer through the decision kernel, with the record that explains it.

:func:`assess` is what every per-customer tool starts from (recommend, eligibility,
allocate, the journey tools): the customer's record, journey metrics, signals and the
kernel's decisions (:func:`tools.kernel.decide.decide`) as a batch of one.

Customers not seen yet are fetched in batches: threads that ask at the same time
(16 booking threads, a chat server under load) are served by one
:class:`tools.coalesce.Coalescer` call per customer source, which reads their records
and feature rows in one round of queries and runs the kernel once over them. Each
customer's :class:`Assessment` is its row of that batch (:meth:`Decisions.take`): the
kernel is row-wise, so the numbers are the ones a batch of one gives. Results are kept
in a bounded least-recently-used cache keyed by the store's version (an import
replaces the store file and so starts afresh).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from tools.coalesce import Coalescer
from tools.config import CVMConfig
from tools.customer import CustomerData
from tools.data import validate_customer_id
from tools.errors import UnknownCustomerError
from tools.journey_metrics import JourneyMetrics, journey_metrics
from tools.kernel.decide import decide
from tools.kernel.decisions import Decisions
from tools.kernel.signals import SIGNALS
from tools.signals import Insight, find_signals

if TYPE_CHECKING:
    from tools.context import ToolContext
    from tools.store.source import CustomerSource

CACHE_MAX = 1024  # assessments kept (least recently used dropped first)
MAX_BATCH = 64  # customers fetched together at most


class JourneyAnalysis(BaseModel):
    """Result of ``analyze_journey``."""

    customer_id: str
    insights: list[Insight]


@dataclass(frozen=True)
class Assessment:
    """One customer through the decision kernel (a batch of one), with the record.

    ``decisions`` holds the kernel's numbers (rules, P, V, EV) for this customer;
    ``metrics`` and ``analysis`` explain them from the record, worked out on first
    use (a booking reads neither unless the customer has an open problem to word);
    ``as_of`` is the decision date the store's data was read as of (records after
    it unused). ``words`` keeps what is worded from them with ``config`` (the rules'
    reasons per treatment, the open problems): the same for every turn that
    reuses the assessment, so worded once.
    """

    customer: CustomerData
    decisions: Decisions
    as_of: date | None
    config: CVMConfig  # the recency windows and interaction signals the words use
    words: dict[Any, Any] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    @property
    def metrics(self) -> JourneyMetrics:
        """The journey metrics of the customer's feature row."""
        found: JourneyMetrics | None = self.__dict__.get("_metrics")
        if found is None:  # (two threads may both make it: the same value)
            row = {k: v[0] for k, v in self.decisions.extra.items()}
            found = self.__dict__["_metrics"] = journey_metrics(row, self.decisions)
        return found

    @property
    def analysis(self) -> JourneyAnalysis:
        """The evidence of each signal the kernel found, from the record."""
        found: JourneyAnalysis | None = self.__dict__.get("_analysis")
        if found is None:  # (no lock: a lock per property serialises every thread)
            found = self.__dict__["_analysis"] = self._analyse()
        return found

    def _analyse(self) -> JourneyAnalysis:
        present = {
            s for s, on in zip(SIGNALS, self.decisions.signals[0], strict=False) if on
        }
        insights = find_signals(
            self.customer,
            self.metrics,
            present,
            self.as_of,
            _windows(self.config),
            self.config.decisions.interaction_signals,
        )
        return JourneyAnalysis(customer_id=self.customer.customer_id, insights=insights)


def _as_of(value: object) -> date | None:
    """The feature row's decision date (a date, or its text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _windows(config: CVMConfig) -> dict[str, int]:
    """The recency window of each dated signal, by name."""
    return {str(k): v for k, v in config.decisions.recency_days.items()}


def _one(customer: CustomerData, d: Decisions, i: int, config: CVMConfig) -> Assessment:
    """Customer ``i`` of a batch's decisions (its metrics and evidence on demand)."""
    mine = d.take([i])
    as_of = mine.extra.get("as_of")
    day = None if as_of is None else _as_of(as_of[0])
    return Assessment(customer, mine, day, config)


def assess_batch(
    ids: Sequence[str], source: CustomerSource, config: CVMConfig
) -> dict[str, Assessment | Exception]:
    """Assess several customers at once: one round of queries, one kernel run.

    Args:
        ids: Valid customer ids (distinct).
        source: Where the customers are read.
        config: Treatments, policy and value model.

    Returns:
        Per id its :class:`Assessment`, or the ``UnknownCustomerError`` to raise.
    """
    records = source.get_many(ids)
    out: dict[str, Assessment | Exception] = {}
    if records:
        cols, offers = source.feature_rows(list(records))
        d = decide(cols, offers, config)
        for i, cid in enumerate(np.asarray(d.customer_id).tolist()):
            out[cid] = _one(records[cid], d, i, config)
    for cid in ids:
        if cid not in out:
            out[cid] = UnknownCustomerError(cid, source.nearest(cid))
    return out


_lock = threading.Lock()
# key -> (the configuration it was made with, the assessment): an id can be reused
_cache: OrderedDict[tuple[int, object, int, str], tuple[CVMConfig, Assessment]] = (
    OrderedDict()
)
_batchers: OrderedDict[tuple[int, object, int], Coalescer[str, Assessment]] = (
    OrderedDict()
)


def _batcher(
    source: CustomerSource, version: object, config: CVMConfig
) -> Coalescer[str, Assessment]:
    """The coalescer of a source version and configuration (a few kept)."""
    key = (id(source), version, id(config))
    with _lock:
        batcher = _batchers.get(key)
        if batcher is None:

            def fetch(ids: Sequence[str]) -> dict[str, Assessment | Exception]:
                return assess_batch(ids, source, config)

            batcher = _batchers[key] = Coalescer(fetch, MAX_BATCH)
            while len(_batchers) > 8:
                _batchers.popitem(last=False)
        return batcher


def assess(customer_id: str, ctx: ToolContext) -> Assessment:
    """Record, journey metrics, signals and kernel decisions of one customer.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    config = ctx.config  # one read: each reads the ledger's catalogue version
    cid = validate_customer_id(customer_id, config)
    source = ctx.customers
    version = getattr(source, "version", lambda: None)()
    key = (id(source), version, id(config), cid)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is config:
            _cache.move_to_end(key)
            return hit[1]
    result = _batcher(source, version, config).get(cid)
    with _lock:
        _cache[key] = (config, result)
        while len(_cache) > CACHE_MAX:
            _cache.popitem(last=False)
    return result


def assess_many(
    customer_ids: Sequence[str], ctx: ToolContext
) -> dict[str, Assessment | Exception]:
    """:func:`assess` of several customers, those not assessed yet in one batch.

    For a caller deciding a batch of its own (bookings decided together): the
    customers are assessed by the calling thread, not shared with other callers.

    Returns:
        Per id (as given) its assessment, or the error :func:`assess` would raise.
    """
    config = ctx.config
    source = ctx.customers
    version = getattr(source, "version", lambda: None)()
    out: dict[str, Assessment | Exception] = {}
    todo: dict[str, list[str]] = {}  # normalised id -> the ids given for it
    for given in customer_ids:
        try:
            cid = validate_customer_id(given, config)
        except Exception as exc:  # noqa: BLE001 - its caller's error
            out[given] = exc
            continue
        with _lock:
            hit = _cache.get((id(source), version, id(config), cid))
        if hit is not None and hit[0] is config:
            out[given] = hit[1]
        else:
            todo.setdefault(cid, []).append(given)
    batcher = _batcher(source, version, config)
    ids = list(todo)
    for start in range(0, len(ids), MAX_BATCH):
        found = batcher.get_now(ids[start : start + MAX_BATCH])
        with _lock:
            for cid, result in found.items():
                if isinstance(result, Assessment):
                    _cache[(id(source), version, id(config), cid)] = (config, result)
            while len(_cache) > CACHE_MAX:
                _cache.popitem(last=False)
        for cid, result in found.items():
            answer = result if isinstance(result, Assessment) else _error(result)
            out.update((given, answer) for given in todo[cid])
    return out


def _error(found: BaseException) -> Exception:
    if isinstance(found, Exception):
        return found
    raise found  # (a KeyboardInterrupt or the like is no customer's error)


def batch_stats(ctx: ToolContext) -> tuple[int, int]:
    """Batches made and customers assessed through them for ``ctx``'s source."""
    source = ctx.customers
    version = getattr(source, "version", lambda: None)()
    batcher = _batcher(source, version, ctx.config)
    return batcher.batches, batcher.keys


def forget_assessments() -> None:
    """Drop every cached assessment (tests; a changed source is noticed anyway)."""
    with _lock:
        _cache.clear()
        _batchers.clear()
