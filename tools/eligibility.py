"""Eligibility: pure functions deciding, per treatment, whether contact is allowed.

Hard rules (DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY, HELD, CAPACITY,
BUDGET, FREQUENCY, DUPLICATE) exclude a treatment and are evaluated again, by the same
function, inside the ledger's write transaction when a booking is committed.
APPLICABILITY is soft: it keeps a treatment out of recommendations but an analyst may
still book it.
QUIET-HOURS never excludes; it yields the next lawful contact time.

The customer's own rules are worded here (:func:`customer_verdicts`, pass or fail
being the decision kernel's); the rules that read the ledger are
:mod:`tools.ledger_rules`; the rule ids and verdict models :mod:`tools.rule_verdicts`.
:func:`evaluate` puts both halves together.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tools.config import Condition, CVMConfig
from tools.contact_time import NextContact, next_contact
from tools.ledger_rules import Booking, LedgerState, ledger_verdicts
from tools.rule_verdicts import (
    HARD_RULES,
    RULE_TEXT,
    CustomerVerdicts,
    RuleId,
    RuleVerdict,
    TreatmentVerdict,
    verdict,
)
from tools.suitability import held_reason, suitability_reason

if TYPE_CHECKING:
    from tools.config import Treatment
    from tools.customer import CustomerData

if TYPE_CHECKING:  # the kernel (numpy) loads where a customer is assessed
    from tools.assess import Assessment

__all__ = [  # the rules as tools.ledger reads them: one import
    "HARD_RULES",
    "RULE_TEXT",
    "Booking",
    "CustomerVerdicts",
    "LedgerState",
    "RuleId",
    "RuleVerdict",
    "TreatmentVerdict",
    "combine",
    "customer_verdicts",
    "evaluate",
    "evaluate_all",
    "ledger_verdicts",
]
_HARD = frozenset(HARD_RULES)


def customer_verdicts(
    a: Assessment,
    treatment_key: str,
    config: CVMConfig,
    at: datetime | None = None,
    contact: NextContact | None = None,
) -> CustomerVerdicts:
    """The customer's own rules: DISABLED … HELD, APPLICABILITY and QUIET-HOURS.

    DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY and HELD; not the rules
    that read the ledger (:func:`tools.ledger_rules.ledger_verdicts`).

    Pass or fail is the decision kernel's (``a.decisions``); the reasons are worded
    here from the customer's record, once per assessment and treatment (they do not
    depend on the instant). ``contact``: the QUIET-HOURS verdict of the
    treatment's channel when already worked out (it depends on the channel only).
    """
    t = config.treatment(treatment_key)
    mine = a.words if config is a.config else {}  # worded with a.config only
    worded = mine.get(treatment_key)
    if worded is None:
        worded = mine[treatment_key] = _worded(a, t, treatment_key, config)
    before, applicability = worded
    return CustomerVerdicts(
        treatment_key,
        before,
        applicability,
        contact or next_contact(a.customer, t.channel, config, at),
    )


def _worded(
    a: Assessment, t: Treatment, treatment_key: str, config: CVMConfig
) -> tuple[tuple[RuleVerdict, ...], RuleVerdict]:
    """DISABLED … HELD and APPLICABILITY for one treatment, in words."""
    customer = a.customer
    cid = customer.customer_id
    j = a.decisions.treatments.index(treatment_key)
    failed = {rule: bool(mask[0, j]) for rule, mask in a.decisions.failed.items()}
    out = [
        verdict(
            "DISABLED",
            not failed["DISABLED"],
            "enabled" if t.enabled else f"{t.display_name} is disabled",
        ),
        _consent(customer, t, config, failed["CONSENT"]),
        verdict(
            "OBJECTION",
            not failed["OBJECTION"],
            f"{cid} refused marketing on every channel"
            if customer.objects_to_marketing()
            else "no objection to marketing",
        ),
        verdict(
            "VULNERABLE",
            not failed["VULNERABLE"],
            f"{cid} is flagged vulnerable: no automated marketing, route to a "
            "specialist"
            if customer.vulnerable
            else "not flagged vulnerable",
        ),
    ]
    for rule, word in (("SUITABILITY", suitability_reason), ("HELD", held_reason)):
        out.append(
            verdict(
                rule,
                not failed[rule],
                word(a, treatment_key, config, failed[rule]),
            )
        )
    applicable = bool(a.decisions.applicable[0, j])
    return tuple(out), _applicability(customer, t, applicable)


def _consent(
    customer: CustomerData, t: Treatment, config: CVMConfig, failed: bool
) -> RuleVerdict:
    """CONSENT, worded: which consent the channel and purpose need, and its date."""
    consent_ch = config.consent_channel(t.channel)
    if consent_ch is None:
        return verdict("CONSENT", True, "no customer contact")
    entry = customer.consents.get(consent_ch)
    since = f" (updated {entry.updated})" if entry and entry.updated else ""
    return verdict(
        "CONSENT",
        not failed,
        f"{'' if not failed else 'no '}{t.purpose} consent by {consent_ch}{since}",
    )


def _applicability(
    customer: CustomerData, t: Treatment, applicable: bool
) -> RuleVerdict:
    """APPLICABILITY, worded: the journey fits, or the segment or signal it needs."""
    if applicable:
        why = "fits the customer's journey"
    elif t.segments and customer.segment not in t.segments:
        who = customer.segment or "of no segment"
        why = (
            f"made for {', '.join(t.segments)} customers; "
            f"{customer.customer_id} is {who}"
        )
    else:
        why = f"needs {_conditions_text(t.applicable_when)}"
    return verdict("APPLICABILITY", applicable, why)


def combine(fixed: CustomerVerdicts, ledger: list[RuleVerdict]) -> TreatmentVerdict:
    """Both halves as one verdict; ``eligible`` is False if any hard rule failed."""
    verdicts = [*fixed.before, *ledger, fixed.applicability]
    return TreatmentVerdict(
        treatment_key=fixed.treatment_key,
        eligible=all(v.passed for v in verdicts if v.rule in _HARD),
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
