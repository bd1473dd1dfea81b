"""Reading operator files safely: text and JSON with one-line errors (YAML: yaml_files).

Every reader raises ``FileProblem`` (a short ``where`` and ``problem``) instead of
``UnicodeDecodeError``, ``RecursionError`` or a parser traceback; callers wrap it in
their own error type naming the file (``ConfigError``, ``DataFileError``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_SHOWN = 60  # characters of an offending value quoted in a message
MAX_DEPTH = 64  # nesting allowed in a JSON or YAML document
MAX_NODES = 1_000_000  # values in one document, aliases counted where used
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


class FileProblem(Exception):
    """A file cannot be used: ``where`` (line, key; may be empty) and ``problem``."""

    def __init__(self, where: str, problem: str) -> None:
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}" if where else problem)


def shorten(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value's ``repr`` cut to ``limit`` characters (never a whole document)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_text(path: Path) -> str:
    """The file as UTF-8 text.

    Raises:
        FileProblem: Unreadable, or not UTF-8 (names the byte offset).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblem("", f"cannot read the file ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"line {line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        ) from None


def check_depth(value: Any) -> None:
    """Refuse nesting past ``MAX_DEPTH`` or more than ``MAX_NODES`` values.

    Walks iteratively (no recursion limit). A YAML alias is counted each time it is
    used, as every later reader (pydantic, the tools) would walk it: nine levels of
    nine aliases ("billion laughs") stop here after ``MAX_NODES`` steps, not 9**9.
    """
    nodes, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise FileProblem("", f"more than {MAX_NODES:,} values (aliases counted)")
        if isinstance(item, (dict, list)):
            if level > MAX_DEPTH:
                raise FileProblem("", TOO_DEEP)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)


def load_json(path: Path) -> Any:
    """Parse a JSON file: UTF-8, bounded nesting.

    ``Infinity`` and ``NaN`` parse here; the record models refuse them.

    Raises:
        FileProblem: Unreadable, not UTF-8, not JSON, too deep.
    """
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(
            f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise FileProblem("", TOO_DEEP) from None
    check_depth(data)
    return data
