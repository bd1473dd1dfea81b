"""Lists of customers by handle: "of those" narrows the last list, server-side.

A list is its definition, the filters that made it (:class:`FindArgs` without its
order and length), so its handle is small whatever the list's size: 12,720
customers are ``L3f9a0c21b7``, never 12,720 ids in a model's JSON. A list that
narrows another names it in ``among``; a handle is the hash of the definition, so
the same filters give the same handle and a chain cannot loop.

Definitions are kept in the process and in ``<state dir>/lists/<handle>.json`` (a
few hundred bytes each), so another process (``cvm export list L…``) reads the same
list. Re-reading a list runs its filters on the base and the rules in force now: an
export never lists a customer who can no longer lawfully be contacted as shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from pydantic import ValidationError

from tools.base_queries.models import LIST_ID, FindArgs
from tools.context import ToolContext
from tools.errors import ToolInputError

log = logging.getLogger(__name__)
MAX_DEPTH = 16  # lists narrowing lists: far more than any conversation makes
_DEFINING = {"order_by", "limit"}  # how a list is shown, not who is on it
_held: dict[tuple[str, str], FindArgs] = {}
_lock = threading.Lock()


def definition(a: FindArgs) -> FindArgs:
    """The filters that say who is on a list (order and length dropped)."""
    return FindArgs.model_validate(a.model_dump(exclude=_DEFINING))


def list_id(a: FindArgs) -> str:
    """The handle of the list ``a`` defines (same filters, same handle)."""
    body = json.dumps(definition(a).model_dump(mode="json"), sort_keys=True)
    return "L" + hashlib.sha256(body.encode()).hexdigest()[:10]


def _folder(ctx: ToolContext) -> Path:
    return ctx.config.state_path / "lists"


def remember(a: FindArgs, ctx: ToolContext) -> str:
    """Keep the list ``a`` defines; returns its handle.

    Kept in the process at once and written to the state dir when not there yet
    (a write that fails is logged: the list still works in this process).
    """
    handle = list_id(a)
    key = (str(ctx.config.state_path), handle)
    if key in _held:
        return handle
    kept = definition(a)
    with _lock:
        _held[key] = kept
    path = _folder(ctx) / f"{handle}.json"
    if path.exists():
        return handle
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".list-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(kept.model_dump_json())
        os.replace(tmp, path)  # same handle, same content: a race is harmless
    except OSError as exc:
        log.warning("list %s kept in this process only: %s", handle, exc)
    return handle


def recall(handle: str, ctx: ToolContext) -> FindArgs:
    """The definition of a list by its handle.

    Raises:
        ToolInputError: Not a list handle, or no list by that handle here.
    """
    if not LIST_ID.fullmatch(handle or ""):
        raise ToolInputError(f"{handle[:40]!r} is not a list id (L + 10 hex digits)")
    key = (str(ctx.config.state_path), handle)
    found = _held.get(key)
    if found is not None:
        return found
    path = _folder(ctx) / f"{handle}.json"
    try:
        found = FindArgs.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ToolInputError(
            f"there is no list {handle}: find the customers again"
        ) from None
    except (OSError, ValidationError) as exc:
        raise ToolInputError(f"list {handle} cannot be read ({path}): {exc}") from None
    with _lock:
        _held[key] = found
    return found


def chain(a: FindArgs, ctx: ToolContext) -> list[FindArgs]:
    """``a`` and every list it narrows, innermost first: their filters all hold.

    Raises:
        ToolInputError: A list in the chain is unknown, or the chain is too deep.
    """
    parts = [a]
    while parts[-1].among:
        if len(parts) > MAX_DEPTH:
            raise ToolInputError(f"lists narrow each other more than {MAX_DEPTH} deep")
        parts.append(recall(parts[-1].among or "", ctx))
    return parts
