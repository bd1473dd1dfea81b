"""The readings a clarification offers, and which of them a reply picks.

Below the calibrated threshold no reading is acted on: the two or three closest
worth offering are (the cues' reading among them), and "2" or "the first" picks
one of them.
"""

from __future__ import annotations

import re

from assistant.planner.intents import BY_NAME
from tools.patterns import compiled

MAX_CHOICES = 3
# never offered as "the nearest I can do" nor as a choice: talk, not an action
NOT_NEAR = frozenset({"unknown", "thanks", "help", "decline"})
MIN_CHOICE = 0.08  # a reading less likely than this is not worth offering
_CHOICE = compiled(
    r"^\W*(?:(?:option|number|no\.?|choice)\s*)?(?P<n>[1-3])\W*$|"
    r"^\W*(?:the\s+)?(?P<w>first|1st|second|2nd|third|3rd)(?:\s+(?:one|option))?\W*$",
    re.I,
)
_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}


def offered_choices(
    ranked: list[tuple[str, float]], total: float, cued: str | None
) -> tuple[str, ...]:
    """The closest readings to offer, likeliest first (at most MAX_CHOICES).

    The classifier's likeliest readings worth offering, and the hand-written cues'
    reading among them (second) when there is a choice to make and the
    conversation allows it: the second opinion is always offered.
    """
    offerable = [
        n
        for n, q in ranked
        if n in BY_NAME and n not in NOT_NEAR - {"decline"} and q / total >= MIN_CHOICE
    ][:MAX_CHOICES]
    possible = {n for n, _ in ranked}
    if (
        offerable  # a clarification already (never one instead of an honest can't)
        and cued in possible
        and cued not in NOT_NEAR - {"decline"}
        and cued not in offerable
    ):
        offerable = [*offerable[:1], cued, *offerable[1:]][:MAX_CHOICES]
    return tuple(offerable)


def choice_in(text: str, offered: int) -> int | None:
    """Which of the offered readings a reply picks ("2", "the first"), if any."""
    m = _CHOICE.match(text.strip())
    if not m:
        return None
    n = int(m.group("n")) if m.group("n") else _WORDS[m.group("w").lower()]
    return n if 1 <= n <= offered else None
