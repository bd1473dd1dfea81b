"""Eligibility: pure functions deciding, per treatment, whether contact is allowed.

Hard rules (DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY, HELD, CAPACITY,
BUDGET, FREQUENCY, DUPLICATE) exclude a treatment and are evaluated again, by the same
function, inside the ledger's write transaction when a booking is committed.
APPLICABILITY is soft: it keeps a treatment out of recommendations but an analyst may
still book it.
QUIET-HOURS never excludes; it yields the next lawful contact time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict

from tools.config import Condition, CVMConfig
from tools.contact_time import NextContact, next_contact
from tools.suitability import held_reason, suitability_reason

if TYPE_CHECKING:
    from tools.customer import CustomerData

if TYPE_CHECKING:  # the kernel (numpy) loads where a customer is assessed
    from tools.assess import Assessment

RuleId = Literal[
    "DISABLED",
    "CONSENT",
    "OBJECTION",
    "VULNERABLE",
    "SUITABILITY",
    "HELD",
    "DUPLICATE",
    "CAPACITY",
    "BUDGET",
    "FREQUENCY",
    "APPLICABILITY",
    "QUIET-HOURS",
    "APPROVAL",
]
HARD_RULES: tuple[RuleId, ...] = get_args(RuleId)[:10]  # DISABLED … FREQUENCY
RULE_TEXT: dict[str, str] = {
    "DISABLED": "treatment switched off in the config.",
    "CONSENT": "needs consent for the channel and purpose (call consent is not SMS "
    "consent).",
    "OBJECTION": "marketing refused everywhere: no marketing; service and billing "
    "allowed.",
    "VULNERABLE": "no automated marketing; route to a specialist.",
    "SUITABILITY": "service before selling: no marketing while a service problem "
    "is open; the analyst's own order for it overrides.",
    "HELD": "never offer a product the customer already holds.",
    "CAPACITY": "never beyond daily capacity; scarce slots kept for high-value "
    "customers.",
    "BUDGET": "never beyond a treatment's daily budget.",
    "FREQUENCY": "marketing contacts per customer are capped per channel.",
    "DUPLICATE": "one booking per customer, treatment and day.",
    "APPLICABILITY": "soft: not recommended when the journey does not fit; may "
    "still be booked.",
    "QUIET-HOURS": "never in the customer's do-not-disturb window; calls only in "
    "the calling window (local time); give the next lawful time.",
    "APPROVAL": "a write runs only on the analyst's order or confirmation, one "
    "action each; else it is held for them.",
}


class RuleVerdict(BaseModel):
    """The outcome of one rule for one treatment (immutable: equal ones are shared)."""

    model_config = ConfigDict(frozen=True)

    rule: RuleId
    passed: bool
    reason: str


@lru_cache(maxsize=4096)
def _verdict(rule: RuleId, passed: bool, reason: str) -> RuleVerdict:
    """The verdict, made once: most are worded alike for every customer."""
    return RuleVerdict(rule=rule, passed=passed, reason=reason)


class TreatmentVerdict(BaseModel):
    """Every rule's verdict for one treatment and customer."""

    treatment_key: str
    eligible: bool
    applicable: bool
    verdicts: list[RuleVerdict]
    next_contact: NextContact

    @property
    def failures(self) -> list[RuleVerdict]:
        """The failed rules, hard first."""
        return [v for v in self.verdicts if not v.passed]


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


@dataclass(frozen=True)
class CustomerVerdicts:
    """The verdicts that depend only on the customer, not on the ledger."""

    treatment_key: str
    before: tuple[RuleVerdict, ...]
    applicability: RuleVerdict
    next_contact: NextContact


def customer_verdicts(
    a: Assessment,
    treatment_key: str,
    config: CVMConfig,
    at: datetime | None = None,
    contact: NextContact | None = None,
) -> CustomerVerdicts:
    """The customer's own rules: DISABLED … HELD, APPLICABILITY and QUIET-HOURS.

    DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY and HELD; not the rules
    that read the ledger (:func:`ledger_verdicts`).

    Pass or fail is the decision kernel's (``a.decisions``); the reasons are worded
    here from the customer's record. ``contact``: the QUIET-HOURS verdict of the
    treatment's channel when already worked out (it depends on the channel only).
    """
    t = config.treatment(treatment_key)
    customer = a.customer
    cid = customer.customer_id
    j = a.decisions.treatments.index(treatment_key)
    failed = {rule: bool(mask[0, j]) for rule, mask in a.decisions.failed.items()}
    out = [
        _verdict(
            rule="DISABLED",
            passed=not failed["DISABLED"],
            reason="enabled" if t.enabled else f"{t.display_name} is disabled",
        )
    ]
    consent_ch = config.consent_channel(t.channel)
    if consent_ch is None:
        out.append(_verdict(rule="CONSENT", passed=True, reason="no customer contact"))
    else:
        entry = customer.consents.get(consent_ch)
        ok = not failed["CONSENT"]
        since = f" (updated {entry.updated})" if entry and entry.updated else ""
        out.append(
            _verdict(
                rule="CONSENT",
                passed=ok,
                reason=f"{'' if ok else 'no '}{t.purpose} consent by "
                f"{consent_ch}{since}",
            )
        )
    objects = customer.objects_to_marketing()
    out.append(
        _verdict(
            rule="OBJECTION",
            passed=not failed["OBJECTION"],
            reason=f"{cid} refused marketing on every channel"
            if objects
            else "no objection to marketing",
        )
    )
    out.append(
        _verdict(
            rule="VULNERABLE",
            passed=not failed["VULNERABLE"],
            reason=f"{cid} is flagged vulnerable: no automated marketing, route to a "
            "specialist"
            if customer.vulnerable
            else "not flagged vulnerable",
        )
    )
    for rule, word in (("SUITABILITY", suitability_reason), ("HELD", held_reason)):
        out.append(
            _verdict(
                rule=rule,
                passed=not failed[rule],
                reason=word(a, treatment_key, config, failed[rule]),
            )
        )
    applicable = bool(a.decisions.applicable[0, j])
    segment = customer.segment
    if applicable:
        why = "fits the customer's journey"
    elif t.segments and segment not in t.segments:
        who = segment or "of no segment"
        why = f"made for {', '.join(t.segments)} customers; {cid} is {who}"
    else:
        why = f"needs {_conditions_text(t.applicable_when)}"
    applicability = _verdict(rule="APPLICABILITY", passed=applicable, reason=why)
    return CustomerVerdicts(
        treatment_key,
        tuple(out),
        applicability,
        contact or next_contact(customer, t.channel, config, at),
    )


def ledger_verdicts(
    customer: CustomerData, treatment_key: str, config: CVMConfig, state: LedgerState
) -> list[RuleVerdict]:
    """DUPLICATE, CAPACITY, BUDGET and FREQUENCY: the rules that read the ledger.

    DUPLICATE comes first: for a same-day repeat it is the most precise reason.
    """
    t = config.treatment(treatment_key)
    cons = config.constraints.get(treatment_key)
    out: list[RuleVerdict] = []
    dup = any(
        b.treatment_key == treatment_key and b.day == state.day
        for b in state.customer_bookings
    )
    out.append(
        _verdict(
            rule="DUPLICATE",
            passed=not dup,
            reason=f"{t.display_name} already booked today for {customer.customer_id}"
            if dup
            else "not booked today",
        )
    )
    if cons is None:
        out.append(_verdict(rule="CAPACITY", passed=True, reason="no daily limit"))
        out.append(_verdict(rule="BUDGET", passed=True, reason="no daily budget"))
    else:
        used = state.used_today.get(treatment_key, 0)
        reserved = int(cons.reserved_share * cons.max_per_day)
        high = is_high_value(customer, config)
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
        out.append(_verdict(rule="CAPACITY", passed=used < limit, reason=why))
        spent = state.spent_today.get(treatment_key, 0.0)
        if cons.daily_budget is None:
            out.append(_verdict(rule="BUDGET", passed=True, reason="no daily budget"))
        else:
            ok = spent + t.cost <= cons.daily_budget + 1e-9
            out.append(
                _verdict(
                    rule="BUDGET",
                    passed=ok,
                    reason=f"£{spent:.2f} of £{cons.daily_budget:.2f} spent today",
                )
            )
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
    out.append(_verdict(rule="FREQUENCY", passed=freq_ok, reason=freq_why))
    return out


def combine(fixed: CustomerVerdicts, ledger: list[RuleVerdict]) -> TreatmentVerdict:
    """Both halves as one verdict; ``eligible`` is False if any hard rule failed."""
    verdicts = [*fixed.before, *ledger, fixed.applicability]
    return TreatmentVerdict(
        treatment_key=fixed.treatment_key,
        eligible=all(v.passed for v in verdicts if v.rule in HARD_RULES),
        applicable=fixed.applicability.passed,
        verdicts=verdicts,
        next_contact=fixed.next_contact,
    )


def evaluate(
    a: Assessment,
    treatment_key: str,
    config: CVMConfig,
    state: LedgerState,
    at: datetime | None = None,
) -> TreatmentVerdict:
    """Evaluate every rule for one treatment and customer.

    Args:
        a: The customer through the decision kernel (record, signals, masks).
        treatment_key: A configured treatment key.
        config: The configuration.
        state: Ledger counts for today and the customer's recent bookings.
        at: The instant to evaluate at (defaults to now).

    Returns:
        The verdict of every rule; ``eligible`` is False if any hard rule failed.
    """
    fixed = customer_verdicts(a, treatment_key, config, at)
    return combine(fixed, ledger_verdicts(a.customer, treatment_key, config, state))


def evaluate_all(
    a: Assessment, config: CVMConfig, state: LedgerState, at: datetime
) -> dict[str, TreatmentVerdict]:
    """:func:`evaluate` for every configured treatment (a recommendation).

    The next lawful contact time depends on the channel only: it is worked out once
    per channel, not once per treatment.
    """
    contacts: dict[str, NextContact] = {}
    out: dict[str, TreatmentVerdict] = {}
    for key, t in config.treatments.items():
        if t.channel not in contacts:
            contacts[t.channel] = next_contact(a.customer, t.channel, config, at)
        fixed = customer_verdicts(a, key, config, at, contacts[t.channel])
        out[key] = combine(fixed, ledger_verdicts(a.customer, key, config, state))
    return out


def _conditions_text(conds: list[Condition]) -> str:
    parts = [
        c.signal if c.signal else f"{c.metric} {c.op} {c.value:g}"
        for c in conds
        if c.signal or c.value is not None
    ]
    return " or ".join(p for p in parts if p)
