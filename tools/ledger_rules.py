"""The rules that read the ledger: DUPLICATE, CAPACITY, BUDGET and FREQUENCY.

Pure functions of the customer, the treatment and :class:`LedgerState` (today's
counts and the customer's recent bookings), evaluated for a recommendation and again,
by the same function, inside the ledger's write transaction when a booking is
committed. The customer's own rules are :mod:`tools.eligibility`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tools.config import CVMConfig
from tools.rule_verdicts import RuleVerdict, verdict

if TYPE_CHECKING:
    from tools.config import Constraint, Treatment
    from tools.customer import CustomerData


@dataclass(frozen=True)
class Booking:
    """A ledger booking as the rules see it."""

    treatment_key: str
    channel: str
    purpose: str
    day: date


@dataclass(frozen=True)
class LedgerState:
    """The part of the ledger the rules read (taken inside the write transaction)."""

    day: date
    used_today: dict[str, int] = field(default_factory=dict)
    spent_today: dict[str, float] = field(default_factory=dict)
    customer_bookings: tuple[Booking, ...] = ()


def is_high_value(customer: CustomerData, config: CVMConfig) -> bool:
    """High-value customers may use the capacity reserved for them."""
    return customer.monthly_revenue >= config.policy.high_value_min_monthly_revenue


def ledger_verdicts(
    customer: CustomerData, treatment_key: str, config: CVMConfig, state: LedgerState
) -> list[RuleVerdict]:
    """DUPLICATE, CAPACITY, BUDGET and FREQUENCY: the rules that read the ledger.

    DUPLICATE comes first: for a same-day repeat it is the most precise reason.
    """
    t = config.treatment(treatment_key)
    cons = config.constraints.get(treatment_key)
    day = state.day
    dup = any(
        b.treatment_key == treatment_key and b.day == day
        for b in state.customer_bookings
    )
    out = [
        verdict(
            "DUPLICATE",
            not dup,
            f"{t.display_name} already booked today for {customer.customer_id}"
            if dup
            else "not booked today",
        )
    ]
    if cons is None:
        out.append(verdict("CAPACITY", True, "no daily limit"))
        out.append(verdict("BUDGET", True, "no daily budget"))
    else:
        high = is_high_value(customer, config)
        out.append(_capacity(t, cons, state.used_today.get(treatment_key, 0), high))
        out.append(_budget(t, cons, state.spent_today.get(treatment_key, 0.0)))
    out.append(_frequency(t, config, state))
    return out


def _capacity(t: Treatment, cons: Constraint, used: int, high: bool) -> RuleVerdict:
    """CAPACITY: a slot left today (the reserved ones for high-value customers)."""
    reserved = int(cons.reserved_share * cons.max_per_day)
    limit = cons.max_per_day if high else cons.max_per_day - reserved
    if used < limit:
        why = f"{cons.max_per_day - used} of {cons.max_per_day} left today"
    elif used < cons.max_per_day:
        why = (
            f"the last {cons.max_per_day - used} of {cons.max_per_day} slots "
            "today are reserved for high-value customers"
        )
    else:
        why = f"all {cons.max_per_day} {t.display_name} slots are used today"
    return verdict("CAPACITY", used < limit, why)


def _budget(t: Treatment, cons: Constraint, spent: float) -> RuleVerdict:
    """BUDGET: the treatment's cost fits in what is left of today's budget."""
    if cons.daily_budget is None:
        return verdict("BUDGET", True, "no daily budget")
    return verdict(
        "BUDGET",
        spent + t.cost <= cons.daily_budget + 1e-9,
        f"£{spent:.2f} of £{cons.daily_budget:.2f} spent today",
    )


def _frequency(t: Treatment, config: CVMConfig, state: LedgerState) -> RuleVerdict:
    """FREQUENCY: the customer's contacts of this channel and purpose under caps."""
    consent_ch = config.consent_channel(t.channel)
    freq_ok, freq_why = True, "within contact frequency caps"
    for cap in config.policy.frequency_caps:
        if cap.channel != consent_ch or cap.purpose != t.purpose:
            continue
        since_day = state.day - timedelta(days=cap.period_days - 1)
        n = len(
            [
                b
                for b in state.customer_bookings
                if config.consent_channel(b.channel) == cap.channel
                and b.purpose == cap.purpose
                and b.day >= since_day
            ]
        )
        if n >= cap.max_contacts:
            freq_ok = False
            freq_why = (
                f"{n} {cap.purpose} {cap.channel} contact(s) booked in the last "
                f"{cap.period_days} days (cap {cap.max_contacts})"
            )
    return verdict("FREQUENCY", freq_ok, freq_why)
