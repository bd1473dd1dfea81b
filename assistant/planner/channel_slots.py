"""The channels a message names, and those it rules out ("without email or calls")."""

from __future__ import annotations

import re

from assistant.planner.vocabulary import CHANNEL_WORDS
from tools.patterns import compiled

_NEGATION = compiled(
    r"\b(?:without|no|not|avoid(?:ing)?|doesn'?t|don'?t|other than|except|rather than|"
    r"instead of|skip|never|excluding|can'?t|cannot|mustn'?t|won'?t|shouldn'?t)\b",
    re.I,
)
_QUESTION_ABOUT = compiled(
    r"\b(?:why|how) not\b|\bwhy (?:no|isn'?t|wasn'?t|can'?t|don'?t|won'?t)\b", re.I
)
_INTERJECTION = compiled(r"no\s*[,;:!\u2013\u2014-]", re.I)
_WINDOW_END = compiled(r"[.;!?]|\bbut\b|\binstead\b(?! of)", re.I)


def channels_in(text: str) -> list[str]:
    """Channels mentioned in the text, in order of appearance."""
    found: list[tuple[int, str]] = []
    for pattern, channel in CHANNEL_WORDS.items():
        m = compiled(rf"\b(?:{pattern})\b", re.I).search(text)
        if m and channel not in [c for _, c in found]:
            found.append((m.start(), channel))
    return [c for _, c in sorted(found)]


_RULED_OUT = compiled(
    r"^\s*(?:is|are|'s|'re|being|has been|"
    r"have been|will be)?\s*(?:not (?:an option|available|possible|allowed|an avenue)|"
    r"isn'?t an option|off the table|out of (?:the question|action|bounds)|"
    r"unavailable|swamped|slammed|overloaded|overwhelmed|maxed(?: out)?|full|"
    r"down|closed|out this week|out today|a no[- ]go|no good)\b",
    re.I,
)


def _ruled_out_after(text: str) -> list[str]:
    """Channels ruled out by what follows them ("the call centre is not an option")."""
    out: list[str] = []
    for pattern, channel in CHANNEL_WORDS.items():
        nouns = r"(?:\s+(?:cent(?:re|er)|team|channel|queue|floor|lines?|route))?"
        for m in compiled(rf"\b(?:{pattern})\b{nouns}", re.I).finditer(text):
            if _RULED_OUT.match(text[m.end() : m.end() + 40]) and channel not in out:
                out.append(channel)
    return out


def excluded_channels(text: str) -> list[str]:
    """Channels the analyst wants to avoid ("without email or calls").

    "Why not an SMS?" asks about SMS; it excludes nothing. A channel ruled out by
    what follows it ("the call centre is not an option this week", "call centre
    is swamped") is excluded too.
    """
    text = _QUESTION_ABOUT.sub(" ", text)
    out: list[str] = _ruled_out_after(text)
    for m in _NEGATION.finditer(text):
        if _INTERJECTION.match(text, m.start()):  # "no - let's do email instead"
            continue
        window = text[m.end() : m.end() + 45]
        end = _WINDOW_END.search(window)
        window = window[: end.start()] if end else window
        first = compiled(r"\w").search(window)
        found = channels_in(window)
        if found and first and first.start() < 30:
            out += [c for c in found if c not in out]
    return out
