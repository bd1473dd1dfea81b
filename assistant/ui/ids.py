"""Button payloads that carry only an id the server issued in this chat.

What a button stands for (a pending action, a card's customer, a plan) stays in the
chat's server-side session; a payload's own text is never trusted nor sent to the
assistant as an analyst message.
"""

from __future__ import annotations

import secrets
from typing import Any

import chainlit as cl


def issue(kind: str, value: dict[str, Any]) -> dict[str, str]:
    """A payload carrying only a fresh server-issued id for ``value``."""
    issued: dict[str, dict[str, Any]] = cl.user_session.get("issued") or {}
    ref = secrets.token_urlsafe(12)
    issued[ref] = {"kind": kind, **value}
    cl.user_session.set("issued", issued)
    return {"id": ref}


def lookup(action: cl.Action, kind: str) -> dict[str, Any] | None:
    """What a button's id stands for (None: forged, stale or another kind)."""
    issued: dict[str, dict[str, Any]] = cl.user_session.get("issued") or {}
    ref = action.payload.get("id") if isinstance(action.payload, dict) else None
    entry = issued.get(ref) if isinstance(ref, str) else None
    return entry if entry and entry["kind"] == kind else None
