"""Parsed YAML documents kept in the state dir, so a fresh process need not parse.

The configuration is YAML, and a ``cvm`` command's start-up would otherwise import
PyYAML and parse the file on every run (about a tenth of ``cvm ask``'s start-up).
A document whose data JSON holds exactly (mappings with text keys, lists, text,
numbers, booleans, null: the shipped configuration is one) is written beside the
ledger as ``cache/yaml-<sha256 of the text>.json`` after it parsed and passed every
check; a later process reading the same text (same digest) loads that JSON instead.

Safe by construction: the name is the digest of the exact text, so an edited file
is a new name and parses again; a cache file that cannot be read, is not JSON or
is nested too deep is ignored (the text is parsed); the data is validated by its
reader (pydantic) either way; writes are atomic (a temporary file renamed) and
never create the state dir, and a state dir that cannot be written is simply not
used. Whoever can write the state dir can already change the ledger in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER = "cache"


def cached_document(text: str, state_dir: Path, parse: Callable[[str], Any]) -> Any:
    """The document of ``text``: from the state dir's cache, else parsed (and kept).

    Args:
        text: The file's text.
        state_dir: The state dir holding the cache (used only if it exists).
        parse: Parses and checks the text (raises on a bad document: nothing kept).
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path = state_dir / FOLDER / f"yaml-{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        pass  # not cached yet (or unreadable): parse it
    data = parse(text)
    _keep(path, data)
    return data


def _keep(path: Path, data: Any) -> None:
    """Write ``data`` as JSON at ``path`` if JSON holds it exactly; else nothing."""
    try:
        encoded = json.dumps(data, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return  # dates, non-text keys, non-finite numbers: parsed every time
    if json.loads(encoded) != data:
        return
    if not path.parent.parent.is_dir():
        return  # the state dir is made by the ledger, never by reading a file
    try:
        path.parent.mkdir(exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".yaml-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(encoded)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        return  # a read-only or full state dir: parsed again next time
