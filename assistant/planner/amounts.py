"""Numbers as analysts type them: money, counts, percentages, number words.

"£2k", "2k", "£1.5m", "£2bn", "ten grand", "a grand", "a quid", "a fiver", "two
tenners", "£2,000", "2000 pounds", "50p", "twenty five quid", "a hundred pounds",
".5", "60%", "sixty per cent". Each is read into a typed :class:`Amount` with where
it stands in the text, so a caller can ask for the amount after a word ("budget to
…", "under …") and know whether it was surely money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tools.patterns import compiled

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {
    "hundred": 1e2,
    "k": 1e3,
    "thousand": 1e3,
    "grand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mil": 1e6,
    "mill": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
}
UNIT_POUNDS = {  # pounds per unit, British money slang included
    "pound": 1.0,
    "pounds": 1.0,
    "gbp": 1.0,
    "quid": 1.0,
    "fiver": 5.0,
    "fivers": 5.0,
    "tenner": 10.0,
    "tenners": 10.0,
    "pony": 25.0,
    "ponies": 25.0,
    "monkey": 500.0,
    "monkeys": 500.0,
    "p": 0.01,
    "pence": 0.01,
}
_WORD_NUMBER = (
    rf"(?:(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(list(UNITS)[1:10])}))?|"
    rf"{'|'.join(UNITS)})(?:\s+hundred(?:\s+and\s+\w+(?:[- ]\w+)?)?)?"
)
# digits as written in English ("1,500", "2.5") and on the continent ("2.000" is two
# thousand, "0,7" and "12,50" have a decimal comma, "1.500,50" both)
_DIGITS = (
    r"(?<![\w.,])(?:[1-9]\d{0,2}(?:\.\d{3})+(?![\d.])(?:,\d{1,2}(?!\d))?|"
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?![\d,])|\d+(?:\.\d+)?|\.\d+)"
)
_CONTINENTAL = compiled(r"^[1-9]\d{0,2}(?:\.\d{3})+(?:,\d{1,2})?$|^\d+,\d{1,2}$")
_NUMBER = compiled(
    rf"(?P<cur>£|\bgbp\s?)?\s*(?P<num>{_DIGITS}|\b(?:{_WORD_NUMBER})\b|"
    r"\ban?(?=\s+(?:hundred|thousand|grand|million|billion|quid|fiver|tenner|pony|"
    r"monkey)\b))"
    r"(?:\s*(?P<scale>hundred|k|thousand|grand|mn|mill?|million|m|bn|billion)\b)?"
    r"(?:\s*(?P<unit>pounds?|quid|gbp|pence|p|fivers?|tenners?|pony|ponies|"
    r"monkeys?)\b)?"
    r"(?:\s*(?P<pct>%|per ?cent\b|pc\b))?",
    re.I,
)


@dataclass(frozen=True)
class Amount:
    """A number read from the text.

    Attributes:
        value: The number (pounds for money, the fraction's percent for ``%``:
            "60%" is 60 with ``percent`` set).
        start: Where it starts in the text.
        end: Where it ends.
        money: Surely money: "£", "pounds", "quid", "grand", a fiver...
        scaled: Written with a multiplier ("2k", "1.5m", "ten thousand").
        percent: Written as a percentage ("60%", "sixty per cent").
    """

    value: float
    start: int
    end: int
    money: bool = False
    scaled: bool = False
    percent: bool = False


def word_number(text: str) -> float | None:
    """The value of number words ("twenty five", "two hundred and ten"), or None."""
    total, current, seen = 0.0, 0.0, False
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in ("and",):
            continue
        if word in ("a", "an"):
            current, seen = max(current, 1.0), True
        elif word in UNITS:
            current, seen = current + UNITS[word], True
        elif word in TENS:
            current, seen = current + TENS[word], True
        elif word == "hundred":
            current, seen = max(current, 1.0) * 100, True
        else:
            return None
    return total + current if seen else None


def _number(raw: str) -> float | None:
    raw = raw.strip()
    if _CONTINENTAL.match(raw):  # "2.000" -> 2000, "0,7" -> 0.7
        return float(raw.replace(".", "").replace(",", "."))
    if raw[:1].isdigit() or raw[:1] == ".":
        return float(raw.replace(",", ""))
    return word_number(raw)


def amounts_in(text: str) -> list[Amount]:
    """Every number in the text, in order, with money, multipliers and percent read.

    "ten grand" is 10,000 pounds; "a fiver" 5; "2k" 2,000 (scaled, not surely
    money); "50p" 0.5 pounds; "60%" 60 (percent).
    """
    out: list[Amount] = []
    for m in _NUMBER.finditer(text):
        value = _number(m.group("num"))
        if value is None:
            continue
        scale = (m.group("scale") or "").lower()
        unit = (m.group("unit") or "").lower()
        value *= SCALES.get(scale, 1.0) * UNIT_POUNDS.get(unit, 1.0)
        money = bool(m.group("cur") or unit or scale == "grand")
        out.append(
            Amount(
                value=round(value, 6),
                start=m.start("cur") if m.group("cur") else m.start("num"),
                end=m.end(),
                money=money,
                scaled=bool(scale) and scale != "hundred",
                percent=bool(m.group("pct")),
            )
        )
    return out


def amount_after(text: str, at: int, within: int = 12) -> Amount | None:
    """The first number starting at most ``within`` characters after ``at``.

    Its ``start`` and ``end`` are positions in ``text``.
    """
    found = next((a for a in amounts_in(text[at:]) if a.start <= within), None)
    if found is None:
        return None
    return replace(found, start=found.start + at, end=found.end + at)


def money_after(text: str, at: int, within: int = 12) -> float | None:
    """Pounds of the first number after ``at`` (a percentage is no money)."""
    found = amount_after(text, at, within)
    return None if found is None or found.percent else found.value


def count_value(raw: str) -> int | None:
    """A whole count written in digits or words ("25", "twenty", "2k"), or None."""
    found = amounts_in(raw)
    if len(found) != 1 or found[0].percent or found[0].money:
        return None
    value = found[0].value
    return int(value) if value == int(value) and value >= 0 else None
