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
    """Parent index per child row, and the child's position within its parent."""
    idx = np.repeat(np.arange(len(parent)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return idx, np.arange(len(idx)) - starts


class _Writer:
    """Writes numpy column dicts as Parquet files in the schema's types."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.con = duckdb.connect()

    def write(self, table: str, cols: dict[str, np.ndarray]) -> None:
        select = []
        for c in TABLES[table]:
            src = f'"{c.name}"'
            if c.type.endswith("[]"):
                expr = (
                    f"CASE WHEN {src} = '' THEN []::VARCHAR[] ELSE "
                    f"string_split({src}, '|') END"
                )
            elif c.name not in cols:
                expr = "NULL"
            else:
                expr = src
            select.append(f"CAST({expr} AS {c.type}) AS {c.name}")
        frame = {  # noqa: F841  (scanned by DuckDB by name)
            k: v.astype("datetime64[us]") if v.dtype.kind == "M" else v
            for k, v in cols.items()
        }
        self.con.execute(
            f"COPY (SELECT {', '.join(select)} FROM frame) TO "
            f"'{self.out / (table + '.parquet')}' (FORMAT parquet)"
        )


def generate(n: int, seed: int, out: Path) -> dict[str, int]:
    """Write a base of ``n`` customers into ``out`` (one Parquet file per table).

    Returns:
        Rows written per table.
    """
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = _Writer(out)
    rows: dict[str, int] = {}
    ids = np.char.add("U", (FIRST_ID + np.arange(n)).astype("U7"))
    seg = rng.choice(len(SEGMENTS), n, p=SEGMENT_P)
    plan_i = np.zeros(n, dtype=np.int64)
    fee, allowance = np.zeros(n), np.zeros(n)
    lines = np.ones(n, dtype=np.int64)
    plan_name = np.empty(n, dtype=object)
    for s, plans in enumerate(PLANS):
        sel = np.flatnonzero(seg == s)
        pick = rng.integers(0, len(plans), len(sel))
        plan_i[sel] = pick
        for j, (name, f, a, lo, hi) in enumerate(plans):
            m = sel[pick == j]
            plan_name[m], fee[m], allowance[m] = name, f, a
            lines[m] = rng.integers(lo, hi + 1, len(m))
    region_i = rng.integers(0, len(REGIONS), n)
    region = np.asarray(REGIONS, dtype=object)[region_i]
    zone_pick = rng.choice(len(ZONES) + 1, n, p=[*ZONE_P, 1 - sum(ZONE_P)])
    zones = np.asarray([*ZONES, None], dtype=object)[zone_pick]
    tenure = np.minimum(rng.exponential(30, n).astype(np.int64), 240)
    vulnerable = rng.random(n) < np.where(seg == 2, 0.15, 0.02)
    revenue = np.round(fee * np.maximum(1, lines * 0.6) * rng.uniform(0.9, 1.25, n), 2)
    churn = np.round(np.clip(rng.beta(1.6, 4.5, n) + (tenure < 6) * 0.1, 0, 1), 2)
    names = np.char.add(
        np.char.add(np.asarray(FIRST)[rng.integers(0, len(FIRST), n)], " "),
        np.asarray(LAST)[rng.integers(0, len(LAST), n)],
    )
    w.write(
        "customers",
        {
            "customer_id": ids,
            "name": names,
            "segment": np.asarray(SEGMENTS, dtype=object)[seg],
            "region": region,
            "time_zone": zones,
            "tenure_months": tenure,
            "vulnerable": vulnerable,
            "monthly_revenue": revenue,
            "plan_name": plan_name,
            "plan_monthly_fee": fee,
            "plan_data_allowance_gb": allowance,
            "plan_lines": lines,
            "language": np.full(n, "en", dtype=object),
            "churn_score": churn,
            "churn_scored_on": np.full(n, np.datetime64(AS_OF, "D")),
            "churn_satisfaction": rng.integers(1, 6, n),
            "churn_risk_factors": np.where(
                churn >= 0.6,
                "price|competitor_offers",
                np.where(churn >= 0.3, "price", ""),
            ),
        },
    )
    rows["customers"] = n
    # consents: four channels each, objectors refuse marketing everywhere
    objector = rng.random(n) < OBJECTION_P
    cid4 = np.repeat(ids, 4)
    chans = np.tile(np.asarray(list(CONSENT_P), dtype=object), n)
    probs = np.tile(np.asarray(list(CONSENT_P.values())), (n, 1))
    grant = rng.random((4 * n, 3)) < probs
    grant[:, 0] &= ~np.repeat(objector, 4)
    w.write(
        "consents",
        {
            "customer_id": cid4,
            "channel": chans,
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
            "customer_id": ids[has],
            "starts": np.char.add(rng.integers(19, 24, len(has)).astype("U2"), ":00"),
            "ends": np.char.add(
                np.char.zfill(rng.integers(6, 10, len(has)).astype("U2"), 2), ":00"
            ),
        },
    )
    rows["do_not_disturb"] = len(has)
    # usage: three monthly readings around the allowance, a tail above it
    level = rng.lognormal(np.log(0.55), 0.45, n)
    months = 3
    uidx = np.repeat(np.arange(n), months)
    k = np.tile(np.arange(months), n)
    drift = rng.normal(1.0, 0.12, n * months) * (1 + 0.08 * k * (level[uidx] > 0.9))
    data_gb = np.round(allowance[uidx] * level[uidx] * drift, 1)
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
            "customer_id": ids[uidx],
            "reading_date": dates[k] - 3,
            "data_gb": np.maximum(data_gb, 0),
            "voice_minutes": rng.poisson(250, n * months),
            "sms_count": rng.poisson(40, n * months),
            "roaming_gb": roam_gb,
        },
    )
    rows["usage"] = n * months
    # bills: plan charge, roaming / overage / late fees as extra charges
    status = np.asarray(["paid", "pending", "overdue"], dtype=object)[
        rng.choice(3, n * months, p=[0.9, 0.07, 0.03])
    ]
    status[k < months - 1] = np.where(
        status[k < months - 1] == "pending", "paid", status[k < months - 1]
    )
    roam_fee = np.round(roam_gb * rng.uniform(6, 12, n * months), 2)
    over = np.maximum(0, data_gb - allowance[uidx])
    over_fee = np.round(over * 2.5, 2)
    late = (status == "overdue") & (rng.random(n * months) < 0.6)
    charge_kind, charge_row, charge_amt = [], [], []
    for kind, mask, amt in (
        ("roaming", roam_fee > 0, roam_fee),
        ("overage", over_fee > 0, over_fee),
        ("late_fee", late, np.full(n * months, 7.5)),
    ):
        sel = np.flatnonzero(mask)
        charge_row.append(sel)
        charge_kind.append(np.full(len(sel), kind, dtype=object))
        charge_amt.append(amt[sel])
    crow = np.concatenate(charge_row)
    w.write(
        "bill_charges",
        {
            "customer_id": ids[uidx[crow]],
            "bill_date": dates[k[crow]],
            "kind": np.concatenate(charge_kind),
            "amount": np.concatenate(charge_amt),
        },
    )
    rows["bill_charges"] = len(crow)
    plan_charge = np.round(fee[uidx] * np.maximum(1, lines[uidx] * 0.6), 2)
    w.write(
        "bills",
        {
            "customer_id": ids[uidx],
            "bill_date": dates[k],
            "plan_name": plan_name[uidx],
            "plan_charge": plan_charge,
            "status": status,
            "auto_pay": rng.random(n * months) < 0.7,
        },
    )
    rows["bills"] = n * months
    # network: two measurements, poor far more often in some regions
    nidx = np.repeat(np.arange(n), 2)
    p_poor = np.array([POOR_NETWORK_P.get(r, 0.04) for r in REGIONS])
    poor = rng.random(2 * n) < p_poor[region_i][nidx]
    quality = np.where(
        poor,
        "poor",
        np.asarray(["fair", "good", "excellent"], dtype=object)[
            rng.choice(3, 2 * n, p=[0.2, 0.5, 0.3])
        ],
    )
    w.write(
        "network",
        {
            "customer_id": ids[nidx],
            "measured_on": np.datetime64(AS_OF, "D") - np.tile([20, 3], n),
            "quality": quality,
            "download_mbps": np.round(
                np.where(poor, rng.uniform(1, 8, 2 * n), rng.uniform(15, 150, 2 * n)), 1
            ),
            "upload_mbps": np.round(rng.uniform(2, 40, 2 * n), 1),
            "latency_ms": np.round(
                np.where(poor, rng.uniform(70, 180, 2 * n), rng.uniform(12, 60, 2 * n))
            ),
            "packet_loss_pct": np.round(
                np.where(poor, rng.uniform(1, 6, 2 * n), rng.uniform(0, 1.2, 2 * n)), 1
            ),
        },
    )
    rows["network"] = 2 * n
    # interactions: more for churn-prone and poorly served customers
    counts = np.minimum(rng.poisson(0.8 + 2.5 * churn + 1.5 * poor[1::2]), 10)
    iidx, seq = _child(ids, counts)
    m = len(iidx)
    topic_p = np.array([t[1] for t in TOPICS])
    pick = rng.random((m, len(TOPICS))) < topic_p * (1 + churn[iidx, None])
    pick[np.arange(m), rng.integers(0, len(TOPICS), m)] |= ~pick.any(axis=1)
    neg_share = np.array([t[2] for t in TOPICS])
    p_neg = (pick * neg_share).max(axis=1)
    u = rng.random(m)
    sentiment = np.where(
        u < p_neg,
        "negative",
        np.where(u < p_neg + (1 - p_neg) * 0.6, "neutral", "positive"),
    )
    codes = np.asarray([t[0] for t in TOPICS], dtype=object)
    summaries = np.asarray([t[3] for t in TOPICS], dtype=object)
    first = pick.argmax(axis=1)
    topic_text = np.full(m, "", dtype=object)
    for j in range(len(TOPICS)):
        sel = pick[:, j]
        topic_text[sel] = np.where(
            topic_text[sel] == "", codes[j], topic_text[sel] + "|" + codes[j]
        )
    day = (
        np.datetime64(AS_OF, "D") - 60 + rng.integers(0, 60, m).astype("timedelta64[D]")
    )
    order = np.lexsort((day, iidx))
    w.write(
        "interactions",
        {
            "customer_id": ids[iidx],
            "seq": seq,
            "interaction_date": day[order],
            "channel": np.asarray(["call", "web_chat", "email", "store"], dtype=object)[
                rng.choice(4, m, p=[0.5, 0.35, 0.1, 0.05])
            ],
            "summary": summaries[first],
            "sentiment": sentiment,
            "duration_minutes": np.round(rng.gamma(2, 5, m), 1),
            "topics": topic_text,
        },
    )
    rows["interactions"] = m
    # recommender offers
    counts = np.minimum(rng.poisson(1.0, n), 4)
    oidx, oseq = _child(ids, counts)
    m = len(oidx)
    treat = np.asarray(OFFER_TREATMENTS, dtype=object)[
        rng.integers(0, len(OFFER_TREATMENTS), m)
    ]
    w.write(
        "offers",
        {
            "customer_id": ids[oidx],
            "seq": oseq,
            "offer_date": np.datetime64(AS_OF, "D") - rng.integers(1, 30, m),
            "offer_id": np.char.add(
                np.char.add(ids[oidx].astype(str), "-"), oseq.astype(str)
            ),
            "name": np.where(
                treat is None,
                "Usage Alerts",  # noqa: E711
                np.char.add("Offer: ", treat.astype(str)),
            ),
            "kind": np.full(m, "recommender", dtype=object),
            "treatment": treat,
            "acceptance_probability": np.round(rng.uniform(0.05, 0.6, m), 2),
            "value": np.round(rng.uniform(5, 150, m), 2),
            "status": np.asarray(OFFER_STATUS, dtype=object)[
                rng.choice(4, m, p=[0.6, 0.1, 0.1, 0.2])
            ],
            "expires": np.datetime64(AS_OF, "D") + rng.integers(1, 30, m),
        },
    )
    rows["offers"] = m
    w.write(
        "web_sessions",
        {
            "customer_id": ids[:0],
            "session_date": np.array([], dtype="datetime64[D]"),
            "page": ids[:0],
            "duration_seconds": np.zeros(0),
        },
    )
    rows["web_sessions"] = 0
    w.con.close()
    return rows
