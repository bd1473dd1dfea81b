"""The QUIET-HOURS rule: when a channel may lawfully reach a customer.

Never excludes a treatment: it gives the next lawful contact time from the customer's
do-not-disturb window and, for calls, the calling window, in the customer's time zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.clock import now as clock_now
from tools.clock import zone
from tools.config import CVMConfig

if TYPE_CHECKING:
    from tools.customer import CustomerData


class NextContact(BaseModel):
    """When the treatment's channel may lawfully reach the customer."""

    channel: str
    allowed_now: bool
    next_time: datetime | None
    time_zone: str
    note: str


def _in_window(t: time, start: time, end: time) -> bool:
    """Whether ``t`` is inside [start, end), windows may wrap midnight."""
    return start <= t < end if start < end else t >= start or t < end


@lru_cache(maxsize=256)  # a few windows recur across the whole base
def _parse_window(text: str | None) -> tuple[time, time] | None:
    if not text or "-" not in text:
        return None
    start, end = (time.fromisoformat(p.strip()) for p in text.split("-", 1))
    return start, end


def next_contact(
    customer: CustomerData, channel: str, config: CVMConfig, at: datetime | None = None
) -> NextContact:
    """The next lawful contact time on ``channel`` (QUIET-HOURS rule).

    Uses the customer's do-not-disturb window and, for calls, the calling window,
    in the customer's time zone. With no known time zone the operator's zone is used
    and the policy's default quiet hours apply as well (the stricter of both).
    """
    at = at or clock_now()
    known_tz = customer.time_zone is not None
    tz_name = customer.time_zone or config.settings.timezone
    local = at.astimezone(zone(tz_name))
    if channel == "none":
        return NextContact(
            channel=channel,
            allowed_now=True,
            next_time=None,
            time_zone=tz_name,
            note="no customer contact involved",
        )
    policy = config.policy
    quiet, calls, desc, open_at = _windows(
        channel,
        tz_name,
        known_tz,
        customer.do_not_disturb,
        (policy.default_quiet_hours.start, policy.default_quiet_hours.end),
        (policy.calling_window.start, policy.calling_window.end),
    )
    if _allowed(local.time(), quiet, calls):
        return NextContact(
            channel=channel,
            allowed_now=True,
            next_time=local,
            time_zone=tz_name,
            note=f"contact allowed now; {desc}",
        )
    # the first end of a window, within 3 days, at which contact is lawful
    # (lawfulness depends on the time of day only; one zone: compared as local)
    first = next(
        (
            c
            for c in (
                datetime.combine(local.date() + timedelta(days=d), b, local.tzinfo)
                for d in range(3)
                for b in open_at
            )
            if c > local
        ),
        None,
    )
    when = f"{first:%a %d %b %H:%M}" if first else "not within 3 days"
    return NextContact(
        channel=channel,
        allowed_now=False,
        next_time=first,
        time_zone=tz_name,
        note=f"next lawful contact {when}; {desc}",
    )


Window = tuple[time, time]


def _allowed(t: time, quiet: tuple[Window, ...], calls: Window | None) -> bool:
    """Whether contact is lawful at local time of day ``t``."""
    if any(_in_window(t, s, e) for s, e in quiet):
        return False
    return calls is None or _in_window(t, *calls)


@lru_cache(maxsize=1024)  # a few customers' windows per channel recur base-wide
def _windows(
    channel: str,
    tz_name: str,
    known_tz: bool,
    do_not_disturb: str | None,
    default_quiet: tuple[str, str],
    calling: tuple[str, str],
) -> tuple[tuple[Window, ...], Window | None, str, tuple[time, ...]]:
    """A channel's windows for a customer: quiet ones, the calling one, in words.

    Returns:
        The quiet windows, the calling window (calls only), their description,
        and the ends of the windows at which contact is lawful, in time order
        (where the next lawful contact is looked for).
    """
    quiet = [w for w in (_parse_window(do_not_disturb),) if w]
    if not known_tz or not quiet:
        quiet.append(_bounds(*default_quiet))
    call_start, call_end = _bounds(*calling)
    desc = "; ".join(f"quiet {s:%H:%M}-{e:%H:%M}" for s, e in quiet)
    if channel == "call":
        desc += f"; calls {call_start:%H:%M}-{call_end:%H:%M}"
    desc += f" ({tz_name}{'' if known_tz else ', time zone unknown: strictest window'})"
    calls = (call_start, call_end) if channel == "call" else None
    ends = {e for _, e in quiet} | ({call_start} if channel == "call" else set())
    open_at = sorted(b for b in ends if _allowed(b, tuple(quiet), calls))
    return tuple(quiet), calls, desc, tuple(open_at)


def _bounds(start: str, end: str) -> tuple[time, time]:
    """A window's two ends as ``datetime.time`` (as ``TimeWindow.bounds`` gives)."""
    return time.fromisoformat(start), time.fromisoformat(end)
