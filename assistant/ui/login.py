"""The optional password login of the UI: who may log in, and the password check.

Users come from ``CVM_USERS`` or ``CVM_USERS_FILE`` (``name:password`` or
``name:sha256:<hex digest>``, comma- or line-separated); with any user set, the UI
asks for a login and keeps its conversations (:mod:`assistant.ui.persistence`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path


def load_users() -> dict[str, str]:
    """Users for the optional password login: ``CVM_USERS`` or ``CVM_USERS_FILE``.

    Format: ``name:password`` or ``name:sha256:<hex digest>``, comma- or
    line-separated.
    """
    text = os.environ.get("CVM_USERS", "")
    file = os.environ.get("CVM_USERS_FILE")
    if file:
        text += "\n" + Path(file).read_text(encoding="utf-8")
    users = {}
    for item in text.replace(",", "\n").splitlines():
        if ":" in item.strip():
            name, secret = item.strip().split(":", 1)
            users[name.strip()] = secret.strip()
    return users


def check_password(users: dict[str, str], name: str, password: str) -> bool:
    """Constant-time check of a user's password (plain or ``sha256:`` digest)."""
    secret = users.get(name)
    if secret is None:
        return False
    if secret.startswith("sha256:"):
        digest = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(digest, secret.removeprefix("sha256:"))
    return hmac.compare_digest(password, secret)
