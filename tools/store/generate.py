"""A synthetic customer base in the store's schema (``cvm generate-customers``).

Column-wise with numpy (one random generator, so a seed gives the same base on every
machine), written as one Parquet file per table by DuckDB. Distributions are meant to
look like a mid-size operator's base: segments and plans, consent rates per channel x
purpose (and a share of customers objecting to all marketing), churn scores skewed
low, revenue by plan and lines, usage around the allowance with a tail over it,
roaming and bill shocks, network problems concentrated in some regions,
interactions with topics and sentiment, recommender offers, vulnerable customers and
time zones (a few unknown). Ids are ``U`` + 7 digits from ``U1000000``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from tools.store.schema import TABLES

FIRST_ID = 1_000_000
AS_OF = date(2024, 3, 5)
SEGMENTS = ["consumer", "family", "senior", "small_business", "enterprise"]
SEGMENT_P = [0.5, 0.2, 0.1, 0.15, 0.05]
# plan name, fee, allowance GB, lines (low, high) per segment index
PLANS = [
    [
        ("Individual 5GB", 25.99, 5, 1, 1),
        ("Individual Plus 15GB", 45.99, 15, 1, 1),
        ("Premium Data", 65.99, 50, 1, 1),
        ("International Plus", 75.99, 20, 1, 1),
    ],
    [("Family Share", 79.99, 60, 2, 4), ("Family Share Plus", 129.99, 120, 3, 6)],
    [("Senior Essential", 15.99, 3, 1, 1), ("Senior Plus", 24.99, 10, 1, 2)],
    [("Business Share Basic", 99.99, 40, 2, 5), ("Business Pro", 149.99, 100, 1, 10)],
    [
        ("Enterprise Pro", 499.99, 500, 10, 40),
        ("Enterprise Fiber Pro", 999.99, 1000, 20, 60),
    ],
]
REGIONS = [
    "London",
    "South East",
    "South West",
    "Midlands",
    "North West",
    "North East",
    "Yorkshire",
    "Wales",
    "Scotland",
    "Highlands",
    "Northern Ireland",
    "East Anglia",
]
POOR_NETWORK_P = {
    "Highlands": 0.35,
    "Wales": 0.2,
    "Scotland": 0.15,
    "Northern Ireland": 0.12,
}
ZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Madrid"]
ZONE_P = [0.86, 0.05, 0.03, 0.02]  # the rest (4%) unknown
CONSENT_P = {  # channel -> P(marketing, service, billing)
    "call": (0.45, 0.9, 0.95),
    "sms": (0.55, 0.92, 0.9),
    "email": (0.65, 0.95, 0.97),
    "push": (0.35, 0.7, 0.6),
}
OBJECTION_P = 0.06
TOPICS = [  # code, P(per contact), negative share, summary
    ("billing_dispute", 0.12, 0.8, "Disputed charges on the latest bill."),
    ("bill_shock", 0.08, 0.85, "Surprised by a higher bill than usual."),
    ("network_issue", 0.12, 0.75, "Reported dropped calls and slow data at home."),
    ("competitor_mention", 0.08, 0.6, "Mentioned a cheaper offer from a competitor."),
    ("switch_threat", 0.04, 0.9, "Said they will switch provider unless it improves."),
    ("family_interest", 0.05, 0.1, "Asked about adding family members to the plan."),
    ("product_interest", 0.08, 0.1, "Asked about new phones and plan upgrades."),
    ("international_calls", 0.05, 0.2, "Asked about rates for calls abroad."),
    ("add_line", 0.04, 0.1, "Asked how to add another line."),
    ("usage_question", 0.2, 0.2, "Asked how much data is left this month."),
    ("roaming", 0.06, 0.5, "Asked about roaming charges after a trip."),
]
OFFER_TREATMENTS = [
    "personalized_offer",
    "retention_email",
    "data_boost",
    "family_plan",
    "early_upgrade",
    "loyalty_points",
    None,
]
OFFER_STATUS = ["open", "pending", "accepted", "declined"]
FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Tom",
    "Aisha",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Mo",
    "Nina",
]
LAST = [
    "Smith",
    "Jones",
    "Patel",
    "Brown",
    "Khan",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
]


def _months_back(k: int) -> np.datetime64:
    m = AS_OF.month - 1 - k
    return np.datetime64(date(AS_OF.year + m // 12, m % 12 + 1, 1), "D")


def _child(parent: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent per child row, and the child's position within its parent."""
    idx = np.repeat(parent, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return idx, np.arange(len(idx)) - starts


@dataclass(frozen=True)
class Cat:
    """A categorical column: integer codes into labels (``None`` = NULL)."""

    codes: np.ndarray
    labels: Sequence[str | None]


@dataclass(frozen=True)
class Sql:
    """A column computed by DuckDB from helper columns (no Python strings)."""

    expr: str
    helpers: dict[str, np.ndarray]


def ids_of(index: np.ndarray) -> Sql:
    """Customer ids ``U`` + 7 digits of customer indexes."""
    return Sql(f"'U' || ({FIRST_ID} + cidx)::VARCHAR", {"cidx": index})


def _literal(labels: Sequence[str | None]) -> str:
    quoted = ("NULL" if v is None else "'" + v.replace("'", "''") + "'" for v in labels)
    return f"([{', '.join(quoted)}]::VARCHAR[])"


class _Writer:
    """Writes numpy columns as Parquet files in the schema's types."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.con = duckdb.connect()

    def write(self, table: str, cols: dict[str, np.ndarray | Cat | Sql]) -> None:
        select, frame = [], {}
        for c in TABLES[table]:
            value = cols.get(c.name)
            if value is None:
                expr = "NULL"
            elif isinstance(value, Cat):
                frame[f"{c.name}__code"] = value.codes.astype(np.int32)
                expr = f"{_literal(value.labels)}[{c.name}__code + 1]"
            elif isinstance(value, Sql):
                frame.update(value.helpers)
                expr = value.expr
            else:
                frame[c.name] = (
                    value.astype("datetime64[us]") if value.dtype.kind == "M" else value
                )
                expr = f'"{c.name}"'
            select.append(f"CAST({expr} AS {c.type}) AS {c.name}")
        self.con.register("frame", frame)
        self.con.execute(
            f"COPY (SELECT {', '.join(select)} FROM frame) TO "
            f"'{self.out / (table + '.parquet')}' (FORMAT parquet)"
        )
        self.con.unregister("frame")


def _flat_plans() -> list[tuple[int, str, float, float, int, int]]:
    return [
        (seg, name, fee, allowance, lo, hi)
        for seg, plans in enumerate(PLANS)
        for name, fee, allowance, lo, hi in plans
    ]


def generate(n: int, seed: int, out: Path) -> dict[str, int]:
    """Write a base of ``n`` customers into ``out`` (one Parquet file per table).

    Returns:
        Rows written per table.
    """
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = _Writer(out)
    rows: dict[str, int] = {}
    cust = np.arange(n)
    seg = rng.choice(len(SEGMENTS), n, p=SEGMENT_P)
    flat = _flat_plans()
    plan = np.zeros(n, dtype=np.int64)
    for s, plans in enumerate(PLANS):
        sel = np.flatnonzero(seg == s)
        first = next(i for i, p in enumerate(flat) if p[0] == s)
        plan[sel] = first + rng.integers(0, len(plans), len(sel))
    fee = np.array([p[2] for p in flat])[plan]
    allowance = np.array([p[3] for p in flat])[plan]
    lo, hi = np.array([p[4] for p in flat])[plan], np.array([p[5] for p in flat])[plan]
    lines = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    region_i = rng.integers(0, len(REGIONS), n)
    zone = rng.choice(len(ZONES) + 1, n, p=[*ZONE_P, 1 - sum(ZONE_P)])
    tenure = np.minimum(rng.exponential(30, n).astype(np.int64), 240)
    vulnerable = rng.random(n) < np.where(seg == 2, 0.15, 0.02)
    revenue = np.round(fee * np.maximum(1, lines * 0.6) * rng.uniform(0.9, 1.25, n), 2)
    churn = np.round(np.clip(rng.beta(1.6, 4.5, n) + (tenure < 6) * 0.1, 0, 1), 2)
    w.write(
        "customers",
        {
            "customer_id": ids_of(cust),
            "name": Sql(
                f"{_literal(FIRST)}[fn + 1] || ' ' || {_literal(LAST)}[ln + 1]",
                {
                    "fn": rng.integers(0, len(FIRST), n),
                    "ln": rng.integers(0, len(LAST), n),
                },
            ),
            "segment": Cat(seg, SEGMENTS),
            "region": Cat(region_i, REGIONS),
            "time_zone": Cat(zone, [*ZONES, None]),
            "tenure_months": tenure,
            "vulnerable": vulnerable,
            "monthly_revenue": revenue,
            "plan_name": Cat(plan, [p[1] for p in flat]),
            "plan_monthly_fee": fee,
            "plan_data_allowance_gb": allowance,
            "plan_lines": lines,
            "language": Cat(np.zeros(n, dtype=np.int32), ["en"]),
            "churn_score": churn,
            "churn_scored_on": np.full(n, np.datetime64(AS_OF, "D")),
            "churn_satisfaction": rng.integers(1, 6, n),
            "churn_risk_factors": Sql(
                "CASE WHEN churn >= 0.6 THEN ['price', 'competitor_offers'] "
                "WHEN churn >= 0.3 THEN ['price'] ELSE [] END",
                {"churn": churn},
            ),
        },
    )
    rows["customers"] = n
    # consents: four channels each; objectors refuse marketing everywhere
    objector = rng.random(n) < OBJECTION_P
    probs = np.tile(np.asarray(list(CONSENT_P.values())), (n, 1))
    grant = rng.random((4 * n, 3)) < probs
    grant[:, 0] &= ~np.repeat(objector, 4)
    w.write(
        "consents",
        {
            "customer_id": ids_of(np.repeat(cust, 4)),
            "channel": Cat(np.tile(np.arange(4), n), list(CONSENT_P)),
            "marketing": grant[:, 0],
            "service": grant[:, 1],
            "billing": grant[:, 2],
            "updated": np.datetime64(AS_OF, "D") - rng.integers(0, 700, 4 * n),
        },
    )
    rows["consents"] = 4 * n
    # do-not-disturb windows for most customers
    has = np.flatnonzero(rng.random(n) < 0.85)
    w.write(
        "do_not_disturb",
        {
            "customer_id": ids_of(has),
            "starts": Sql(
                "make_time(sh, 0, 0)", {"sh": rng.integers(19, 24, len(has))}
            ),
            "ends": Sql("make_time(eh, 0, 0)", {"eh": rng.integers(6, 10, len(has))}),
        },
    )
    rows["do_not_disturb"] = len(has)
    # usage: three monthly readings around the allowance, a tail above it
    months = 3
    level = rng.lognormal(np.log(0.55), 0.45, n)
    uidx = np.repeat(cust, months)
    k = np.tile(np.arange(months), n)
    drift = rng.normal(1.0, 0.12, n * months) * (1 + 0.08 * k * (level[uidx] > 0.9))
    data_gb = np.maximum(np.round(allowance[uidx] * level[uidx] * drift, 1), 0)
    roamer = rng.random(n) < 0.1
    roam_gb = np.where(
        roamer[uidx] & (rng.random(n * months) < 0.5),
        np.round(rng.gamma(1.5, 0.8, n * months), 2),
        0.0,
    )
    dates = np.array([_months_back(months - 1 - i) for i in range(months)])
    w.write(
        "usage",
        {
            "customer_id": ids_of(uidx),
            "reading_date": dates[k] - 3,
            "data_gb": data_gb,
            "voice_minutes": rng.poisson(250, n * months),
            "sms_count": rng.poisson(40, n * months),
            "roaming_gb": roam_gb,
        },
    )
    rows["usage"] = n * months
    # bills: plan charge; roaming, overage and late fees as extra charges
    status = rng.choice(3, n * months, p=[0.9, 0.07, 0.03])  # paid, pending, overdue
    status[(k < months - 1) & (status == 1)] = 0
    roam_fee = np.round(roam_gb * rng.uniform(6, 12, n * months), 2)
    over_fee = np.round(np.maximum(0, data_gb - allowance[uidx]) * 2.5, 2)
    late = (status == 2) & (rng.random(n * months) < 0.6)
    kinds = ["roaming", "overage", "late_fee"]
    masks = [roam_fee > 0, over_fee > 0, late]
    amounts = [roam_fee, over_fee, np.full(n * months, 7.5)]
    crow = np.concatenate([np.flatnonzero(m) for m in masks])
    ckind = np.concatenate([np.full(m.sum(), j) for j, m in enumerate(masks)])
    camt = np.concatenate([a[m] for a, m in zip(amounts, masks, strict=True)])
    order = np.argsort(crow, kind="stable")
    crow, ckind, camt = crow[order], ckind[order], camt[order]
    w.write(
        "bill_charges",
        {
            "customer_id": ids_of(uidx[crow]),
            "bill_date": dates[k[crow]],
            "kind": Cat(ckind, kinds),
            "amount": camt,
        },
    )
    rows["bill_charges"] = len(crow)
    w.write(
        "bills",
        {
            "customer_id": ids_of(uidx),
            "bill_date": dates[k],
            "plan_name": Cat(plan[uidx], [p[1] for p in flat]),
            "plan_charge": np.round(fee[uidx] * np.maximum(1, lines[uidx] * 0.6), 2),
            "status": Cat(status, ["paid", "pending", "overdue"]),
            "auto_pay": rng.random(n * months) < 0.7,
        },
    )
    rows["bills"] = n * months
    # network: two measurements, poor far more often in some regions
    nidx = np.repeat(cust, 2)
    p_poor = np.array([POOR_NETWORK_P.get(r, 0.04) for r in REGIONS])
    poor = rng.random(2 * n) < p_poor[region_i][nidx]
    quality = np.where(poor, 0, 1 + rng.choice(3, 2 * n, p=[0.2, 0.5, 0.3]))
    m2 = 2 * n
    w.write(
        "network",
        {
            "customer_id": ids_of(nidx),
            "measured_on": np.datetime64(AS_OF, "D") - np.tile([20, 3], n),
            "quality": Cat(quality, ["poor", "fair", "good", "excellent"]),
            "download_mbps": np.round(
                np.where(poor, rng.uniform(1, 8, m2), rng.uniform(15, 150, m2)), 1
            ),
            "upload_mbps": np.round(rng.uniform(2, 40, m2), 1),
            "latency_ms": np.round(
                np.where(poor, rng.uniform(70, 180, m2), rng.uniform(12, 60, m2))
            ),
            "packet_loss_pct": np.round(
                np.where(poor, rng.uniform(1, 6, m2), rng.uniform(0, 1.2, m2)), 1
            ),
        },
    )
    rows["network"] = m2
    # interactions: more for churn-prone and poorly served customers
    counts = np.minimum(rng.poisson(0.8 + 2.5 * churn + 1.5 * poor[1::2]), 10)
    iidx, seq = _child(cust, counts)
    m = len(iidx)
    topic_p = np.array([t[1] for t in TOPICS])
    pick = rng.random((m, len(TOPICS))) < topic_p * (1 + churn[iidx, None])
    pick[np.arange(m), rng.integers(0, len(TOPICS), m)] |= ~pick.any(axis=1)
    p_neg = (pick * np.array([t[2] for t in TOPICS])).max(axis=1)
    u = rng.random(m)
    sentiment = np.where(u < p_neg, 2, np.where(u < p_neg + (1 - p_neg) * 0.6, 1, 0))
    mask = (pick * (1 << np.arange(len(TOPICS)))).sum(axis=1)
    day = np.datetime64(AS_OF, "D") - 60 + rng.integers(0, 60, m)
    day = day[np.lexsort((day, iidx))]  # chronological within each customer
    w.write(
        "interactions",
        {
            "customer_id": ids_of(iidx),
            "seq": seq,
            "interaction_date": day,
            "channel": Cat(
                rng.choice(4, m, p=[0.5, 0.35, 0.1, 0.05]),
                ["call", "web_chat", "email", "store"],
            ),
            "summary": Cat(pick.argmax(axis=1), [t[3] for t in TOPICS]),
            "sentiment": Cat(sentiment, ["positive", "neutral", "negative"]),
            "duration_minutes": np.round(rng.gamma(2, 5, m), 1),
            "topics": Sql(
                f"list_filter({_literal([t[0] for t in TOPICS])}, "
                "lambda x, i: (tmask >> (i - 1)) & 1 = 1)",
                {"tmask": mask},
            ),
        },
    )
    rows["interactions"] = m
    # recommender offers
    counts = np.minimum(rng.poisson(1.0, n), 4)
    oidx, oseq = _child(cust, counts)
    m = len(oidx)
    treat = rng.integers(0, len(OFFER_TREATMENTS), m)
    w.write(
        "offers",
        {
            "customer_id": ids_of(oidx),
            "seq": oseq,
            "offer_date": np.datetime64(AS_OF, "D") - rng.integers(1, 30, m),
            "offer_id": Sql(
                f"'U' || ({FIRST_ID} + oc)::VARCHAR || '-' || os::VARCHAR",
                {"oc": oidx, "os": oseq},
            ),
            "name": Cat(
                treat,
                [
                    "Usage Alerts" if t is None else f"Offer: {t}"
                    for t in OFFER_TREATMENTS
                ],
            ),
            "kind": Cat(np.zeros(m, dtype=np.int32), ["recommender"]),
            "treatment": Cat(treat, OFFER_TREATMENTS),
            "acceptance_probability": np.round(rng.uniform(0.05, 0.6, m), 2),
            "value": np.round(rng.uniform(5, 150, m), 2),
            "status": Cat(rng.choice(4, m, p=[0.6, 0.1, 0.1, 0.2]), OFFER_STATUS),
            "expires": np.datetime64(AS_OF, "D") + rng.integers(1, 30, m),
        },
    )
    rows["offers"] = m
    w.write(
        "web_sessions",
        {
            "customer_id": ids_of(cust[:0]),
            "session_date": np.array([], dtype="datetime64[D]"),
            "page": Cat(cust[:0], ["home"]),
            "duration_seconds": np.zeros(0),
        },
    )
    rows["web_sessions"] = 0
    w.con.close()
    return rows
