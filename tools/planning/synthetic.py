"""Random plan problems shaped like the configured catalogue, for tests and benchmarks.

Deterministic by seed. Each customer has a random subset of lawful treatments with an
expected value that grows with a per-customer value at risk; capacities and budgets
are the configured ones by default (scarce call-centre slots, large e-mail volumes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tools.planning.problem import BudgetGroup, PlanProblem, treatment_caps

# (key, cost, max_per_day, daily_budget, base propensity, lawful share)
CATALOGUE: tuple[tuple[str, float, int, float | None, float, float], ...] = (
    ("service_call_back", 8.0, 5, None, 0.35, 0.08),
    ("marketing_call_back", 10.0, 2, None, 0.3, 0.25),
    ("retention_email", 0.25, 1000, None, 0.1, 0.45),
    ("retention_sms", 0.5, 1000, None, 0.11, 0.4),
    ("service_sms", 0.5, 10000, None, 0.2, 0.08),
    ("loyalty_app", 0.1, 10000, None, 0.08, 0.5),
    ("early_upgrade", 15.0, 50, 600.0, 0.12, 0.3),
    ("family_plan", 5.0, 100, None, 0.2, 0.1),
    ("data_boost", 2.0, 500, 800.0, 0.35, 0.12),
    ("loyalty_points", 0.75, 2000, None, 0.15, 0.5),
    ("personalized_offer", 3.0, 300, None, 0.12, 0.35),
    ("bill_review_call", 6.0, 10, None, 0.4, 0.06),
)


def random_problem(
    n_customers: int,
    seed: int = 0,
    capacity_scale: float = 1.0,
    reserved_share: float = 0.2,
    total_budget: float | None = None,
) -> PlanProblem:
    """A random problem over the catalogue above.

    Args:
        n_customers: Customers (ids ``U1000000`` upwards).
        seed: Random seed.
        capacity_scale: Multiplies every ``max_per_day`` (at least 1 slot).
        reserved_share: Share of each treatment's slots kept for high-value customers.
        total_budget: Optional budget over every treatment.
    """
    rng = np.random.default_rng(seed)
    t = len(CATALOGUE)
    lawful = rng.random((n_customers, t)) < np.array([c[5] for c in CATALOGUE])
    cust, treat = np.nonzero(lawful)
    revenue = rng.lognormal(mean=3.8, sigma=0.6, size=n_customers)
    churn = rng.beta(2, 5, size=n_customers)
    at_risk = churn * revenue * 0.35 * 12
    base = np.array([c[4] for c in CATALOGUE])
    p = np.clip(base[treat] * rng.lognormal(0, 0.5, size=len(cust)), 0, 0.95)
    cost = np.array([c[1] for c in CATALOGUE])[treat]
    ev = np.round(p * at_risk[cust] - cost, 2)
    caps = [
        treatment_caps(
            max(1, math.floor(c[2] * capacity_scale)),
            reserved_share,
            0,
            None if c[3] is None else c[3] * capacity_scale,
            0.0,
            c[1],
        )
        for c in CATALOGUE
    ]
    groups: tuple[BudgetGroup, ...] = ()
    if total_budget is not None:
        groups = (BudgetGroup("budget:total", tuple(range(t)), total_budget),)
    return PlanProblem(
        customer_ids=np.array([f"U{1_000_000 + i}" for i in range(n_customers)]),
        high_value=revenue >= 120.0 * 0.5,
        treatments=tuple(c[0] for c in CATALOGUE),
        pair_customer=cust.astype(np.int64),
        pair_treatment=treat.astype(np.int64),
        ev=ev,
        cost=cost,
        cap_all=np.array([c[0] for c in caps]),
        cap_std=np.array([c[1] for c in caps]),
        groups=groups,
    )


@dataclass(frozen=True)
class Batch:
    """A decision batch (the kernel's columns) made up for tests and benchmarks."""

    customer_id: np.ndarray
    high_value: np.ndarray
    treatments: tuple[str, ...]
    lawful: np.ndarray
    expected_value: np.ndarray
    cost: np.ndarray
    failed: dict[str, np.ndarray] = field(default_factory=dict)


def as_batches(
    problem: PlanProblem, keys: tuple[str, ...], chunk: int = 250_000
) -> list[Batch]:
    """The problem's pairs as decision batches over the configured treatments.

    Treatments of the catalogue map to ``keys`` by name; other keys get no pairs.
    """
    index = {k: i for i, k in enumerate(keys)}
    col = np.array([index[k] for k in problem.treatments])
    n, t = problem.n_customers, len(keys)
    cost = np.zeros(t)
    cost[col] = [c[1] for c in CATALOGUE]
    out = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        sel = (problem.pair_customer >= lo) & (problem.pair_customer < hi)
        rows = problem.pair_customer[sel] - lo
        cols = col[problem.pair_treatment[sel]]
        lawful = np.zeros((hi - lo, t), dtype=bool)
        ev = np.zeros((hi - lo, t))
        lawful[rows, cols] = True
        ev[rows, cols] = problem.ev[sel]
        out.append(
            Batch(
                customer_id=problem.customer_ids[lo:hi],
                high_value=problem.high_value[lo:hi],
                treatments=keys,
                lawful=lawful,
                expected_value=ev,
                cost=cost,
                failed={},
            )
        )
    return out


def lawful_now(
    keys: tuple[str, ...], high_value: dict[str, bool]
) -> Callable[[list[str]], Batch]:
    """A ``decide`` for :func:`tools.planning.booking.book_plan`: nothing failed now."""

    def decide(ids: list[str]) -> Batch:
        n = len(ids)
        return Batch(
            customer_id=np.array(ids),
            high_value=np.array([high_value[i] for i in ids], dtype=bool),
            treatments=keys,
            lawful=np.ones((n, len(keys)), dtype=bool),
            expected_value=np.zeros((n, len(keys))),
            cost=np.zeros(len(keys)),
            failed={},
        )

    return decide
