"""The words of questions across customers: segments, signals, consent, reach.

Each pattern names one thing the customer store holds (a segment, a journey
signal, marketing refused or not consented, a channel and a purpose);
:mod:`assistant.planner.base_filters` reads a message's filters with them, and
their words are words the typo corrector keeps (:data:`SLOT_PATTERNS`).
"""

from __future__ import annotations

from tools.kernel.signals import SIGNALS

SEGMENTS = {
    r"\bconsumers?\b": "consumer",
    r"\bfamil(y|ies)\b(?! (share|plus|premium|plan))": "family",
    r"\bseniors?\b|\bpensioners?\b|\belderly\b": "senior",
    r"\bsmall[- ]business(es)?\b|\bsmbs?\b|\bsmes?\b": "small_business",
    r"\benterprises?\b|\bcorporates?\b": "enterprise",
}
SIGNAL_WORDS = {s: r"\b" + s.replace("_", r"[ _-]") + r"\b" for s in SIGNALS}
SIGNAL_WORDS |= {
    "high_churn_risk": r"\bhigh churn risk\b(?! customers)",
    "bill_shock": r"\bbill[ _-]?shocks?\b|\bshock bills?\b",
    "poor_network": r"\b(poor|bad|weak) (network|coverage|signal|reception)\b|"
    r"\b(network|signal|coverage) (issues?|problems?|trouble)\b|\bdropped calls\b",
    "billing_dispute": r"\b(open |billing |bill )?disputes?\b|\bdisputing\b",
    "payment_issues": r"\bpayment (problems?|issues?|trouble|difficult\w*)\b|"
    r"\boverdue\b|\barrears\b|\blate (payers?|payments?|fees?)\b|"
    r"\bmissed payments?\b|\bbehind on (their )?(payments?|bills?)\b",
    "data_over_allowance": r"\bover (their |the )?(data )?allowance\b|"
    r"\bexceed\w* (their |the )?(data )?allowance\b|\bover their data\b|"
    r"\bdata over allowance\b|\bgoing over (their )?data\b",
    "data_near_allowance": r"\b(near|nearly at|close to) (their |the )?(data )?"
    r"allowance\b",
    "roaming_charges": r"\broaming\b",
    "network_complaints": r"\bnetwork complaints?\b|\bcomplain\w* about (the )?"
    r"(network|coverage|signal)\b",
    "negative_sentiment": r"\bnegative sentiment\b|\bunhappy\b|\bangry\b|"
    r"\bdissatisfied\b|\bdisgruntled\b",
    "competitor_mention": r"\bcompetitors?\b",
    "switch_threat": r"\bthreaten\w* to (leave|switch|go)\b|\bswitch(ing)? threats?\b",
    "new_customer": r"\bnew (customers|joiners)\b|\bjoined recently\b|"
    r"\brecent joiners\b",
    "long_tenure": r"\blong[- ](tenure|standing)\b|\bloyal customers\b",
    "international_usage": r"\binternational (usage|calls|callers)\b|\bcall abroad\b",
    "add_line_interest": r"\b(add|extra|another|second) lines?\b",
    "usage_rising": r"\busage rising\b|\brising usage\b|\busing more data\b",
}
NO_MARKETING = (
    r"\b(can'?t|cannot|can not|unable to|not allowed to|won'?t) (receive|get|be sent"
    r"|be contacted (with|for)|be marketed)\b.*\bmarket|\bno marketing\b|"
    r"\bnot (reachable|contactable) (for|by) marketing\b|\bopted out of marketing\b"
)
OBJECTION = (
    r"\bobject(s|ed|ing|ion|ions|ors?)?\b|\brefus\w+ (all |any )?marketing\b|"
    r"\bopted out of (all|every|any) marketing\b|\bno marketing (at all|on any)\b|"
    r"\bsaid no to (all |any )?marketing\b"
)
# no marketing consent on any channel: "have not consented to marketing contact"
NOT_CONSENTED = (
    r"(?:\bnot|\bnever|n't|\bwithout|\bno|\blacking|\bmissing)\s+(?:\w+\s+){0,2}?"
    r"(?:consented|consent(?:s|ed)?|opted[- ]?in|agreed|given (?:their |any )?consent)"
    r"\b(?:\s+\w+){0,2}?\s+(?:to |for |on )?(?:any |receiving |receive )?marketing\b|"
    r"\b(?:no|without|missing|lacking) marketing (?:consents?|opt[- ]?ins?|"
    r"permissions?)\b"
)
CHANNEL_VERBS = {
    "email": r"e-?mail(?:ed)?",
    "sms": r"text(?:ed)?|sms(?:ed)?",
    "call": r"call(?:ed)?|ring|rung|phone(?:d)?",
    "push": r"push(?:ed)?|notif(?:y|ied)",
}
PURPOSES = {
    "marketing": r"\bmarket(ing)?\b|\bretention\b|\boffers?\b|\bpromot",
    "service": r"\bservice\b",
    "billing": r"\bbilling\b",
}


SLOT_PATTERNS = (
    *SEGMENTS,
    *SIGNAL_WORDS.values(),
    NO_MARKETING,
    OBJECTION,
    NOT_CONSENTED,
    *CHANNEL_VERBS.values(),
    *PURPOSES.values(),
)  # their words are words the typo corrector keeps ("bad" is not "band")


_ADVERB = (
    r"(?:actually|legitimately|lawfully|legally|really|still|even|currently|"
    r"safely|properly|now|also)"
)


def reach_pattern(verb: str) -> str:
    """Lawful reach by a channel: "who can we still text?", "reachable by email"."""
    return (
        rf"\b(?:can|could)(?P<neg>'?t|not|n'?t)?(?:\s+(?P<neg2>not))?\s+"
        rf"(?:we|i|you|be|still)\s+(?:{_ADVERB}\s+)?"
        rf"(?:(?:contact|reach|message)(?: them)? (?:by|via|on|over|through) )?"
        rf"(?:{verb})\b|"
        rf"\b(?P<neg3>un|not )?reachable (?:by|via|on|over) (?:{verb})\b|"
        rf"\b(?:ok|lawful|allowed|safe|fine|able) to (?:{verb})\b|"
        rf"\b(?:that|who|which|whom|customers|people|ones|subs) (?:we|i|you) "
        rf"(?:can|could)(?P<neg4>'?t|not|n'?t)?"
        rf"\s+(?:{_ADVERB}\s+)?(?:{verb})\b"
    )


def opt_out_pattern(verb: str) -> str:
    """An opt-out from a channel: "opted out of marketing calls", "SMS opt-outs"."""
    return (
        rf"\b(?:opted[- ]?out|unsubscribed|withdrawn|withdrew)\s+(?:of|from)\s+"
        rf"(?:(?:marketing|service|billing)\s+)?(?:{verb})s?\b|"
        rf"\b(?:{verb})s? (?:marketing )?opt[- ]?outs?\b"
    )


def consent_pattern(verb: str) -> str:
    """Consent on a channel given or not: "email consent", "no SMS opt-in"."""
    return (
        rf"\b(?:(?P<neg>no|without|lacking|missing|withdrawn|not given)\s+)?"
        rf"(?:{verb}) (?:marketing |service |billing )?(?:consents?|opt[- ]?ins?|"
        rf"permissions?)\b|\bconsented to (?:{verb})\b|"
        rf"\bconsents? (?:to|for) (?:being )?(?:{verb})s?\b"
    )
