"""Numeric thresholds in a message: "churn above 0.5", "over £50 a month".

A threshold is a comparison ("above", "at least", "under", "no more than", ">=",
"0.5 or more", "between 0.3 and 0.6"), a number (:mod:`assistant.planner.amounts`)
and the metric it is about: implied by a unit after the number ("3 months",
"£50 a month", "20GB"), named right after it ("60% churn") or named before the
comparison in the same clause ("churn score above", "spending more than"). Without
a metric there is no threshold ("anything under £5?" is a cost limit, read
elsewhere). Values are normalised to the store's units: churn 0..1 ("60%" and
"60" are 0.6), pounds a month ("£600 a year" is 50), tenure in months ("2 years"
is 24).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.planner.amounts import Amount, amount_after, amounts_in
from tools.patterns import compiled

if TYPE_CHECKING:  # (imported where a threshold is made: most messages have none)
    from tools.base_queries.models import Comparison, Metric, Threshold

_PREFIX: list[tuple[str, Comparison]] = [
    (r"at least|no less than|not less than|minimum(?: of)?|>=|≥|=>", ">="),
    (
        r"at most|no more than|not more than|up to|maximum(?: of)?|<=|≤|=<|"
        r"not (?:above|over)",
        "<=",
    ),
    (
        r"above|over|more than|greater than|higher than|bigger than|exceeding|"
        r"exceeds?|in excess of|north of|upwards of|beyond|>",
        ">",
    ),
    (
        r"below|under|less than|lower than|fewer than|smaller than|beneath|"
        r"south of|<",
        "<",
    ),
]
_COMPARISON = compiled(
    "|".join(
        rf"(?P<c{i}>(?<![\w<>=])(?:{p})(?![\w<>=]))" for i, (p, _) in enumerate(_PREFIX)
    ),
    re.I,
)
_POSTFIX = compiled(
    r"\s*(?:(?P<ge>\+|or (?:more|above|higher|over|greater)|and (?:above|over|up))|"
    r"(?P<le>or (?:less|below|lower|under|fewer)|and (?:below|under)))",
    re.I,
)
_RANGE = compiled(r"\b(?:between|from)\s+", re.I)
_JOINT = compiled(r"\s*(?:and|to|-)\s*", re.I)
_METRIC_WORDS: list[tuple[Metric, str]] = [
    ("expected_value", r"\bexpected value\b|\bev\b"),
    (
        "churn",
        r"\bchurn\w*(?: (?:score|risk|probability|propensity|likelihood|rate))?|"
        r"\brisk(?: score)?\b|\blikel(?:y|ihood) to (?:leave|churn)\b",
    ),
    ("tenure", r"\btenure\b|\bwith us\b|\bcustomers? for\b|\bjoined\b"),
    ("bill", r"\b(?:latest |last )?bills?(?: total)?\b|\bbilled\b"),
    ("data_gb", r"\bdata(?: use| usage)?\b|\busing\b"),
    ("revenue", r"\b(?:revenue|spend\w*|arpu|paying|pays?)\b|\bmonthly\b"),
]
_UNIT = compiled(
    r"\s*(?:(?P<month>(?:a|per|/|each|every) ?(?:month|mo)\b|pcm\b|monthly\b)|"
    r"(?P<year>(?:a|per|/|each|every) ?(?:year|yr|annum)\b|annually\b|yearly\b)|"
    r"(?P<months>months?\b|mos?\b)|(?P<years>years?\b|yrs?\b)|"
    r"(?P<gb>gb\b|gigs?\b|gigabytes?\b))",
    re.I,
)
_CLAUSE = compiled(r"[,;.!?]|\b(?:and|or|but|with|who|whose|that|which)\b", re.I)
_UNIT_METRIC: dict[str, Metric] = {
    "month": "revenue",
    "year": "revenue",
    "months": "tenure",
    "years": "tenure",
    "gb": "data_gb",
}


def _named(text: str, last: bool) -> list[Metric]:
    """The metrics named in ``text``, nearest the number first."""
    found: list[tuple[int, Metric]] = []
    taken: list[tuple[int, int]] = []
    for metric, pattern in _METRIC_WORDS:
        for m in re.finditer(pattern, text, re.I):
            if not any(a <= m.start() < b for a, b in taken):
                found.append((m.start(), metric))
                taken.append(m.span())
    found.sort(reverse=last)
    return [metric for _, metric in found]


def _value(metric: Metric, a: Amount, unit: str | None) -> float | None:
    """The amount in the metric's units (None: it cannot be a value of it)."""
    money_like = metric in ("revenue", "bill", "expected_value")
    if a.percent and metric != "churn":
        return None
    if a.money and not money_like:
        return None
    if unit and _UNIT_METRIC[unit] != metric:
        return None
    if metric == "churn":
        value = a.value / 100 if a.percent or a.value > 1 else a.value
        return value if 0 <= value <= 1 else None
    if unit == "years":
        return a.value * 12
    if unit == "year":
        return round(a.value / 12, 2)
    return a.value


def _clause(text: str, start: int, floor: int) -> str:
    """The words before ``start`` back to the last clause break (or ``floor``)."""
    window = text[max(floor, start - 40) : start]
    breaks = list(_CLAUSE.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _reading(text: str, a: Amount, floor: int) -> tuple[Metric, float] | None:
    """The metric a number is about and its value in the metric's units."""
    after = _UNIT.match(text, a.end)
    unit = next((k for k, v in after.groupdict().items() if v), None) if after else None
    rest = text[after.end() if after else a.end :]
    cut = _CLAUSE.search(rest)
    tail = rest[: cut.start() if cut else 24][:24]
    candidates = ([_UNIT_METRIC[unit]] if unit else []) + _named(tail, last=False)
    candidates += _named(_clause(text, a.start, floor), last=True)
    for metric in candidates:
        value = _value(metric, a, unit)
        if value is not None:
            return metric, value
    return None


def _threshold(text: str, op: Comparison, a: Amount, floor: int) -> Threshold | None:
    """The threshold of a comparison and its number, or None (no metric fits)."""
    found = _reading(text, a, floor)
    if found is None:
        return None
    from tools.base_queries.models import Threshold

    return Threshold(metric=found[0], op=op, value=found[1])


def _ranges(text: str) -> tuple[list[Threshold], int]:
    """Ranges ("churn between 0.3 and 0.6", "from 3 to 12 months"): two thresholds.

    Each number is read as if it stood alone where the range starts, followed by
    what follows the second number ("between £40 and 60 a month": both a month).
    """
    out: list[Threshold] = []
    floor = 0
    for r in _RANGE.finditer(text):
        low = amount_after(text, r.end(), within=1)
        joint = _JOINT.match(text, low.end) if low else None
        high = amount_after(text, joint.end(), within=1) if joint else None
        if low is None or high is None:
            continue
        read: list[tuple[Metric, float] | None] = []
        for a in (
            replace(
                low, money=low.money or high.money, percent=low.percent or high.percent
            ),
            high,
        ):
            number = text[a.start : a.end] if a is high else text[low.start : low.end]
            view = text[: r.start()] + number + text[high.end :]
            at = replace(a, start=r.start(), end=r.start() + len(number))
            read.append(_reading(view, at, floor))
        lower, upper = read
        if lower is not None and upper is not None and lower[0] == upper[0]:
            from tools.base_queries.models import Threshold

            out += [
                Threshold(metric=lower[0], op=">=", value=lower[1]),
                Threshold(metric=upper[0], op="<=", value=upper[1]),
            ]
            floor = high.end
    return out, floor


Found = tuple["Threshold", int, int]  # a threshold and where it is in the text


def find_thresholds(text: str) -> list[Found]:
    """Every numeric threshold in the (normalised) text with its span, in order."""
    ranges, floor = _ranges(text)
    out: list[Found] = [(t, 0, floor) for t in ranges]
    for m in _COMPARISON.finditer(text):
        if m.start() < floor:
            continue
        kind = next(k for k, v in m.groupdict().items() if v)
        a = amount_after(text, m.end(), within=3)
        if a is None:
            continue
        found = _threshold(text, _PREFIX[int(kind[1:])][1], a, floor)
        if found is not None:
            out.append((found, m.start(), a.end))
            floor = a.end
    for a in amounts_in(text):
        post = _POSTFIX.match(text, a.end)
        if not post or any(s <= a.start < e for _, s, e in out):
            continue
        op: Comparison = ">=" if post.group("ge") else "<="
        found = _threshold(text[: a.end] + text[post.end() :], op, a, floor)
        if found is not None:
            out.append((found, a.start, post.end()))
    return out


def thresholds_in(text: str) -> list[Threshold]:
    """Every numeric threshold in the (normalised) text, in order of reading."""
    return [t for t, _, _ in find_thresholds(text)]
