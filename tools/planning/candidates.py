"""From decision batches and the ledger to a plan problem.

The kernel's columns say which customer × treatment pairs the customer's own contact
rules allow and what each is worth. The ledger adds the rules that read it: a customer
already booked on the plan's day is not planned again (one treatment per customer per
day, which also covers DUPLICATE), FREQUENCY caps block the channel × purpose they
cap, and CAPACITY / BUDGET become the remaining limits (``tools.eligibility`` rules,
with the high-value reservation).
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tools.allocation import read_state
from tools.config import CVMConfig
from tools.planning.adapter import DecisionBatch
from tools.planning.problem import BudgetGroup, PlanProblem, treatment_caps
from tools.planning.request import PlanRequest


@dataclass(frozen=True)
class Limits:
    """The limits in force per treatment (after the request's changes)."""

    max_per_day: dict[str, int | None]
    used: dict[str, int]
    daily_budget: dict[str, float | None]
    spent: dict[str, float]


@dataclass(frozen=True)
class Candidates:
    """A plan problem plus what it was built from."""

    problem: PlanProblem
    customers: int  # customers in scope, with or without a lawful pair
    limits: Limits


def _blocked_by_ledger(
    conn: sqlite3.Connection, day: date, config: CVMConfig
) -> tuple[set[str], dict[str, set[int]]]:
    """Customers booked on ``day``, and per customer the treatments FREQUENCY blocks."""
    caps = config.policy.frequency_caps
    longest = max((c.period_days for c in caps), default=1)
    since = (day - timedelta(days=longest)).isoformat()
    rows = conn.execute(
        "SELECT customer_id, channel, purpose, day FROM allocations "
        "WHERE status = 'active' AND day >= ? AND day <= ?",
        (since, day.isoformat()),
    ).fetchall()
    booked_today = {r[0] for r in rows if r[3] == day.isoformat()}
    blocked: dict[str, set[int]] = {}
    keys = list(config.treatments)
    for cap in caps:
        first = (day - timedelta(days=cap.period_days - 1)).isoformat()
        counts = Counter(
            r[0]
            for r in rows
            if r[3] >= first
            and r[2] == cap.purpose
            and config.consent_channel(r[1]) == cap.channel
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


def limits_in_force(
    conn: sqlite3.Connection, day: date, request: PlanRequest, config: CVMConfig
) -> Limits:
    """Capacity and budget per treatment with the request's overrides, and use."""
    state = read_state(conn, None, day, config)
    max_per_day: dict[str, int | None] = {}
    budget: dict[str, float | None] = {}
    for key in config.treatments:
        cons = config.constraints.get(key)
        max_per_day[key] = request.capacity.get(key, cons.max_per_day if cons else None)
        budget[key] = request.treatment_budgets.get(
            key, cons.daily_budget if cons else None
        )
    return Limits(max_per_day, dict(state.used_today), budget, dict(state.spent_today))


def build_candidates(
    batches: Iterable[DecisionBatch],
    request: PlanRequest,
    config: CVMConfig,
    conn: sqlite3.Connection,
    day: date,
) -> Candidates:
    """Every lawful, positive-EV pair of the batches in scope, with today's limits.

    Args:
        batches: Decision batches (the kernel's, or the per-customer adapter's).
        request: Scope and changed limits.
        config: Treatments, constraints and policy.
        conn: A ledger connection (read inside one transaction by the caller).
        day: The plan's day.
    """
    keys = tuple(config.treatments)
    allowed = np.array(request.treatment_mask(config))
    wanted = {c.upper() for c in request.scope.customers}
    booked_today, freq_blocked = _blocked_by_ledger(conn, day, config)
    ids, high, p_cust, p_treat, p_ev = [], [], [], [], []
    offset, total = 0, 0
    for batch in batches:
        if tuple(batch.treatments) != keys:
            raise ValueError("decision batch treatments differ from the configuration")
        cid = np.asarray(batch.customer_id).astype(str)
        keep = np.ones(len(cid), dtype=bool)
        if wanted:
            keep &= np.isin(cid, np.array(sorted(wanted)))
        total += int(keep.sum())
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
        local = np.searchsorted(has, rows)
        ids.append(cid[has])
        high.append(np.asarray(batch.high_value, dtype=bool)[has])
        p_cust.append(local + offset)
        p_treat.append(cols)
        p_ev.append(ev[rows, cols])
        offset += len(has)
    cust_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=str)
    order = np.argsort(cust_ids, kind="stable")  # first come = id order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    pc = rank[np.concatenate(p_cust)] if p_cust else np.zeros(0, dtype=np.int64)
    pt = np.concatenate(p_treat) if p_treat else np.zeros(0, dtype=np.int64)
    pe = np.concatenate(p_ev) if p_ev else np.zeros(0)
    sort = np.lexsort((pt, pc))
    limits = limits_in_force(conn, day, request, config)
    cap_all, cap_std = np.full(len(keys), math.inf), np.full(len(keys), math.inf)
    for i, key in enumerate(keys):
        cons = config.constraints.get(key)
        cap_all[i], cap_std[i] = treatment_caps(
            limits.max_per_day[key],
            cons.reserved_share if cons else 0.0,
            limits.used.get(key, 0),
            limits.daily_budget[key],
            limits.spent.get(key, 0.0),
            config.treatments[key].cost,
        )
    groups = []
    for channel, bound in request.channel_budgets.items():
        members = tuple(
            i for i, k in enumerate(keys) if config.treatments[k].channel == channel
        )
        spent = sum(limits.spent.get(keys[i], 0.0) for i in members)
        groups.append(
            BudgetGroup(f"budget:{channel}", members, max(0.0, bound - spent))
        )
    if request.budget is not None:
        groups.append(
            BudgetGroup("budget:total", tuple(range(len(keys))), request.budget)
        )
    cost = np.array([config.treatments[k].cost for k in keys])
    problem = PlanProblem(
        customer_ids=cust_ids[order],
        high_value=(np.concatenate(high) if high else np.zeros(0, bool))[order],
        treatments=keys,
        pair_customer=pc[sort].astype(np.int64),
        pair_treatment=pt[sort].astype(np.int64),
        ev=pe[sort],
        cost=cost[pt[sort]],
        cap_all=cap_all,
        cap_std=cap_std,
        groups=tuple(groups),
    )
    return Candidates(problem, total, limits)
