"""The limits a plan's pairs share: capacity, budgets and costs, after today's use.

Per treatment, the capacity and budget in force (the configuration's, or the
request's changes) less what the ledger shows used and spent today, as slots left
for everyone and for standard customers (the high-value reservation:
:func:`tools.planning.problem.treatment_caps`); the request's channel and total
budgets as budget groups. Read by :func:`tools.planning.candidates.build_candidates`
and by the Ray engines' shards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from tools.config import CVMConfig
from tools.ledger import LedgerStore
from tools.planning.problem import BudgetGroup, treatment_caps
from tools.planning.request import PlanRequest


@dataclass(frozen=True)
class Limits:
    """The limits in force per treatment (after the request's changes)."""

    max_per_day: dict[str, int | None]
    used: dict[str, int]
    daily_budget: dict[str, float | None]
    spent: dict[str, float]


def limits_in_force(
    ledger: LedgerStore, day: date, request: PlanRequest, config: CVMConfig
) -> Limits:
    """Capacity and budget per treatment with the request's overrides, and use."""
    state = ledger.day_state(day)
    max_per_day: dict[str, int | None] = {}
    budget: dict[str, float | None] = {}
    for key in config.treatments:
        cons = config.constraints.get(key)
        max_per_day[key] = request.capacity.get(key, cons.max_per_day if cons else None)
        budget[key] = request.treatment_budgets.get(
            key, cons.daily_budget if cons else None
        )
    return Limits(max_per_day, dict(state.used), budget, dict(state.spent))


def _caps(
    keys: tuple[str, ...], limits: Limits, config: CVMConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Slots left per treatment for everyone and for standard customers."""
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
    return cap_all, cap_std


def _budget_groups(
    keys: tuple[str, ...], limits: Limits, request: PlanRequest, config: CVMConfig
) -> tuple[BudgetGroup, ...]:
    """The request's channel budgets (less today's spend) and total budget."""
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
    return tuple(groups)


@dataclass(frozen=True)
class PlanLimits:
    """The limits a plan's pairs share: caps per treatment, budgets, costs."""

    limits: Limits
    treatments: tuple[str, ...]
    cap_all: np.ndarray
    cap_std: np.ndarray
    groups: tuple[BudgetGroup, ...]
    cost: np.ndarray  # per treatment


def plan_limits(
    request: PlanRequest, config: CVMConfig, ledger: LedgerStore, day: date
) -> PlanLimits:
    """Today's remaining caps and budgets, with the request's changes."""
    keys = tuple(config.treatments)
    limits = limits_in_force(ledger, day, request, config)
    cap_all, cap_std = _caps(keys, limits, config)
    cost = np.array([config.treatments[k].cost for k in keys])
    groups = _budget_groups(keys, limits, request, config)
    return PlanLimits(limits, keys, cap_all, cap_std, groups, cost)
