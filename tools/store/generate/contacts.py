"""Consents, quiet hours, network measurements, interactions and recommender offers.

Consent rates differ per channel x purpose and per customer (some opt in readily,
some rarely, a few object to all marketing). Network problems follow the home's
coverage, so they concentrate in some regions. Interactions follow what happened to
the customer: complaints about the network where it is poor, about bills after a
shock or overdue bill, about roaming after a trip, competitor talk with churn risk.
"""

from __future__ import annotations

import numpy as np

from tools.store.generate import catalogue as cat
from tools.store.generate.billing import Billing
from tools.store.generate.people import FLAT_PLANS, PLAN_NAMES, People
from tools.store.generate.writer import Cat, Column, Sql, ids_of, literal

SEGMENT_NAMES = [s.name for s in cat.SEGMENTS]
OFFER_SCALE = {"family": 1.5, "senior": 0.6, "small_business": 2.0, "enterprise": 8.0}


def _child(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chunk row of each child row, and the child's position within its parent."""
    idx = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return idx, np.arange(len(idx)) - starts


def consents(
    rng: np.random.Generator, p: People, today: np.datetime64
) -> dict[str, Column]:
    """Four channels per customer: marketing / service / billing consent."""
    n, channels = p.n, list(cat.CONSENT_P)
    shares = np.array([m[0] for m in cat.MARKETING_MOOD])
    mood = np.array([m[1] for m in cat.MARKETING_MOOD])[
        rng.choice(len(shares), n, p=shares)
    ]
    probs = np.broadcast_to(np.array(list(cat.CONSENT_P.values())), (n, 4, 3)).copy()
    probs[:, :, 0] *= mood[:, None]
    senior = p.seg == SEGMENT_NAMES.index("senior")
    probs[senior, channels.index("push"), :] *= cat.SENIOR_PUSH
    grant = rng.random((n, 4, 3)) < probs
    objector = rng.random(n) < cat.OBJECTION_P
    grant[objector, :, 0] = False
    grant = grant.reshape(4 * n, 3)
    return {
        "customer_id": ids_of(np.repeat(p.index, 4)),
        "channel": Cat(np.tile(np.arange(4), n), channels),
        "marketing": grant[:, 0],
        "service": grant[:, 1],
        "billing": grant[:, 2],
        "updated": today - rng.integers(0, 700, 4 * n),
    }


def quiet_hours(rng: np.random.Generator, p: People) -> dict[str, Column]:
    """A daily do-not-disturb window for most customers."""
    has = np.flatnonzero(rng.random(p.n) < 0.85)
    return {
        "customer_id": ids_of(p.index[has]),
        "starts": Sql("make_time(sh, 0, 0)", {"sh": rng.integers(19, 24, len(has))}),
        "ends": Sql("make_time(eh, 0, 0)", {"eh": rng.integers(6, 10, len(has))}),
    }


def network(
    rng: np.random.Generator, p: People, today: np.datetime64
) -> tuple[dict[str, Column], np.ndarray]:
    """Two measurements per customer; also whether the latest one is poor."""
    n, m = p.n, 2 * p.n
    home = np.repeat(p.poor_home, 2)
    poor = rng.random(m) < np.where(home, cat.POOR_AGAIN, cat.POOR_ELSEWHERE)
    quality = np.where(poor, 0, 1 + rng.choice(3, m, p=[0.25, 0.5, 0.25]))
    speed = np.minimum(rng.lognormal(np.log(45), 0.6, m), 300)
    cols: dict[str, Column] = {
        "customer_id": ids_of(np.repeat(p.index, 2)),
        "measured_on": today - np.tile([20, 3], n),
        "quality": Cat(quality, ["poor", "fair", "good", "excellent"]),
        "download_mbps": np.round(np.where(poor, rng.uniform(1, 8, m), speed), 1),
        "upload_mbps": np.round(np.where(poor, rng.uniform(0.5, 3, m), speed / 4), 1),
        "latency_ms": np.round(
            np.where(poor, rng.uniform(70, 180, m), rng.uniform(12, 60, m))
        ),
        "packet_loss_pct": np.round(
            np.where(poor, rng.uniform(1, 6, m), rng.uniform(0, 1.2, m)), 1
        ),
    }
    return cols, poor[1::2]


def _topic_boosts(p: People, bills: Billing, codes: list[str]) -> np.ndarray:
    """How much likelier each topic is per customer, ``(n, topics)`` in ``codes`` order.

    What happened to them (overdue or overage bills, bill shock, poor network at
    home, a trip abroad) and who they are (churn risk, family, lines, plan,
    vulnerable) multiply a topic's base weight; 1 for the rest.
    """
    family = p.seg == SEGMENT_NAMES.index("family")
    boost = np.ones((p.n, len(codes)))
    for code, factor in (
        ("billing_dispute", 1 + 3.0 * (bills.overdue | bills.overage)),
        ("bill_shock", 1 + 5.0 * bills.shock),
        ("network_issue", 1 + 6.0 * p.poor_home),
        ("competitor_mention", 1 + 4.0 * p.churn),
        ("switch_threat", 1 + 8.0 * p.churn**2),
        ("family_interest", 1 + 1.0 * family),
        ("add_line", 1 + 1.0 * (p.lines > 1)),
        ("roaming", 1 + 8.0 * bills.roamed),
        ("international_calls", 1 + 3.0 * _on_plan(p, "International Plus")),
        ("payment_issue", 1 + 20.0 * bills.overdue),
        ("data_upgrade", 1 + 2.0 * bills.overage),
        ("vulnerability_disclosed", 1 + cat.VULNERABLE_NOTE * p.vulnerable),
    ):
        boost[:, codes.index(code)] = factor
    return boost


def interactions(
    rng: np.random.Generator,
    p: People,
    bills: Billing,
    poor_now: np.ndarray,
    today: np.datetime64,
) -> dict[str, Column]:
    """Contacts in the last 60 days, with topics and sentiment.

    What customers raise follows what happened to them (complaints where the
    network is poor, disputes after overdue or overage bills, roaming after a trip)
    and who they are: stated needs (international calls on an international plan,
    lines and family members on shared plans, a new device) and, for some
    vulnerable customers, a bereavement or vulnerability note.
    """
    lam = 0.5 + 1.8 * p.churn + 1.2 * poor_now + 0.8 * bills.shock + 0.3 * (p.lines > 5)
    counts = np.minimum(rng.poisson(lam), cat.INTERACTIONS_CAP)
    row, seq = _child(counts)
    m = len(row)
    codes = [t[0] for t in cat.TOPICS]
    boost = _topic_boosts(p, bills, codes)
    weight = np.array([t[1] for t in cat.TOPICS])
    pick = rng.random((m, len(codes))) < np.minimum(weight * boost[row], 0.9)
    # a contact about nothing in particular: how much data is left
    pick[:, codes.index("usage_question")] |= ~pick.any(axis=1)
    p_neg = (pick * np.array([t[2] for t in cat.TOPICS])).max(axis=1)
    u = rng.random(m)
    sentiment = np.where(u < p_neg, 2, np.where(u < p_neg + (1 - p_neg) * 0.6, 1, 0))
    mask = (pick * (1 << np.arange(len(codes)))).sum(axis=1)
    day = today - 60 + rng.integers(0, 60, m)
    day = day[np.lexsort((day, row))]  # chronological within each customer
    return {
        "customer_id": ids_of(p.index[row]),
        "seq": seq,
        "interaction_date": day,
        "channel": Cat(
            rng.choice(4, m, p=[c[1] for c in cat.CONTACT_CHANNELS]),
            [c[0] for c in cat.CONTACT_CHANNELS],
        ),
        "summary": Cat(pick.argmax(axis=1), [t[3] for t in cat.TOPICS]),
        "sentiment": Cat(sentiment, ["positive", "neutral", "negative"]),
        "duration_minutes": np.round(rng.gamma(2, 5, m), 1),
        "topics": Sql(
            f"list_filter({literal(codes)}, lambda x, i: (tmask >> (i - 1)) & 1 = 1)",
            {"tmask": mask},
        ),
    }


def _on_plan(p: People, name: str) -> np.ndarray:
    """Whether each customer is on the plan ``name``."""
    return p.plan == PLAN_NAMES.index(name)  # type: ignore[no-any-return]


def _products(
    rng: np.random.Generator, p: People, row: np.ndarray, treat: np.ndarray
) -> tuple[Cat, Cat]:
    """The product each offer carries (a plan, or the treatment's own product).

    A plan offer names one of the segment's plans, sometimes the one the customer
    is on (a product they hold); other offers name one of their treatment's
    products (:data:`catalogue.OFFER_PRODUCTS`); and each product's kind
    (:data:`catalogue.OFFER_KINDS`, else by treatment).
    """
    treatments = list(cat.OFFER_TREATMENTS)
    labels = list(PLAN_NAMES)
    first: dict[str | None, int] = {}
    for t, products in cat.OFFER_PRODUCTS.items():
        first[t] = len(labels)
        labels += products
    m = len(row)
    seg_of_plan = np.array([s for s, _ in FLAT_PLANS])
    seg_plans = np.bincount(seg_of_plan, minlength=len(cat.SEGMENTS))
    seg_first = np.cumsum(seg_plans) - seg_plans  # FLAT_PLANS is grouped by segment
    code = np.zeros(m, dtype=np.int64)
    for i, t in enumerate(treatments):
        sel = np.flatnonzero(treat == i)
        if t == "personalized_offer":
            seg = p.seg[row[sel]]
            pick = seg_first[seg] + rng.integers(0, 1 << 20, len(sel)) % seg_plans[seg]
            own = rng.random(len(sel)) < cat.OWN_PLAN_OFFER
            code[sel] = np.where(own, p.plan[row[sel]], pick)
        else:
            k = len(cat.OFFER_PRODUCTS[t])
            code[sel] = first[t] + rng.integers(0, k, len(sel))
    kinds = [cat.OFFER_KINDS.get(name, "") for name in labels]
    for t, products in cat.OFFER_PRODUCTS.items():  # the rest: by treatment
        for k in range(first[t], first[t] + len(products)):
            kinds[k] = kinds[k] or cat.OFFER_KIND_BY_TREATMENT[t]
    plan_kind = cat.OFFER_KIND_BY_TREATMENT["personalized_offer"]
    return Cat(code.astype(np.int32), labels), Cat(
        code.astype(np.int32), [k or plan_kind for k in kinds]
    )


def offers(
    rng: np.random.Generator,
    p: People,
    usage_level: np.ndarray,
    today: np.datetime64,
) -> dict[str, Column]:
    """The recommender's offers of the last weeks: live, expired, accepted, declined.

    A family plan only to multi-line accounts; data boosts more often to customers
    who use most of their allowance. Products come round again, and some are ones
    the customer holds (their own plan, or an offer they accepted earlier).
    """
    counts = np.minimum(rng.poisson(cat.OFFERS_MEAN, p.n), cat.OFFERS_CAP)
    row, seq = _child(counts)
    m = len(row)
    treatments = list(cat.OFFER_TREATMENTS)
    treat = rng.integers(0, len(treatments), m)
    single = p.lines[row] < 2
    treat[single & (treat == treatments.index("family_plan"))] = treatments.index(
        "personalized_offer"
    )
    heavy = (usage_level[row] > 0.8) & (rng.random(m) < 0.3)
    treat[heavy] = treatments.index("data_boost")
    scale = np.array([OFFER_SCALE.get(s, 1.0) for s in SEGMENT_NAMES])[p.seg[row]]
    accept = np.clip(rng.beta(*cat.OFFER_P_BETA, m), 0.01, 0.9)
    status = [s[0] for s in cat.OFFER_STATUS]
    made = today - rng.integers(1, cat.OFFER_AGE_DAYS, m)
    made = made[np.lexsort((made, row))]  # in date order within each customer
    name, kind = _products(rng, p, row, treat)
    return {
        "customer_id": ids_of(p.index[row]),
        "seq": seq,
        "offer_date": made,
        "offer_id": Sql(
            f"'U' || ({cat.FIRST_ID} + oc)::VARCHAR || '-' || os::VARCHAR",
            {"oc": p.index[row], "os": seq},
        ),
        "name": name,
        "kind": kind,
        "treatment": Cat(treat, treatments),
        "acceptance_probability": np.round(accept, 2),
        "value": np.round(rng.uniform(5, 60, m) * scale, 2),
        "status": Cat(
            rng.choice(len(status), m, p=[s[1] for s in cat.OFFER_STATUS]), status
        ),
        "expires": made + rng.integers(*cat.OFFER_LIFE_DAYS, m),
    }
