"""What a booking order means besides a treatment's name.

"book a service call to check he's ok" (the purpose and channel said: Service Call
Back, never a marketing treatment on that channel); "go with your first pick after
all" (the recommendation's top pick, after an alternative was proposed in its
place). Used by :func:`assistant.planner.book_calls.booking_key`.
"""

from __future__ import annotations

import re

from assistant.core.mentions import means_first_pick
from assistant.planner.intent import Ask
from tools.patterns import compiled
from tools.treatment import BASELINE

_PURPOSE_CHANNEL = compiled(
    r"\b(?P<purpose>service|billing|marketing)\s+(?P<channel>call|phone call|"
    r"sms|text|e-?mail|push|app message)s?\b",
    re.I,
)
_CHANNEL_OF = {
    "phone call": "call",
    "text": "sms",
    "e-mail": "email",
    "app message": "app",
}


def purpose_on_channel(ask: Ask, customer: str | None) -> str | None:
    """The treatment "<purpose> <channel>" names: "a service call" (Service Call Back).

    The customer's best ranked of that purpose and channel, else the first of them
    by name (the guard still checks every rule); None when the message names none
    or no treatment has that purpose on that channel. Never another purpose.
    """
    m = _PURPOSE_CHANNEL.search(ask.u.text)
    if m is None:
        return None
    purpose = m["purpose"].lower()
    channel = _CHANNEL_OF.get(m["channel"].lower(), m["channel"].lower())
    keys = [
        k
        for k, t in ask.config.treatments.items()
        if t.purpose == purpose and t.channel == channel
    ]
    rec = ask.session.last_recommendation
    ranked = [r.treatment_key for r in rec.ranked] if rec else []
    if rec is None or rec.customer_id != customer:
        ranked = []
    return next((k for k in ranked if k in keys), keys[0] if keys else None)


def first_pick(ask: Ask, customer: str | None) -> str | None:
    """The recommendation's top pick, when the order says so and names no channel.

    After an alternative was proposed in its place, "go with your first pick after
    all" / "book your original suggestion" mean the recommendation's top option.
    """
    rec = ask.session.last_recommendation
    if ask.u.channels or rec is None or rec.customer_id != customer:
        return None
    if not means_first_pick(ask.u.text) or rec.top.treatment_key == BASELINE:
        return None
    return rec.top.treatment_key
