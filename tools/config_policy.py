"""The contact policy and value model sections of the configuration.

``policy`` (calling window, quiet hours, frequency caps, which consent covers a
channel, the high-value line), ``value`` (P x V - cost's parameters) and
``big_plan`` (the second approval's limits); part of :class:`tools.config.CVMConfig`.
"""

from __future__ import annotations

from datetime import time

from pydantic import Field

from tools.config_settings import Strict
from tools.fields import Amount, Channel, ClockTime, ConsentChannel, Count, Purpose

# Sane maxima: beyond them a value is a typo, and arithmetic on it (dates, money)
# would fail later instead of at start-up.
MAX_HORIZON_MONTHS = 120
MAX_PERIOD_DAYS = 366


class TimeWindow(Strict):
    """A daily window, ``start`` inclusive, ``end`` exclusive, HH:MM local time."""

    start: ClockTime
    end: ClockTime

    def bounds(self) -> tuple[time, time]:
        """Return the window as two ``datetime.time`` values."""
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


class FrequencyCap(Strict):
    """At most ``max_contacts`` on ``channel`` for ``purpose`` per ``period_days``."""

    channel: ConsentChannel
    purpose: Purpose = "marketing"
    max_contacts: Count
    period_days: int = Field(ge=1, le=MAX_PERIOD_DAYS)


def _default_consent_channels() -> dict[Channel, ConsentChannel]:
    return {"app": "push"}


class Policy(Strict):
    """Contact-policy parameters the guard and the prompt both read."""

    calling_window: TimeWindow = TimeWindow(start="08:00", end="21:00")
    default_quiet_hours: TimeWindow = TimeWindow(start="21:00", end="09:00")
    frequency_caps: list[FrequencyCap] = Field(default_factory=list)
    consent_channel: dict[Channel, ConsentChannel] = Field(
        default_factory=_default_consent_channels,
        description="Which consent channel covers a treatment channel.",
    )
    high_value_min_monthly_revenue: Amount = 120.0


class ValueModel(Strict):
    """Parameters of the expected-value arbitration (P x V - cost)."""

    margin_rate: float = Field(0.35, gt=0, le=1)
    horizon_months: int = Field(12, ge=1, le=MAX_HORIZON_MONTHS)
    propensity_cap: float = Field(0.95, gt=0, le=1)


class BigPlan(Strict):
    """A plan this big needs a second approval before it is booked.

    Above either limit: with login on, a second user approves it in the UI; in
    chat the plan id typed back is the only confirmation; the CLI needs
    ``--confirm-plan ID`` besides ``--yes``.
    """

    contacts: Count = Field(500, description="Bookings in the plan above which.")
    spend: Amount = Field(5000.0, description="Plan cost in pounds above which.")
