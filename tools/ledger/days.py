"""Which day the ledger books on, and how far back the rules read a history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tools.clock import now as clock_now
from tools.clock import zone
from tools.config import CVMConfig


def ledger_day(config: CVMConfig, at: datetime | None = None) -> date:
    """The ledger day of an instant (default now): its date in the configured zone.

    Pass the instant a decision is evaluated at, so the rules and the booking agree
    on the day even across midnight.
    """
    return (at or clock_now()).astimezone(zone(config.settings.timezone)).date()


def history_since(day: date, config: CVMConfig) -> date:
    """The first day of the longest FREQUENCY window ending on ``day``."""
    longest = max((c.period_days for c in config.policy.frequency_caps), default=1)
    return day - timedelta(days=longest)
