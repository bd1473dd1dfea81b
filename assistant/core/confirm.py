"""Which whole messages confirm or decline a pending action: small closed sets.

A message confirms only if, once normalised, it *is* one of the pending action's
confirmations. Normalising folds case and Unicode forms, straightens quotes, drops
commas and trailing full stops or exclamation marks, collapses spaces, and drops a
leading courtesy ("ok", "great", "perfect") and a trailing one ("please", "thanks",
"now") — nothing else. Nothing is read from prose: "Confirm the number of bookings
we made today", "Dry run: book it", "Book it. Scratch that." or "yes?" confirm
nothing, whatever is pending.
"""

from __future__ import annotations

import re
import unicodedata

GENERIC = frozenset(
    {
        "yes",
        "y",
        "ya",
        "yep",
        "yeah",
        "yup",
        "yes please",
        "please do",
        "approve",
        "approved",
        "i approve",
        "approve it",
        "yes approve",
        "yes approved",
        "approve the booking",
        "confirm",
        "confirmed",
        "i confirm",
        "confirm it",
        "yes confirm",
        "confirm the booking",
        "confirm booking",
        "go ahead",
        "please go ahead",
        "yes go ahead",
        "yeah go ahead",
        "yep go ahead",
        "go ahead with it",
        "go ahead with that",
        "go for it",
        "do it",
        "yes do it",
        "let's do it",
        "proceed",
        "please proceed",
        "yes proceed",
        "go on",
        "go",
        "that's fine",
        "thats fine",
        "that's grand",
        "sounds good",
        "sure",
        "sure thing",
        "fine",
        "aye",
        "affirmative",
        "correct",
        "all good",
        "do that",
        "sign it off",
        "crack on",
        "lock it in",
        "lock it",
        "send it",
        "do the needful",
        "confermo",
        "confirmo",
        "je confirme",
    }
)
BOOKING = frozenset(
    {
        "book it",
        "yes book it",
        "please book it",
        "book that",
        "book",
        "i confirm the booking",
        "book it in",
        "get it booked",
    }
)
PLAN = BOOKING | frozenset({"book the plan", "yes book the plan", "book plan"})
DECLINES = frozenset(
    {
        "no",
        "n",
        "nope",
        "nah",
        "no thanks",
        "no thank you",
        "cancel",
        "cancel that",
        "don't",
        "dont",
        "do not",
        "not now",
        "drop it",
        "forget it",
        "never mind",
        "nevermind",
        "decline",
        "reject",
        "no don't",
        "leave it",
        "cancel it",
        "don't book it",
        "do not book it",
        "no don't book it",
        "nvm",
        "no wait",
        "wait no",
        "not yet",
        "hold off",
        "scrap it",
        "skip it",
        "no need",
        "don't bother",
        "dont bother",
        "abort",
    }
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_COURTESY_BEFORE = re.compile(
    r"^(?:(?:ok|okay|right|alright|great|perfect|fine|good|cool|then|so|grand|lovely|"
    r"brilliant|sound|nice|excellent|sweet|lush|champion|"
    r"ja|si|sí|sì|oui|vale|haan|sim|tak|perfecto|perfetto|parfait|prima|cheers|ta)\b[\s.]*)+"
)
_COURTESY_AFTER = re.compile(
    r"(?:\s+(?:please|pls|plz|thanks|thx|thank you|thank you so much|thanks a lot|"
    r"cheers|now|then))+$"
)
_PLEASE_BEFORE = re.compile(
    r"\b(?:please|pls|kindly) "
    r"(?=(?:confirm|book|approve|proceed|go ahead|do (?:it|that|the needful))\b)"
)
_MOST_PARTS = 3
_EMOTICON = re.compile(r"(?<!\S)[:;=8][-']?[)(dpo3\]\[/\\|]+(?!\S)")


def normalise(message: str) -> str:
    """The message as compared with the closed sets."""
    text = unicodedata.normalize("NFKC", message).translate(_QUOTES).casefold()
    text = "".join(c for c in text if unicodedata.category(c) != "So")  # 👍
    text = _EMOTICON.sub(" ", text)  # "yes confirmed :)"
    text = " ".join(text.strip().replace(",", " ").split())
    text = re.sub(r"(?<=\w)[.!]+(?=\s)", "", text)  # "Perfect. Book it."
    text = re.sub(r"[.!\s]+$", "", text)
    text = _COURTESY_AFTER.sub("", _COURTESY_BEFORE.sub("", text)) or text
    text = _PLEASE_BEFORE.sub("", text)  # "yes, please confirm it"
    return text.strip()


# words of courtesy between the parts of a confirmation ("yep lovely, go ahead",
# "yes please, diolch!"): dropped only from a message that is otherwise a run of
# confirmations; alone they confirm nothing
_COURTESY_WORDS = frozenset(
    {
        "please", "pls", "plz", "thanks", "thx", "cheers", "ta", "diolch", "lovely",
        "great", "perfect", "brilliant", "cool", "nice", "excellent", "super",
        "mate", "love", "bud", "ok", "okay", "then", "now", "grand", "sound", "and",
        "so",
    }
)  # fmt: skip


def confirms(message: str, confirmations: tuple[str, ...]) -> bool:
    """Whether the whole message is one of these confirmations, or a run of them.

    "confirmed, do it" and "yep, approved" are two confirmations in a row: every
    word of the message must belong to one of at most three of them, once words
    of courtesy between them are dropped ("yep lovely, go ahead").
    """
    allowed = frozenset(confirmations)
    words = normalise(message).split()
    if _run_of(words, allowed, _MOST_PARTS):
        return True
    kept = [w for w in words if w not in _COURTESY_WORDS]
    return bool(kept) and kept != words and _run_of(kept, allowed, _MOST_PARTS)


def _run_of(words: list[str], allowed: frozenset[str], parts: int) -> bool:
    """Whether ``words`` split into at most ``parts`` phrases, each one ``allowed``."""
    if " ".join(words) in allowed:
        return True
    return parts > 1 and any(
        " ".join(words[:i]) in allowed and _run_of(words[i:], allowed, parts - 1)
        for i in range(1, len(words))
    )


def is_confirmation(message: str) -> bool:
    """Whether the message is a bare confirmation ("yes", "go ahead") of anything."""
    return _run_of(normalise(message).split(), GENERIC, _MOST_PARTS)


def declines(message: str) -> bool:
    """Whether the whole message declines what is pending ("no", "not now")."""
    return normalise(message) in DECLINES
