r"""What an analyst's message names: customers, bookings, treatments.

The one reading of ids and names in analyst text, so that the planner and the guard
agree on which customer a message is about. Digits are ASCII only (``[0-9]``, never
``\d``, which also matches other scripts' digits).
"""

from __future__ import annotations

import re
from functools import lru_cache

from tools.config import CVMConfig

CUSTOMER_ID = re.compile(r"\b[uU]-?[0-9]+\b")
_BOOKING_ID = re.compile(
    r"(?:#\s*|\b(?:allocation|booking|id|number|no\.?)\s*#?\s*)([0-9]+)\b", re.I
)


def customer_ids_in(text: str) -> list[str]:
    """Customer ids mentioned in a message, normalised ("u-124" → "U124")."""
    out: list[str] = []
    for m in CUSTOMER_ID.findall(text):
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
