"""Reading the filters of a question across customers into ``find_customers`` fields.

Everything the customer store holds can be asked about: segment, plan, region,
vulnerable, signals (open disputes, payment problems, over allowance, bill shock,
poor network, ...), consent per channel x purpose, objection to marketing, whether
a channel or marketing is lawful at all, churn and value bands, numeric thresholds
(:mod:`assistant.planner.thresholds`), the recommended treatment; plus the order
and how many to show. The result is the typed :class:`FindArgs` the tool validates;
"of those" (``among``) is added by the caller, which knows the last list shown.
The words themselves are in :mod:`assistant.planner.base_words`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.core.mentions import treatments_named
from assistant.planner.base_words import (
    CHANNEL_VERBS,
    NO_MARKETING,
    NOT_CONSENTED,
    OBJECTION,
    PURPOSES,
    SEGMENTS,
    SIGNAL_WORDS,
    consent_pattern,
    opt_out_pattern,
    reach_pattern,
)
from assistant.planner.thresholds import find_thresholds
from assistant.planner.utterance import Utterance
from tools.config import CVMConfig
from tools.patterns import compiled

if TYPE_CHECKING:  # (imported when a question across customers is read)
    from tools.base_queries.models import FindArgs

MAX_ROWS = 100  # find_customers shows at most this many rows (FindArgs.limit)


def _order(norm: str) -> str:
    if re.search(r"\b(expected value|ev|most (valuable )?to gain|worth)\b", norm):
        return "expected_value"
    if re.search(
        r"\b(most valuable|highest value|(?:by|in) (?:monthly )?value|valuable|"
        r"revenue|spend(ing|ers)?|arpu|"
        r"(?:by|biggest|highest|largest) (?:monthly )?bills?)\b",
        norm,
    ):
        return "value"
    return "churn"


def _bands(norm: str, f: dict[str, Any], ranked: bool) -> None:
    """Value and churn bands.

    "Most at risk" is the high churn band, unless a count is asked for ("top five
    most at risk": the five highest churn scores, whatever their band).
    """
    if re.search(r"\bhigh[- ]value\b|\bhigh[- ]spend(ing|ers)?\b|\bvip\b", norm):
        f["value_band"] = "high"
    elif re.search(r"\blow[- ]value\b|\blow[- ]spend(ing|ers)?\b", norm):
        f["value_band"] = "low"
    elif re.search(r"\bmedium[- ]value\b|\bmid[- ]value\b", norm):
        f["value_band"] = "medium"
    band = re.search(
        r"\b(high|medium|low)[- ]churn\b|\bchurn (band|risk) (high|medium|low)", norm
    )
    if band:
        f["churn_band"] = band.group(1) or band.group(3)
    elif re.search(
        r"\bhigh(?:est)?[- ](?:churn[- ])?risk (?:customers|lot|group|"
        r"ones|people|subs|subscribers|accounts|segment|base|cohort)\b",
        norm,
    ):  # "average bill for the high-risk lot": a group named by its band
        f["churn_band"] = "high"
    elif (
        not ranked
        and re.search(
            r"\bhigh(est)?[- ](churn )?risk\b|\bmost at risk\b|"
            r"\blikely to (churn|leave)\b",
            norm,
        )
        and re.search(r"\bhow many\b|\bwho\b|\bevery(one|body)\b|\ball\b", norm)
    ):
        f["churn_band"] = "high"


def _contact(norm: str, f: dict[str, Any]) -> None:
    """Consent, objection, and whether a channel or marketing is lawful."""
    purpose = next((p for p, pat in PURPOSES.items() if re.search(pat, norm)), None)
    for channel, verb in CHANNEL_VERBS.items():
        if re.search(opt_out_pattern(verb), norm):
            f["consent_channel"] = channel
            f["consent_purpose"] = purpose or "marketing"
            f["consent_granted"] = False
            return
        consent = re.search(consent_pattern(verb), norm)
        if consent:
            f["consent_channel"] = channel
            f["consent_purpose"] = purpose or "marketing"
            f["consent_granted"] = not consent.group("neg")
            return
        can = re.search(reach_pattern(verb), norm)
        if can:
            f["reachable_channel"] = channel
            f["reachable_purpose"] = purpose
            f["reachable"] = not (
                can.group("neg")
                or can.group("neg2")
                or can.group("neg3")
                or can.group("neg4")
            )
            return
    if re.search(NOT_CONSENTED, norm):
        f["objects_to_marketing"] = True
    elif re.search(OBJECTION, norm) and re.search(r"\bmarket", norm):
        f["objects_to_marketing"] = not re.search(r"\b(don'?t|do not|not) object", norm)
    elif re.search(NO_MARKETING, norm):
        f["marketing_allowed"] = False


def _named(u: Utterance, f: dict[str, Any]) -> None:
    """Segment, plan, region, vulnerable, signals, the recommended treatment."""
    norm = u.norm
    signals = [s for s, p in SIGNAL_WORDS.items() if re.search(p, norm)]
    if signals:
        f["signals"] = signals
    for pattern, segment in SEGMENTS.items():
        if re.search(pattern, norm):
            f["segment"] = segment
    plan = re.search(  # from the text as typed: tariff names are no typos
        r"\bon (?:the |a |an )?(?P<plan>[a-z0-9+][a-z0-9+ ]{1,30}?) "
        r"(?:plan|tariff)s?\b",
        u.text.lower(),
    )
    not_a_tariff = (
        r"\b(same|current|old|new|this|today'?s?|tomorrow'?s?|week'?s?|"
        r"campaign|contact|call|retention|our|your|the)\b"
    )
    if plan and not re.search(not_a_tariff, plan.group("plan")):
        f["plan"] = plan.group("plan")
    region = re.search(
        r"\b(?:in|from) (?:the )?(?P<r>[a-z]+(?: [a-z]+)?) region\b", norm
    )
    if region:
        f["region"] = region.group("r")
    if re.search(r"\bvulnerab", norm):
        f["vulnerable"] = not re.search(r"\b(not|non)[- ]?vulnerab", norm)
    _complaints_and_negations(norm, f)
    if re.search(r"\bretention call|call[- ]?backs?\b|\bretention team\b", norm):
        f["recommended"] = "marketing_call_back"
    elif u.treatments:
        f["recommended"] = u.treatments[0]
    if "plan" not in f and re.search(r"\bfamily (share )?plans?\b", norm):
        f["plan"] = "family"  # "family plan with an overdue bill": a Family tariff
    if "family" in f.get("plan", "") and f.get("recommended") == "family_plan":
        f.pop("recommended")  # the tariff named, not the treatment


_NEGATED = compiled(r"\b(no|without|not|never|zero|free of|nothing)\s+(\w+\s+){0,2}$")
_COMPLAINT = compiled(r"\bcomplain\w*\b")


def _complaints_and_negations(norm: str, f: dict[str, Any]) -> None:
    """A complaint on record ("with a complaint"), and conditions said with "no".

    "no open dispute", "without bill shock": the signal must not hold
    (``without_signals``); "no complaint": no negative contact on record.
    """
    for name in list(f.get("signals", [])):
        m = re.search(SIGNAL_WORDS[name], norm)
        if m and _NEGATED.search(norm[: m.start()]):
            f["signals"].remove(name)
            f.setdefault("without_signals", []).append(name)
    if not f.get("signals"):
        f.pop("signals", None)
    complaint = _COMPLAINT.search(norm)
    if complaint and "network_complaints" not in f.get("signals", []):
        f["complained"] = not _NEGATED.search(norm[: complaint.start()])


def read_filters(u: Utterance, config: CVMConfig) -> FindArgs:
    """The ``find_customers`` filters a message asks for (without ``among``).

    Args:
        u: The message's utterance (its thresholds and counts already read).
        config: The configuration (treatments).
    """
    norm = u.norm
    every = re.search(r"\b(all|every(one|body)|full|whole|entire)\b", norm)
    shown = u.count or (MAX_ROWS if every else 10)
    f: dict[str, Any] = {"limit": min(shown, MAX_ROWS), "order_by": _order(norm)}
    _bands(norm, f, ranked=u.count is not None)
    _named(u, f)
    _contact(norm, f)
    if u.thresholds:
        f["thresholds"] = [t.model_dump() for t in u.thresholds]
        if any(t.metric == "expected_value" for t in u.thresholds):
            f["order_by"] = "expected_value"
    if f.get("recommended") and f["recommended"] not in config.treatments:
        f.pop("recommended")
    _either(u, config, f)
    from tools.base_queries.models import FindArgs

    return FindArgs.model_validate(f)


_OR = compiled(r"\bor\b|\beither\b")
_JOINS = compiled(r"\b(?:with|who|that|and|are|is|have|has|had|on|in)\b|,")
_KEEP = frozenset({"limit", "order_by", "among", "any_of"})


def _condition_of(text: str, config: CVMConfig) -> dict[str, Any]:
    """The conditions one phrase of a read message names (no order, no count).

    The phrase is already normalised (typos corrected): only its own slots are
    read, not the whole message again.
    """
    part = Utterance(text=text, norm=text)
    part.treatments = treatments_named(text, config)
    part.thresholds = [t for t, _, _ in find_thresholds(text)]
    one = read_filters(part, config)
    return {
        k: v for k, v in one.model_dump(exclude_defaults=True).items() if k not in _KEEP
    }


def _either(u: Utterance, config: CVMConfig, f: dict[str, Any]) -> None:
    """At least one of two conditions: "vulnerable or with a dispute" (``any_of``).

    The phrase right before "or" and the one right after it are the choices;
    conditions elsewhere in the message still all hold.
    """
    sides = _OR.split(u.norm)
    if len(sides) != 2 or f.get("any_of"):
        return
    before = [p for p in _JOINS.split(sides[0]) if p and p.strip(" ,")][-1:]
    after = [p for p in _JOINS.split(sides[1]) if p and p.strip(" ,")][:1]
    if not before or not after:
        return
    left = _condition_of(before[0], config)
    right = _condition_of(after[0], config)
    if not left or not right:
        return
    for key in {*left, *right}:
        f.pop(key, None)
    f["any_of"] = [left, right]


_GENERIC = compiled(
    r"\b(list|show|find|give|get|pull|me|us|all|the|our|a|an|of|customers?|clients?|"
    r"people|everyone|everybody|anyone|who|whom|which|what|how|many|much|are|is|"
    r"there|have|has|had|with|and|or|but|also|both|please|pls|those|them|these|"
    r"any|ones?|that|do|does|we|can|could|i|you|today|now|just|only|still|too|"
    r"currently|plus|in|on|by|for|at|to|s|'s|count|number|total|some)\b|[^\w\s]"
)
_CLAUSES = compiled(r"\b(?:and|but|as well as|plus)\b|,|;")


def unapplied(u: Utterance, config: CVMConfig) -> list[str]:
    """Parts of a message joined by "and" that read as no condition at all.

    "churn > 0.6 and no open complaint": each part must be a condition the store
    can check; a part that reads as none is not applied, and the answer says so
    (never a silently dropped condition). One-part messages are not checked here.
    """
    parts = [p.strip() for p in _CLAUSES.split(u.norm) if p.strip()]
    if len(parts) < 2:
        return []
    missed = []
    for part in parts:
        if not _GENERIC.sub(" ", part).strip():
            continue  # only generic words ("list customers")
        if not _condition_of(part, config) and not re.search(
            r"\b(top|first|order|sort|rank|highest|lowest|most|least)\b", part
        ):
            missed.append(part)
    return missed


_NOT_CONDITIONS = frozenset({"limit", "order_by", "among"})


def has_condition(f: FindArgs) -> bool:
    """Whether the filters select customers (beyond the order and how many)."""
    from tools.base_queries.models import FindArgs

    return any(
        getattr(f, name) != field.get_default(call_default_factory=True)
        for name, field in FindArgs.model_fields.items()
        if name not in _NOT_CONDITIONS
    )


_GROUPED = compiled(
    r"\b(?:which|what|per|by|each|across|every) (?:segments?|plans?|regions?|"
    r"channels?|treatments?|tiers?)\b|\bbreak ?(?:it |them |that )?down\b|"
    r"\bsplit\b|\bdistribution\b|\bmix\b",
    re.I,
)


def asks_grouping(u: Utterance) -> bool:
    """The message asks for a breakdown ("which segment has most", "split by plan")."""
    return bool(_GROUPED.search(u.norm))
