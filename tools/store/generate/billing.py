"""Usage and bills of a chunk: readings around the allowance, roaming, overage, fees.

Three monthly usage readings per customer (data relative to the allowance, a few
customers over it and rising; voice and texts per line), trips abroad billed as daily
roaming passes, overage billed per GB up to the segment's cap, late fees on some
overdue bills. The average monthly revenue is what the bills add up to, capped per
segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from tools.store.generate import catalogue as cat
from tools.store.generate.people import PLAN_NAMES, People
from tools.store.generate.writer import Cat, Column, ids_of

M = cat.MONTHS
CHARGE_KINDS = ["roaming", "data_overage", "late_fee"]  # as the sample names them
STATUS = ["paid", "pending", "overdue"]


def _bill_dates(as_of: date) -> np.ndarray:
    out = []
    for back in range(M - 1, -1, -1):  # oldest first, the latest this month
        m = as_of.month - 1 - back
        out.append(np.datetime64(f"{as_of.year + m // 12}-{m % 12 + 1:02d}-01"))
    return np.array(out, dtype="datetime64[D]")


@dataclass
class Billing:
    """A chunk's usage, bills and charges (rows per customer x month), and facts."""

    tables: dict[str, dict[str, Column]]
    revenue: np.ndarray  # (n,) average monthly revenue (£)
    shock: np.ndarray  # (n,) a bill rose 10%+ or extras were 30%+ of the plan charge
    overage: np.ndarray  # (n,) any overage charge
    roamed: np.ndarray  # (n,) any roaming charge
    overdue: np.ndarray  # (n,) any overdue bill
    usage_level: np.ndarray  # (n,) typical data use / allowance


def _roaming(rng: np.random.Generator, p: People) -> tuple[np.ndarray, np.ndarray]:
    """Roaming GB and charge, ``(n, M)`` each."""
    n = p.n
    traveller = rng.random(n) < p.segment_value("roamer_share")
    trip = traveller[:, None] & (rng.random((n, M)) < cat.TRIP_P)
    days = np.minimum(1 + rng.poisson(3, (n, M)), 21)
    abroad = 1 + rng.binomial(np.maximum(p.lines - 1, 0)[:, None], 0.05, (n, M))
    eu, world = cat.ROAMING_DAY
    rate = np.where(rng.random((n, M)) < cat.ROAMING_WORLD, world, eu)
    fee = np.where(trip, np.minimum(days * rate * abroad, cat.ROAMING_CAP), 0.0)
    gb = np.where(trip, rng.gamma(1.5, 0.25 * days) * abroad, 0.0)
    return np.round(gb, 2), np.round(fee, 2)


def _usage(
    rng: np.random.Generator, p: People
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each customer's usage level, data used per month, voice and SMS rates."""
    n = p.n
    level = rng.lognormal(np.log(cat.USAGE_LEVEL[0]), cat.USAGE_LEVEL[1], n)
    k = np.arange(M)[None, :]
    drift = rng.normal(1.0, 0.12, (n, M)) * (1 + 0.08 * k * (level[:, None] > 0.9))
    data_gb = np.maximum(np.round(p.allowance[:, None] * level[:, None] * drift, 1), 0)
    voice_rate = rng.lognormal(np.log(180), 0.6, n) * p.lines
    sms_rate = rng.lognormal(np.log(25), 0.9, n) * p.lines
    return level, data_gb, voice_rate, sms_rate


def _charges(
    rng: np.random.Generator, p: People, data_gb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer and month: the overage fee, the bill's status code, late fees.

    Status 0 paid, 1 pending (the latest bill only), 2 overdue.
    """
    n = p.n
    excess = np.maximum(0.0, data_gb - p.allowance[:, None])
    over_fee = np.round(
        np.minimum(
            excess * cat.OVERAGE_PER_GB, p.segment_value("overage_cap")[:, None]
        ),
        2,
    )
    status = np.where(rng.random((n, M)) < p.segment_value("overdue")[:, None], 2, 0)
    status[:, -1] = np.where(
        (status[:, -1] == 0) & (rng.random(n) < 0.06), 1, status[:, -1]
    )  # only the latest bill can still be pending
    late = np.where(
        (status == 2) & (rng.random((n, M)) < cat.LATE_FEE_P), cat.LATE_FEE, 0
    )
    return over_fee, status, late


def draw(rng: np.random.Generator, p: People, as_of: date) -> Billing:
    """Usage readings, bills and extra charges for the customers ``p``."""
    n = p.n
    level, data_gb, voice_rate, sms_rate = _usage(rng, p)
    roam_gb, roam_fee = _roaming(rng, p)
    over_fee, status, late = _charges(rng, p, data_gb)
    extras = roam_fee + over_fee + late
    totals = p.recurring[:, None] + extras
    rise = totals[:, 1:] >= 1.1 * totals[:, :-1]
    shock = rise.any(axis=1) | (extras >= 0.3 * p.recurring[:, None]).any(axis=1)
    cap = p.segment_value("revenue_cap")
    revenue = np.round(np.minimum(totals.mean(axis=1), cap), 2)
    dates = _bill_dates(as_of)
    cust = np.repeat(np.arange(n), M)
    month = np.tile(np.arange(M), n)
    # the extra charges: one row per (customer, month, kind) with an amount
    amounts = np.stack([roam_fee, over_fee, late], axis=-1).reshape(n * M, 3)
    row, kind = np.nonzero(amounts > 0)  # row-major: customer, month, kind order
    tables: dict[str, dict[str, Column]] = {
        "usage": {
            "customer_id": ids_of(p.index[cust]),
            "reading_date": dates[month] - 3,
            "data_gb": data_gb.ravel(),
            "voice_minutes": rng.poisson(np.repeat(voice_rate, M)),
            "sms_count": rng.poisson(np.repeat(sms_rate, M)),
            "roaming_gb": roam_gb.ravel(),
        },
        "bills": {
            "customer_id": ids_of(p.index[cust]),
            "bill_date": dates[month],
            "plan_name": Cat(p.plan[cust], PLAN_NAMES),
            "plan_charge": p.recurring[cust],
            "status": Cat(status.ravel(), STATUS),
            "auto_pay": rng.random(n * M) < cat.AUTO_PAY,
        },
        "bill_charges": {
            "customer_id": ids_of(p.index[cust[row]]),
            "bill_date": dates[month[row]],
            "kind": Cat(kind, CHARGE_KINDS),
            "amount": amounts[row, kind],
        },
    }
    return Billing(
        tables=tables,
        revenue=revenue,
        shock=shock,
        overage=np.any(over_fee > 0, axis=1),
        roamed=np.any(roam_fee > 0, axis=1),
        overdue=(status == 2).any(axis=1),
        usage_level=level,
    )
