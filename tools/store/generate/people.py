"""Who the customers of a chunk are: segment, tariff, lines, region, tenure, churn.

:func:`draw` returns a :class:`People` of per-customer columns that the billing and
contact modules build on; :func:`customers_table` turns it (with the revenue billing
worked out) into the ``customers`` table's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.store.generate import catalogue as cat
from tools.store.generate.writer import Cat, Column, Sql, ids_of, literal

FLAT_PLANS = [(s, p) for s, seg in enumerate(cat.SEGMENTS) for p in seg.plans]
PLAN_NAMES = [p.name for _, p in FLAT_PLANS]
RISK_FACTORS = ["price", "competitor_offers", "network_issues", "new_customer"]


def _per_plan(attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for _, p in FLAT_PLANS], dtype=np.float64)


def _per_segment(attr: str) -> np.ndarray:
    return np.array([getattr(s, attr) for s in cat.SEGMENTS], dtype=np.float64)


@dataclass
class People:
    """Per-customer columns of one chunk (``n`` customers from global ``start``)."""

    index: np.ndarray  # global customer index: id = U + (FIRST_ID + index)
    seg: np.ndarray  # index into catalogue.SEGMENTS
    plan: np.ndarray  # index into FLAT_PLANS
    lines: np.ndarray
    recurring: np.ndarray  # monthly fee + extra lines + handsets (£)
    region: np.ndarray
    zone: np.ndarray  # index into catalogue.ZONES; len(ZONES) = unknown
    tenure: np.ndarray
    vulnerable: np.ndarray
    poor_home: np.ndarray  # poor coverage where the customer lives
    churn: np.ndarray

    @property
    def n(self) -> int:
        """Customers in the chunk."""
        return len(self.index)

    @property
    def allowance(self) -> np.ndarray:
        """Each customer's data allowance (GB)."""
        return _per_plan("allowance_gb")[self.plan]

    def segment_value(self, attr: str) -> np.ndarray:
        """A :class:`~catalogue.Segment` attribute per customer."""
        return _per_segment(attr)[self.seg]


def _plans(rng: np.random.Generator, seg: np.ndarray) -> np.ndarray:
    plan = np.zeros(len(seg), dtype=np.int64)
    first = 0
    for s, segment in enumerate(cat.SEGMENTS):
        sel = np.flatnonzero(seg == s)
        weights = np.array([p.weight for p in segment.plans])
        plan[sel] = first + rng.choice(
            len(weights), len(sel), p=weights / weights.sum()
        )
        first += len(segment.plans)
    return plan


def _lines(rng: np.random.Generator, seg: np.ndarray) -> np.ndarray:
    spec = np.array([s.lines for s in cat.SEGMENTS], dtype=np.float64)[seg]
    drawn = np.rint(rng.lognormal(np.log(spec[:, 0]), spec[:, 1]))
    return np.clip(drawn, spec[:, 2], spec[:, 3]).astype(np.int64)


def _recurring(
    rng: np.random.Generator, seg: np.ndarray, plan: np.ndarray, lines: np.ndarray
) -> np.ndarray:
    extra = np.maximum(0, lines - _per_plan("included_lines")[plan])
    devices = rng.binomial(lines, _per_segment("device_share")[seg])
    shape, scale = cat.DEVICE_GAMMA
    handsets = np.minimum(rng.gamma(shape * devices, scale), cat.DEVICE_CAP * devices)
    charge = _per_plan("fee")[plan] + extra * _per_plan("extra_line_fee")[plan]
    return np.round(charge + handsets, 2)


def _tenure(rng: np.random.Generator, seg: np.ndarray) -> np.ndarray:
    median = _per_segment("tenure_median")[seg]
    months = rng.lognormal(np.log(median), cat.TENURE_SIGMA)
    new = rng.random(len(seg)) < cat.NEW_JOINERS
    months = np.where(new, rng.integers(0, 6, len(seg)), months)
    cap = cat.TENURE_CAP  # the longest-standing spread over the last years, no pile-up
    months = np.where(months > cap, rng.uniform(cap * 0.6, cap, len(seg)), months)
    return months.astype(np.int64)


def _churn(
    rng: np.random.Generator, seg: np.ndarray, tenure: np.ndarray, poor: np.ndarray
) -> np.ndarray:
    a, b = (np.array([s.churn_beta[i] for s in cat.SEGMENTS])[seg] for i in (0, 1))
    score = rng.beta(a, b)
    at_risk = rng.random(len(seg)) < cat.AT_RISK  # a group the model is sure about
    score = np.where(at_risk, rng.beta(*cat.AT_RISK_BETA, len(seg)), score)
    # drivers raise the score towards 1 (or lower it) without piling up at the ends
    score = 1 - (1 - score) * (1 - 0.12 * (tenure < 6)) * (1 - 0.15 * poor)
    score *= 1 - 0.15 * (tenure >= 48)
    return np.round(np.clip(score, 0.01, 0.99), 2)


def draw(rng: np.random.Generator, start: int, n: int) -> People:
    """The customers ``start`` … ``start + n - 1`` of a base."""
    seg = rng.choice(len(cat.SEGMENTS), n, p=_per_segment("share"))
    plan = _plans(rng, seg)
    lines = _lines(rng, seg)
    region_p = np.array([r[1] for r in cat.REGIONS])
    region = rng.choice(len(cat.REGIONS), n, p=region_p / region_p.sum())
    zone_p = [z[1] for z in cat.ZONES]
    zone = rng.choice(len(zone_p) + 1, n, p=[*zone_p, 1 - sum(zone_p)])
    tenure = _tenure(rng, seg)
    poor = rng.random(n) < np.array([r[2] for r in cat.REGIONS])[region]
    return People(
        index=np.arange(start, start + n),
        seg=seg,
        plan=plan,
        lines=lines,
        recurring=_recurring(rng, seg, plan, lines),
        region=region,
        zone=zone,
        tenure=tenure,
        vulnerable=rng.random(n) < _per_segment("vulnerable")[seg],
        poor_home=poor,
        churn=_churn(rng, seg, tenure, poor),
    )


def customers_table(
    rng: np.random.Generator, p: People, revenue: np.ndarray, today: np.datetime64
) -> dict[str, Column]:
    """The ``customers`` table's columns."""
    n = p.n
    satisfaction = np.rint(4.2 - 3.0 * p.churn + rng.normal(0, 0.7, n))
    factors = (
        (p.churn >= 0.3) * 1
        + (p.churn >= 0.6) * 2
        + p.poor_home * 4
        + (p.tenure < 6) * 8
    )
    return {
        "customer_id": ids_of(p.index),
        "name": Sql(
            f"{literal(cat.FIRST_NAMES)}[fn + 1] || ' ' || {literal(cat.LAST_NAMES)}"
            "[ln + 1]",
            {
                "fn": rng.integers(0, len(cat.FIRST_NAMES), n),
                "ln": rng.integers(0, len(cat.LAST_NAMES), n),
            },
        ),
        "segment": Cat(p.seg, [s.name for s in cat.SEGMENTS]),
        "region": Cat(p.region, [r[0] for r in cat.REGIONS]),
        "time_zone": Cat(p.zone, [*(z[0] for z in cat.ZONES), None]),
        "tenure_months": p.tenure,
        "vulnerable": p.vulnerable,
        "monthly_revenue": revenue,
        "plan_name": Cat(p.plan, PLAN_NAMES),
        "plan_monthly_fee": _per_plan("fee")[p.plan],
        "plan_data_allowance_gb": p.allowance,
        "plan_lines": p.lines,
        "language": Cat(np.zeros(n, dtype=np.int32), ["en"]),
        "churn_score": p.churn,
        "churn_scored_on": today - rng.integers(0, 7, n),  # the weekly model run
        "churn_satisfaction": np.clip(satisfaction, 1, 5).astype(np.int64),
        "churn_risk_factors": Sql(
            f"list_filter({literal(RISK_FACTORS)}, "
            "lambda x, i: (rmask >> (i - 1)) & 1 = 1)",
            {"rmask": factors.astype(np.int64)},
        ),
    }
