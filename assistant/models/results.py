"""Reading this turn's tool results (as the model saw them) for offline answers."""

from __future__ import annotations

from typing import Any

Results = list[tuple[str, dict[str, Any]]]
CHANNEL_NAMES = {
    "call": "call",
    "sms": "SMS",
    "email": "e-mail",
    "push": "push",
    "app": "in-app",
    "none": "no contact",
}


def one(results: Results, tool: str) -> dict[str, Any] | None:
    """The first result of ``tool`` this turn (None if it was not called)."""
    return next((r for name, r in results if name == tool), None)


def failed(payload: dict[str, Any] | None) -> str | None:
    """The error of a tool result, with its rule id (None if it succeeded)."""
    if payload is None:
        return None
    if payload.get("blocked"):
        return f"{payload['rule']}: {payload['reason']}"
    return payload.get("error")


def money(x: float) -> str:
    """Pounds with two decimals and a leading minus when negative."""
    return f"-£{-x:,.2f}" if x < 0 else f"£{x:,.2f}"
