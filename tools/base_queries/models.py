"""The typed arguments and results of the questions across customers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from tools.config import ConsentChannel, Purpose, SignalName
from tools.lazy_model import LazyModel

Band = Literal["low", "medium", "high"]
OrderBy = Literal["churn", "expected_value", "value"]
Metric = Literal["churn", "revenue", "tenure", "bill", "data_gb", "expected_value"]
Comparison = Literal[">", ">=", "<", "<="]
ContactChannel = Literal["call", "sms", "email", "push", "app"]
LIST_ID = re.compile(r"L[0-9a-f]{10}")


class Threshold(LazyModel):
    """A numeric filter: ``metric op value`` (churn 0..1, pounds, months, GB).

    Metrics: churn (score 0..1), revenue (monthly, £), tenure (months), bill (the
    latest bill, £), data_gb (latest data use), expected_value (of the best lawful
    action, £).
    """

    metric: Metric
    op: Comparison
    value: float = Field(allow_inf_nan=False)


class Condition(LazyModel):
    """Conditions on a customer (all optional; combined with AND)."""

    churn_band: Band | None = None
    value_band: Band | None = None
    segment: str | None = None
    plan: str | None = Field(None, description="Tariff name or part of it.")
    region: str | None = None
    signals: list[SignalName] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)
    consent_channel: ConsentChannel | None = None
    consent_purpose: Purpose | None = None
    consent_granted: bool = True
    objects_to_marketing: bool | None = None  # refuses all marketing (OBJECTION)
    marketing_allowed: bool | None = None
    reachable_channel: ContactChannel | None = None  # a treatment on it is lawful
    reachable_purpose: Purpose | None = None
    reachable: bool = True  # False: no treatment on reachable_channel is lawful
    vulnerable: bool | None = None
    complained: bool | None = None  # a negative contact (a complaint) on record
    without_signals: list[SignalName] = Field(default_factory=list)  # none of these
    recommended: str | None = None


class FindArgs(Condition):
    """Filters of ``find_customers`` (all optional; combined with AND).

    ``any_of``: at least one of these conditions holds too ("vulnerable or with a
    dispute").
    """

    any_of: list[Condition] = Field(default_factory=list)
    among: str | None = Field(None, pattern=LIST_ID.pattern)  # an earlier list_id
    order_by: OrderBy = "churn"
    limit: int = Field(10, ge=1, le=100)


class CustomerRow(LazyModel):
    """One customer in a list: the kernel's numbers, no personal details."""

    customer_id: str
    segment: str
    plan: str
    churn_score: float
    churn_band: str
    value_band: str
    monthly_revenue: float
    recommended: str
    expected_value: float
    signals: list[str]


class CustomerList(LazyModel):
    """Result of ``find_customers``: how many match, and the first of them."""

    list_id: str = Field(
        description="Handle of the whole list (narrow it with among, export it)."
    )
    matched: int = Field(description="How many customers match (all, not just shown).")
    shown: int = Field(description="How many rows are shown here (the first ones).")
    total: int = Field(description="Customers in the base.")
    order_by: OrderBy
    rows: list[CustomerRow]


class SummariseArgs(LazyModel):
    """``summarise_base``: the whole base, or the customers of an earlier list."""

    among: str | None = Field(
        None,
        pattern=LIST_ID.pattern,
        description="Only customers on this earlier list (its list_id).",
    )


class Group(LazyModel):
    """A group of customers: how many and the expected value of their best actions."""

    key: str
    customers: int
    expected_value: float


class BaseSummary(LazyModel):
    """Result of ``summarise_base``."""

    customers: int
    total: int
    expected_value: float = Field(description="Sum of every best lawful action's EV.")
    by_segment: list[Group]
    by_signal: list[Group]
    by_recommended: list[Group]
    excluded_by_rule: list[Group] = Field(
        description="Customers with at least one treatment excluded by each rule."
    )
