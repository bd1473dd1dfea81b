"""The rules' vocabulary: rule ids, what each means, and their verdicts.

:data:`RuleId` names every rule (hard ones first, :data:`HARD_RULES`);
:data:`RULE_TEXT` says what each means (the system prompt's policy section);
a :class:`RuleVerdict` is one rule's outcome for one treatment, a
:class:`TreatmentVerdict` every rule's. The rules themselves are decided in
:mod:`tools.eligibility` (the customer's own) and :mod:`tools.ledger_rules` (those
that read the ledger).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from tools.contact_time import NextContact

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
def verdict(rule: RuleId, passed: bool, reason: str) -> RuleVerdict:
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
class CustomerVerdicts:
    """The verdicts that depend only on the customer, not on the ledger."""

    treatment_key: str
    before: tuple[RuleVerdict, ...]
    applicability: RuleVerdict
    next_contact: NextContact
