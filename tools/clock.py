"""The current time, in one place, so tests and demos can freeze it.

Set ``CVM_NOW`` to an ISO-8601 timestamp with an offset (for example
``2024-03-06T23:30:00+00:00``) to freeze the clock for every process that reads it.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.errors import ToolInputError


def now() -> datetime:
    """The current instant, timezone-aware (``CVM_NOW`` when set)."""
    frozen = os.environ.get("CVM_NOW")
    if frozen:
        try:
            value = datetime.fromisoformat(frozen)
        except ValueError:
            raise ToolInputError(
                f"CVM_NOW={frozen!r} is not an ISO timestamp"
            ) from None
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolInputError(f"unknown time zone {name!r}") from None
