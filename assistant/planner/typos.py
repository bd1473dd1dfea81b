"""Typo correction of analyst messages against the planner's vocabulary.

Words are corrected one by one (difflib) to the closest known word that keeps
the first letter and about the length, so "wat shud we ofer u124" reads as "what
should we offer u124"; shorthand ("pls", "cust") is expanded first.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from assistant.planner.vocabulary import CHANNEL_WORDS, COMMON_WORDS, FACETS, SHORTHAND
from tools.config import CVMConfig
from tools.config_memo import per_config
from tools.patterns import compiled

WORD = compiled(r"[a-z]+(?:'[a-z]+)?")
_SHORTHAND = compiled(
    r"(?<![\w'-])(?:" + "|".join(map(re.escape, SHORTHAND)) + r")(?![\w'-])"
)
_INFLECTIONS = {"s", "es", "ed", "d", "ing", "er", "ers", "ly", "ion", "al"}


@per_config
def vocabulary(config: CVMConfig, known: frozenset[str]) -> frozenset[str]:
    """Every word the planner knows: ``known`` (its cues), treatments, channels, facets.

    Args:
        config: The configuration (treatment keys and names).
        known: The intents table's cue words
            (:func:`assistant.planner.intents.cue_words`).
    """
    words = set(COMMON_WORDS) | known
    for key, t in config.treatments.items():
        words |= set(WORD.findall(f"{key.replace('_', ' ')} {t.display_name}".lower()))
    for source in (*CHANNEL_WORDS, *FACETS.values()):
        words |= pattern_words(source)
    return frozenset(w for w in words if len(w) > 1)


def pattern_words(pattern: str) -> set[str]:
    """The plain words of a regular expression (its escapes removed)."""
    plain = compiled(r"\\[a-zA-Z]").sub(" ", pattern).replace("?", "")
    return set(compiled(r"[a-z]{2,}").findall(plain.lower()))


def _inflected(word: str, vocab: frozenset[str]) -> bool:
    """Whether the word is a known word plus an inflection ("recommended")."""
    return any(
        word.endswith(end) and len(word) - len(end) >= 4 and word[: -len(end)] in vocab
        for end in _INFLECTIONS
    )


def _plausible_typo(word: str, known: str) -> bool:
    """Whether ``known`` is a plausible correction of ``word``.

    A typo keeps the first letter and the length (give or take two letters); an
    inflection ("complained" of "complain") is not a typo.
    """
    if word[0] != known[0] or abs(len(word) - len(known)) > 2:
        return False
    short, long = sorted((word, known), key=len)
    return not (long.startswith(short) and long[len(short) :] in _INFLECTIONS)


@lru_cache(maxsize=8)
def _sorted(vocab: frozenset[str]) -> list[str]:
    """The vocabulary in order (for the closest matches), sorted once per set."""
    return sorted(vocab)


def correct(
    text: str, config: CVMConfig, known: frozenset[str] = frozenset()
) -> tuple[str, dict[str, str]]:
    """Lower-case the text and fix words that are close to a known word."""
    vocab = vocabulary(config, known)
    fixed: dict[str, str] = {}

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if word in vocab or len(word) < 3 or "'" in word or _inflected(word, vocab):
            return word
        for best in difflib.get_close_matches(word, _sorted(vocab), n=3, cutoff=0.8):
            if _plausible_typo(word, best):
                fixed[word] = best
                return best
        return word

    lowered = text.lower().replace("’", "'").replace("‘", "'")

    def expand(m: re.Match[str]) -> str:
        fixed[m.group(0)] = SHORTHAND[m.group(0)]
        return SHORTHAND[m.group(0)]

    lowered = _SHORTHAND.sub(expand, lowered)
    return WORD.sub(fix, lowered), fixed
