"""Bounds on what an analyst can send and what the audit keeps of it."""

from __future__ import annotations

from tools.config import CVMConfig


def message_refusal(question: str, config: CVMConfig) -> str | None:
    """A polite refusal when the message is longer than ``max_message_chars``.

    Returns:
        The reply to give instead of answering, or None when the length is fine.
    """
    limit = config.validation.max_message_chars
    if len(question) <= limit:
        return None
    return (
        f"Your message is {len(question):,} characters long; I accept at most "
        f"{limit:,} (validation.max_message_chars). Please shorten it, for example "
        "ask about one customer at a time."
    )


def bounded_text(text: str, limit: int) -> str:
    """``text`` without NUL bytes, cut to ``limit`` characters with a marker.

    Args:
        text: The analyst's message.
        limit: The most characters kept (``settings.audit.max_question_chars``).
    """
    text = text.replace("\x00", "")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters not kept]"
