"""Where a message puts questions side by side: its parts (see ``compound``).

"What should we offer U124, and when is the next lawful contact time?" is two parts;
"what it costs and what we'd get back" is one question. Split after "?", "." or
"!", or at ", and" / "and" / "," before a new question (a question word and its
verb, or a verb that asks); at most :data:`MAX_PARTS`, each of :data:`MIN_WORDS`.
"""

from __future__ import annotations

import re

from tools.patterns import compiled

MAX_PARTS = 3
MIN_WORDS = 2  # "Book it." is a part; "and?" is not

_AUX = r"(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|about)"
# a new question after "and" or a comma: a question word and then its verb ("and
# when is …", "and how many are …"), or a verb that asks ("and can we …"), never
# a clause inside the question ("what it costs and what we'd get back")
_NEW_QUESTION = (
    r"(?:(?:what|when|where|who|which|why|how(?:\s+(?:many|much|long|often|soon))?)"
    rf"(?:'s\b|\s+{_AUX}\b)|(?:can|could|is|are|was|were|do|does|did|will|would|"
    r"should|has|have)\b)"
)
_BREAK = compiled(
    rf"(?<=[?.!])\s+(?=\S)|,?\s+and\s+(?={_NEW_QUESTION})|,\s+(?={_NEW_QUESTION})",
    re.I,
)


def parts_of(text: str) -> list[str]:
    """The questions a message puts side by side (one: not a compound message)."""
    parts = [p.strip(" ,;") for p in _BREAK.split(text.strip())]
    parts = [p for p in parts if p]
    if not 2 <= len(parts) <= MAX_PARTS:
        return [text]
    if any(len(re.findall(r"\w+", p)) < MIN_WORDS for p in parts):
        return [text]
    return parts
