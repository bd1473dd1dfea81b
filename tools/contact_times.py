"""``next_contact_times``: the earliest lawful contact per channel, and the rule.

"When's the earliest we can ring her?": per channel, the purposes the customer's
consents allow (CONSENT; OBJECTION and VULNERABLE for marketing), and when the
channel may reach them (QUIET-HOURS: the do-not-disturb window and, for calls, the
calling window, in their time zone; :func:`tools.contact_time.next_contact`), with
the rule that sets the time. Frequency caps and capacity are checked when a
treatment is booked, not here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tools.clock import now as clock_now
from tools.contact_time import next_contact
from tools.context import ToolContext
from tools.customer import CustomerData
from tools.data import get_customer_data
from tools.lazy_model import LazyModel

CHANNELS = ("call", "sms", "email", "push")
PURPOSES = ("marketing", "service", "billing")


class ChannelTime(LazyModel):
    """When one channel may lawfully reach the customer, and for what."""

    channel: str
    purposes: list[str] = Field(description="Purposes consented to and allowed.")
    allowed_now: bool
    next_time: datetime | None = Field(description="Earliest lawful time (None: no).")
    rule: str = Field(description="The rule that sets it (QUIET-HOURS, CONSENT, ...).")
    why: str


class ContactTimes(LazyModel):
    """Result of ``next_contact_times``."""

    customer_id: str
    at: datetime
    time_zone: str
    channels: list[ChannelTime]
    earliest: ChannelTime | None = Field(description="The soonest lawful channel.")


def _purposes(c: CustomerData, channel: str) -> tuple[list[str], list[str]]:
    """The purposes allowed on a channel, and why others are not (rule: reason)."""
    entry = c.consents.get(channel)  # type: ignore[call-overload]
    if entry is None:
        return [], [f"CONSENT: no consent recorded by {channel}"]
    allowed = [p for p in PURPOSES if getattr(entry, p)]
    notes = []
    if not entry.marketing:
        notes.append(f"CONSENT: no marketing consent by {channel}")
    objects = not any(e.marketing for e in c.consents.values())
    if "marketing" in allowed and objects:
        allowed.remove("marketing")
        notes.append("OBJECTION: refused marketing on every channel")
    if "marketing" in allowed and c.vulnerable:
        allowed.remove("marketing")
        notes.append("VULNERABLE: no automated marketing")
    return allowed, notes


def channel_time(
    c: CustomerData, channel: str, ctx: ToolContext, at: datetime
) -> ChannelTime:
    """One channel's earliest lawful contact for this customer."""
    purposes, notes = _purposes(c, channel)
    if not purposes:
        return ChannelTime(
            channel=channel,
            purposes=[],
            allowed_now=False,
            next_time=None,
            rule="CONSENT",
            why="; ".join(notes) or f"CONSENT: no consent by {channel}",
        )
    nc = next_contact(c, channel, ctx.config, at)
    why = nc.note + ("; " + "; ".join(notes) if notes else "")
    return ChannelTime(
        channel=channel,
        purposes=purposes,
        allowed_now=nc.allowed_now,
        next_time=nc.next_time,
        rule="QUIET-HOURS",
        why=why,
    )


def next_contact_times(customer_id: str, ctx: ToolContext) -> ContactTimes:
    """The earliest lawful contact time per channel for a customer, with its rule.

    From the customer's consents (CONSENT, OBJECTION, VULNERABLE for marketing),
    do-not-disturb window and the calling window in their time zone (QUIET-HOURS).

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer.
    """
    c = get_customer_data(customer_id, ctx)
    at = clock_now()
    channels = [channel_time(c, ch, ctx, at) for ch in CHANNELS]
    lawful = [t for t in channels if t.next_time is not None]
    earliest = min(lawful, key=lambda t: t.next_time or at) if lawful else None
    return ContactTimes(
        customer_id=c.customer_id,
        at=at,
        time_zone=c.time_zone or ctx.config.settings.timezone,
        channels=channels,
        earliest=earliest,
    )
