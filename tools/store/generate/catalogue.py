"""The generator's parameters: a UK-style operator's segments, tariffs and habits.

Every distribution the generator draws from is set here, so a reader can see (and
tune) what a synthetic base looks like without reading the drawing code. Money is in
pounds per month. Figures are plausible for a UK mobile operator, not any real one:
consumer ARPU in the tens of pounds, families and small businesses higher, enterprise
accounts in the hundreds to low thousands, every account capped.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_ID = 1_000_000  # ids are U + digits from U1000000
MONTHS = 3  # monthly bills and usage readings per customer
CHUNK = 250_000  # customers generated and written per Parquet part


@dataclass(frozen=True)
class Plan:
    """A tariff: fee, allowance, lines included and each extra line's fee."""

    name: str
    fee: float
    allowance_gb: float
    weight: float  # share of the segment's customers on this plan
    included_lines: int = 1
    extra_line_fee: float = 0.0


@dataclass(frozen=True)
class Segment:
    """A customer segment: share, tariffs, lines, tenure, churn, money caps."""

    name: str
    share: float
    plans: tuple[Plan, ...]
    lines: tuple[float, float, int, int]  # lognormal median, sigma, min, max
    tenure_median: float  # months
    churn_beta: tuple[float, float]
    device_share: float  # share of lines paying off a handset
    vulnerable: float  # share flagged vulnerable
    revenue_cap: float  # highest average monthly revenue (£)
    overage_cap: float  # highest overage charge on one bill (£)
    roamer_share: float  # share of customers who travel at all
    overdue: float  # share of bills overdue


SEGMENTS: tuple[Segment, ...] = (
    Segment(
        name="consumer",
        share=0.58,
        plans=(
            Plan("Individual 5GB", 12.99, 5, 0.22),
            Plan("Individual Plus 15GB", 17.99, 15, 0.32),
            Plan("Premium Data", 24.99, 100, 0.30),
            Plan("International Plus", 29.99, 30, 0.16),
        ),
        lines=(1.0, 0.25, 1, 2),
        tenure_median=34,
        churn_beta=(1.6, 5.5),
        device_share=0.45,
        vulnerable=0.03,
        revenue_cap=150.0,
        overage_cap=30.0,
        roamer_share=0.12,
        overdue=0.03,
    ),
    Segment(
        name="family",
        share=0.17,
        plans=(
            Plan("Family Share", 39.99, 60, 0.6, 2, 9.0),
            Plan("Family Share Plus", 59.99, 150, 0.4, 3, 8.0),
        ),
        lines=(3.0, 0.3, 2, 6),
        tenure_median=40,
        churn_beta=(1.5, 6.0),
        device_share=0.35,
        vulnerable=0.02,
        revenue_cap=300.0,
        overage_cap=40.0,
        roamer_share=0.10,
        overdue=0.03,
    ),
    Segment(
        name="senior",
        share=0.11,
        plans=(
            Plan("Senior Essential", 9.99, 3, 0.6),
            Plan("Senior Plus", 14.99, 10, 0.4, 1, 7.0),
        ),
        lines=(1.0, 0.3, 1, 2),
        tenure_median=60,
        churn_beta=(1.2, 7.0),
        device_share=0.25,
        vulnerable=0.18,
        revenue_cap=60.0,
        overage_cap=20.0,
        roamer_share=0.04,
        overdue=0.015,
    ),
    Segment(
        name="small_business",
        share=0.12,
        plans=(
            Plan("Business Share Basic", 24.99, 40, 0.55, 1, 11.0),
            Plan("Business Pro", 39.99, 100, 0.45, 1, 14.0),
        ),
        lines=(3.0, 0.8, 1, 30),
        tenure_median=42,
        churn_beta=(1.5, 6.0),
        device_share=0.30,
        vulnerable=0.005,
        revenue_cap=1_200.0,
        overage_cap=60.0,
        roamer_share=0.20,
        overdue=0.02,
    ),
    Segment(
        name="enterprise",
        share=0.02,
        plans=(
            Plan("Enterprise Pro", 249.99, 500, 0.6, 10, 10.0),
            Plan("Enterprise Fiber Pro", 499.99, 1000, 0.4, 20, 9.0),
        ),
        lines=(35.0, 0.6, 10, 250),
        tenure_median=48,
        churn_beta=(1.5, 8.0),
        device_share=0.20,
        vulnerable=0.0,
        revenue_cap=5_000.0,
        overage_cap=250.0,
        roamer_share=0.35,
        overdue=0.01,
    ),
)
DEVICE_GAMMA = (4.0, 6.0)  # a handset's monthly payment: shape, scale (mean £24)
DEVICE_CAP = 60.0
AT_RISK, AT_RISK_BETA = 0.06, (4.0, 3.0)  # churn scores of a clearly at-risk group
NEW_JOINERS = 0.05  # share of customers who joined in the last six months
TENURE_SIGMA, TENURE_CAP = 0.95, 240

# Regions with their share of customers (about the UK's population) and the chance
# that a customer's home has poor coverage there.
REGIONS: tuple[tuple[str, float, float], ...] = (
    ("London", 0.134, 0.03),
    ("South East", 0.138, 0.035),
    ("South West", 0.085, 0.07),
    ("Midlands", 0.161, 0.035),
    ("North West", 0.110, 0.035),
    ("North East", 0.040, 0.04),
    ("Yorkshire", 0.082, 0.04),
    ("Wales", 0.047, 0.14),
    ("Scotland", 0.075, 0.09),
    ("Highlands", 0.007, 0.30),
    ("Northern Ireland", 0.028, 0.09),
    ("East Anglia", 0.093, 0.06),
)
POOR_AGAIN = 0.75  # a measurement at a poorly covered home is poor
POOR_ELSEWHERE = 0.015  # …and elsewhere, now and then
# IANA zones of the customers' contact addresses; the rest is unknown (NULL)
ZONES: tuple[tuple[str, float], ...] = (
    ("Europe/London", 0.955),
    ("Europe/Dublin", 0.012),
    ("Europe/Paris", 0.006),
    ("Europe/Madrid", 0.005),
)

# channel -> P(consent) for (marketing, service, billing)
CONSENT_P: dict[str, tuple[float, float, float]] = {
    "call": (0.38, 0.90, 0.96),
    "sms": (0.50, 0.93, 0.95),
    "email": (0.58, 0.95, 0.97),
    "push": (0.30, 0.62, 0.55),
}
# customers differ in how readily they opt in to marketing: (share, multiplier)
MARKETING_MOOD: tuple[tuple[float, float], ...] = (
    (0.40, 1.35),
    (0.35, 1.0),
    (0.25, 0.4),
)
OBJECTION_P = 0.06  # object to all marketing
SENIOR_PUSH = 0.5  # seniors use the app (and push) less

USAGE_LEVEL = (0.5, 0.5)  # data used / allowance: lognormal median, sigma
OVERAGE_PER_GB = 3.0
TRIP_P = 0.25  # a traveller's chance of a trip in a given month
ROAMING_DAY = (2.25, 6.0)  # daily roaming pass: EU, rest of the world
ROAMING_WORLD = 0.2
ROAMING_CAP = 150.0
LATE_FEE, LATE_FEE_P = 7.5, 0.6
AUTO_PAY = 0.75

TOPICS: tuple[tuple[str, float, float, str], ...] = (
    # code, weight per contact, negative share, summary
    ("billing_dispute", 0.04, 0.6, "Disputed charges on the latest bill."),
    ("bill_shock", 0.04, 0.7, "Surprised by a higher bill than usual."),
    ("network_issue", 0.03, 0.6, "Reported dropped calls and slow data at home."),
    ("competitor_mention", 0.05, 0.4, "Mentioned a cheaper offer from a competitor."),
    ("switch_threat", 0.03, 0.85, "Said they will switch provider unless it improves."),
    ("family_interest", 0.04, 0.05, "Asked about adding family members to the plan."),
    ("product_interest", 0.08, 0.05, "Asked about new phones and plan upgrades."),
    ("international_calls", 0.04, 0.1, "Asked about rates for calls abroad."),
    ("add_line", 0.03, 0.05, "Asked how to add another line."),
    ("usage_question", 0.22, 0.1, "Asked how much data is left this month."),
    ("roaming", 0.03, 0.35, "Asked about roaming charges after a trip."),
    ("device_upgrade", 0.04, 0.05, "Asked about upgrading to a new phone."),
    ("add_on_interest", 0.03, 0.05, "Asked about an add-on with more minutes."),
    ("data_upgrade", 0.03, 0.1, "Asked for more data or an unlimited data plan."),
    ("usage_alerts", 0.03, 0.05, "Asked for usage alerts to watch data use."),
    (
        "payment_issue",
        0.004,
        0.5,
        "Going through money difficulties; asked to spread the payments.",
    ),
    # drawn (almost) only for vulnerable customers (see contacts.interactions)
    (
        "vulnerability_disclosed",
        0.002,
        0.5,
        "Told us about a bereavement; asked for everything to be kept simple.",
    ),
)
VULNERABLE_NOTE = 100.0  # how much likelier a vulnerable customer discloses it
CONTACT_CHANNELS = (("call", 0.5), ("web_chat", 0.35), ("email", 0.1), ("store", 0.05))
INTERACTIONS_CAP = 10

OFFER_TREATMENTS: tuple[str | None, ...] = (
    "personalized_offer",
    "retention_email",
    "data_boost",
    "family_plan",
    "early_upgrade",
    "loyalty_points",
    None,  # an offer the catalogue has no treatment for
)
OFFER_STATUS = (("open", 0.6), ("pending", 0.1), ("accepted", 0.1), ("declined", 0.2))
OFFER_P_BETA = (2.0, 7.0)  # the recommender's P(accept): mean 0.22
OFFERS_MEAN, OFFERS_CAP = 0.9, 4
OFFER_AGE_DAYS = 45  # offers were made in the last 45 days…
OFFER_LIFE_DAYS = (7, 36)  # …and last 7 to 35 days (so some have expired)
# The products each treatment's offers carry (a plan offer is one of the segment's
# plans): a product can come round again, and a customer may hold it already.
OFFER_PRODUCTS: dict[str | None, tuple[str, ...]] = {
    "retention_email": ("Loyalty Discount 10%", "Price Lock 12 Months"),
    "data_boost": ("Data Boost 5GB", "Data Boost 20GB"),
    "family_plan": ("Family Add-a-Line", "Family Share Upgrade"),
    "early_upgrade": ("5G Device Upgrade", "Early Upgrade Offer"),
    "loyalty_points": ("Bonus Points", "Anniversary Reward"),
    None: ("Usage Alerts", "Extra Minutes Add-on", "International Saver Bundle"),
}
# The offers' kinds (what the recommender calls the product), by product; the
# rest by treatment. Stated needs are met by offers of some kinds (config needs).
OFFER_KINDS: dict[str, str] = {
    "Usage Alerts": "usage_alerts",
    "Extra Minutes Add-on": "add_on",
    "International Saver Bundle": "international_package",
    "Family Add-a-Line": "extra_line",
}
OFFER_KIND_BY_TREATMENT: dict[str | None, str] = {
    "personalized_offer": "plan_upgrade",
    "retention_email": "loyalty_discount",
    "data_boost": "data_addon",
    "family_plan": "family_plan",
    "early_upgrade": "device_offer",
    "loyalty_points": "loyalty_reward",
    None: "service_feature",
}
OWN_PLAN_OFFER = 0.15  # a plan offer names the plan the customer is on already

FIRST_NAMES = (
    "Alex Sam Priya Tom Aisha Ben Chloe Dan Ella Finn Grace Hugo Isla Jack Kiran Leah "
    "Mo Nina Olivia Ravi Sophie Wei Zara Callum Megan Rhys Siobhan Eilidh"
).split()
LAST_NAMES = (
    "Smith Jones Patel Brown Khan Taylor Wilson Evans Thomas Roberts Walker Wright "
    "Hughes Green Hall Campbell Murphy Davies Ahmed Singh Kelly Morgan"
).split()
