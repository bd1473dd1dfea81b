"""The few text formats every answer and card shares: money and channel names."""

from __future__ import annotations

CHANNEL_NAMES = {
    "call": "call",
    "sms": "SMS",
    "email": "e-mail",
    "push": "push",
    "app": "in-app",
    "none": "no contact",
}


def money(x: float) -> str:
    """Pounds with two decimals and a leading minus when negative."""
    return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"
