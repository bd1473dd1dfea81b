"""From decision batches and the ledger to a plan problem.

The kernel's columns say which customer × treatment pairs the customer's own contact
rules allow and what each is worth. The ledger adds the rules that read it: a customer
already booked on the plan's day is not planned again (one treatment per customer per
day, which also covers DUPLICATE), FREQUENCY caps block the channel × purpose they
cap, and CAPACITY / BUDGET become the remaining limits (:mod:`tools.planning.limits`:
the ledger rules of :mod:`tools.ledger_rules`, with the high-value reservation).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from tools.config import CVMConfig
from tools.ledger import LedgerStore
from tools.ledger.days import history_since
from tools.planning.adapter import DecisionBatch
from tools.planning.limits import Limits, plan_limits
from tools.planning.problem import PlanProblem
from tools.planning.request import PlanRequest


@dataclass(frozen=True)
class Candidates:
    """A plan problem plus what it was built from."""

    problem: PlanProblem
    customers: int  # customers in scope, with or without a lawful pair
    limits: Limits


def _blocked_by_ledger(
    ledger: LedgerStore, day: date, config: CVMConfig
) -> tuple[set[str], dict[str, set[int]]]:
    """Customers booked on ``day``, and per customer the treatments FREQUENCY blocks."""
    caps = config.policy.frequency_caps
    history = ledger.bookings_since(history_since(day, config), day)
    booked_today = {c for c, bs in history.items() if any(b.day == day for b in bs)}
    blocked: dict[str, set[int]] = {}
    keys = list(config.treatments)
    for cap in caps:
        first = day - timedelta(days=cap.period_days - 1)
        counts = Counter(
            c
            for c, bs in history.items()
            for b in bs
            if b.day >= first
            and b.purpose == cap.purpose
            and config.consent_channel(b.channel) == cap.channel
        )
        hit = [c for c, n in counts.items() if n >= cap.max_contacts]
        if not hit:
            continue
        ts = {
            i
            for i, k in enumerate(keys)
            if config.treatments[k].purpose == cap.purpose
            and config.consent_channel(config.treatments[k].channel) == cap.channel
        }
        for c in hit:
            blocked.setdefault(c, set()).update(ts)
    return booked_today, blocked


@dataclass
class _Pairs:
    """The lawful pairs gathered batch by batch (customers numbered as met)."""

    ids: list[np.ndarray] = field(default_factory=list)
    high: list[np.ndarray] = field(default_factory=list)
    customer: list[np.ndarray] = field(default_factory=list)
    treatment: list[np.ndarray] = field(default_factory=list)
    ev: list[np.ndarray] = field(default_factory=list)
    met: int = 0  # customers with a pair so far
    in_scope: int = 0  # customers in scope, with or without a pair

    def add(
        self,
        batch: DecisionBatch,
        allowed: np.ndarray,
        wanted: set[str],
        booked_today: set[str],
        freq_blocked: dict[str, set[int]],
    ) -> None:
        """Keep a batch's lawful, allowed, positive-EV pairs of customers in scope."""
        cid = np.asarray(batch.customer_id).astype(str)
        keep = np.ones(len(cid), dtype=bool)
        if wanted:
            keep &= np.isin(cid, np.array(sorted(wanted)))
        self.in_scope += int(keep.sum())
        if booked_today:
            keep &= ~np.isin(cid, np.array(sorted(booked_today)))
        ok = np.asarray(batch.lawful) & allowed[None, :] & keep[:, None]
        ev = np.asarray(batch.expected_value, dtype=np.float64)
        ok &= ev > 0
        for c in set(freq_blocked) & set(cid[keep].tolist()):
            row = int(np.flatnonzero(cid == c)[0])
            ok[row, sorted(freq_blocked[c])] = False
        rows, cols = np.nonzero(ok)
        has = np.unique(rows)
        self.ids.append(cid[has])
        self.high.append(np.asarray(batch.high_value, dtype=bool)[has])
        self.customer.append(np.searchsorted(has, rows) + self.met)
        self.treatment.append(cols)
        self.ev.append(ev[rows, cols])
        self.met += len(has)


@dataclass(frozen=True)
class PairColumns:
    """The lawful pairs of some batches, customers in first-come (id) order."""

    customer_ids: np.ndarray
    high_value: np.ndarray
    pair_customer: np.ndarray
    pair_treatment: np.ndarray
    ev: np.ndarray
    in_scope: int


def pair_columns(
    batches: Iterable[DecisionBatch],
    keys: tuple[str, ...],
    allowed: np.ndarray,
    wanted: set[str],
    ledger_blocks: tuple[set[str], dict[str, set[int]]],
) -> PairColumns:
    """Every lawful, allowed, positive-EV pair of the batches' customers in scope.

    One definition for the whole base in this process and for one shard of it in
    a Ray task (:mod:`tools.engines.ray_plan`): shards in id order concatenate to
    the whole.

    Args:
        batches: Decision batches.
        keys: The configuration's treatment keys (the batches' order).
        allowed: Per treatment, whether the request allows it.
        wanted: The request's customers (empty: every customer).
        ledger_blocks: Customers booked on the day, and the treatments FREQUENCY
            blocks per customer (:func:`ledger_blocks`).
    """
    booked_today, freq_blocked = ledger_blocks
    pairs = _Pairs()
    for batch in batches:
        if tuple(batch.treatments) != keys:
            raise ValueError("decision batch treatments differ from the configuration")
        pairs.add(batch, allowed, wanted, booked_today, freq_blocked)
    cust_ids = np.concatenate(pairs.ids) if pairs.ids else np.zeros(0, dtype=str)
    order = np.argsort(cust_ids, kind="stable")  # first come = id order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    empty = np.zeros(0, dtype=np.int64)
    pc = rank[np.concatenate(pairs.customer)] if pairs.customer else empty
    pt = np.concatenate(pairs.treatment) if pairs.treatment else empty
    pe = np.concatenate(pairs.ev) if pairs.ev else np.zeros(0)
    sort = np.lexsort((pt, pc))
    high = np.concatenate(pairs.high) if pairs.high else np.zeros(0, bool)
    return PairColumns(
        cust_ids[order],
        high[order],
        pc[sort].astype(np.int64),
        pt[sort].astype(np.int64),
        pe[sort],
        pairs.in_scope,
    )


def ledger_blocks(
    ledger: LedgerStore,
    day: date,
    config: CVMConfig,
    request: PlanRequest | None = None,
) -> tuple[set[str], dict[str, set[int]]]:
    """Customers the plan leaves out, and per customer the treatments blocked.

    Customers booked on ``day`` and those the request leaves out
    (``scope.without_customers``); per customer, the treatments FREQUENCY blocks.
    """
    booked, freq = _blocked_by_ledger(ledger, day, config)
    if request is not None and request.scope.without_customers:
        booked = booked | {c.upper() for c in request.scope.without_customers}
    return booked, freq


def build_candidates(
    batches: Iterable[DecisionBatch],
    request: PlanRequest,
    config: CVMConfig,
    ledger: LedgerStore,
    day: date,
) -> Candidates:
    """Every lawful, positive-EV pair of the batches in scope, with today's limits.

    Args:
        batches: Decision batches (the kernel's, or the per-customer adapter's).
        request: Scope and changed limits.
        config: Treatments, constraints and policy.
        ledger: The ledger (today's use and the customers' recent bookings).
        day: The plan's day.
    """
    keys = tuple(config.treatments)
    allowed = np.array(request.treatment_mask(config))
    wanted = {c.upper() for c in request.scope.customers}
    cols = pair_columns(
        batches, keys, allowed, wanted, ledger_blocks(ledger, day, config, request)
    )
    lim = plan_limits(request, config, ledger, day)
    problem = PlanProblem(
        customer_ids=cols.customer_ids,
        high_value=cols.high_value,
        treatments=keys,
        pair_customer=cols.pair_customer,
        pair_treatment=cols.pair_treatment,
        ev=cols.ev,
        cost=lim.cost[cols.pair_treatment],
        cap_all=lim.cap_all,
        cap_std=lim.cap_std,
        groups=lim.groups,
    )
    return Candidates(problem, cols.in_scope, lim.limits)
