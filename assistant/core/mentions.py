r"""What an analyst's message names: customers, bookings, treatments.

The one reading of ids and names in analyst text, so that the planner and the guard
agree on which customer a message is about. Digits are ASCII only (``[0-9]``, never
``\d``, which also matches other scripts' digits).
"""

from __future__ import annotations

import re
from functools import lru_cache

from tools.config import CVMConfig
from tools.patterns import compiled

CUSTOMER_ID = compiled(r"\b[uU]-?[0-9]+(?=s?\b)")  # "U124s journey": U124
_BOOKING_ID = compiled(
    r"(?:#\s*|\b(?:allocation|booking|id|number|no\.?)\s*#?\s*)([0-9]+)\b", re.I
)


# a customer id said aloud or dictated: "you one two six", "u 127", "you 1 2 7"
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_DIGIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
_SPOKEN_ID = compiled(
    rf"\b(?:u|you)[\s-]+((?:{_DIGIT}[\s-]*){{2,7}}{_DIGIT})\b"
    r"(?!\s*(?:times|customers|people|slots|calls|quid|pounds|percent|%))",
    re.I,
)


def spoken_ids(text: str) -> str:
    """The text with dictated customer ids written as ids ("you one two six": U126)."""

    def written(m: re.Match[str]) -> str:
        parts = re.findall(_DIGIT, m.group(1), re.I)
        return "U" + "".join(_DIGIT_WORDS.get(p.lower(), p) for p in parts)

    return _SPOKEN_ID.sub(written, text)


def customer_ids_in(text: str) -> list[str]:
    """Customer ids mentioned in a message, normalised ("u-124" → "U124").

    Dictated ids count too ("you one two six", "u 127").
    """
    out: list[str] = []
    for m in CUSTOMER_ID.findall(spoken_ids(text)):
        cid = m.upper().replace("-", "")
        if cid not in out:
            out.append(cid)
    return out


def booking_ids_in(text: str) -> list[int]:
    """Booking ids named in a message ("#3", "booking 3", "allocation #3")."""
    return [int(m) for m in _BOOKING_ID.findall(CUSTOMER_ID.sub(" ", text))]


def treatments_named(text: str, config: CVMConfig) -> list[str]:
    """Treatment keys the analyst named, by key or display name."""
    lowered = text.lower().replace("-", " ").replace("_", " ")
    return [
        key
        for key, t in config.treatments.items()
        if _name_pattern(key, t.display_name).search(lowered)
    ]


@lru_cache(maxsize=512)
def _name_pattern(key: str, display_name: str) -> re.Pattern[str]:
    """A treatment's names in a lower-cased message: its key or display name."""
    names = {key.replace("_", " "), display_name.lower()}
    if display_name.lower().endswith("personalised offer"):
        names.add("personalized offer")
    either = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"\b(?:{either})s?\b")


_NTH = {
    "top": 1, "first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2,
    "third": 3, "3rd": 3, "three": 3, "fourth": 4, "4th": 4, "four": 4, "fifth": 5,
    "5th": 5, "five": 5, "last": -1, "bottom": -1,
}  # fmt: skip
_ON_LIST = r"(?:on|of|in|from) (?:the|that|this|your) list|of (?:them|those|these)"
_LISTED = compiled(
    r"\b(?:the\s+)?(?P<nth>top|first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|"
    r"last|bottom)\s+(?:(?:one|customer|person|account|name|row|entry|guy)"
    rf"(?:\s+(?:{_ON_LIST}))?|{_ON_LIST})\b|"
    r"\b(?:number|no\.?)\s*(?P<num>one|two|three|four|five|[1-9])\s+"
    rf"(?:{_ON_LIST})\b",
    re.I,
)


def resolve_listed(
    text: str, listed: list[str], explicit: bool = False
) -> tuple[str, str | None]:
    """The text with its pointer at a listed row replaced by that customer's id.

    Args:
        text: The analyst's message.
        listed: The customers of the list, in the order shown.
        explicit: Only a pointer that says it means a customer or the list ("the
            second customer", "the top one on the list"), not "the second one"
            (which, after options were shown, means an option).

    Returns:
        ``("what should we do for U124", "U124")`` for "what should we do for the
        top one" after a list headed by U124; the text unchanged and None when it
        points at no row shown.
    """
    m = _LISTED.search(text)
    if m is None or not listed:
        return text, None
    if explicit and not re.search(r"customer|person|account|list|them|those", m[0]):
        return text, None
    word = (m.group("nth") or m.group("num")).lower()
    n = int(word) if word.isdigit() else _NTH[word]
    index = n - 1 if n > 0 else len(listed) + n
    if not 0 <= index < len(listed):
        return text, None
    customer = listed[index]
    return text[: m.start()] + customer + text[m.end() :], customer


_POINTS_AT_IT = compiled(r"\b(?:it|that|this|that one|this one)\b", re.I)
_FIRST_PICK = compiled(
    r"\b(?:first|original|initial|top|your) (?:pick|choice|one|recommendation|"
    r"suggestion|option|idea)\b|\bafter all\b",
    re.I,
)


def points_at_it(text: str) -> bool:
    """Whether a message points at something shown ("book it", "that one")."""
    return bool(_POINTS_AT_IT.search(text))


def means_first_pick(text: str) -> bool:
    """Whether a message means the first recommendation, not an option offered since.

    "your first pick after all", "book your original suggestion".
    """
    return bool(_FIRST_PICK.search(text))


def points_at_customer_row(text: str) -> bool:
    """Whether the message points at a row of a list of customers by position.

    "the third customer", "number 4 on the list" do (shown or not); "the second
    one" does not say it means a customer.
    """
    m = _LISTED.search(text)
    return bool(m and re.search(r"customer|person|account|list|them|those", m[0]))
