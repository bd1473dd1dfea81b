"""Reading operator files safely: text, YAML and JSON with one-line errors.

Every reader raises ``FileProblem`` (a short ``where`` and ``problem``) instead of
``UnicodeDecodeError``, ``RecursionError`` or a parser traceback; callers wrap it in
their own error type naming the file (``ConfigError``, ``DataFileError``).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser (C): the config parses in ~11 ms instead of ~66 ms
    from yaml import CSafeLoader as _SafeBase
except ImportError:  # PyYAML built without libyaml: the same rules, slower
    from yaml import SafeLoader as _SafeBase  # type: ignore[assignment]

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


class _UniqueKeyLoader(_SafeBase):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Built on libyaml's ``CSafeLoader`` when PyYAML has it (the same safe constructor
    and resolver; libyaml also stops nesting past 1,000 levels), else ``SafeLoader``.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<: *anchor' merges; explicit keys may override those
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
                seen.setdefault(key, line)
            except TypeError:  # an unhashable key: the base loader reports it
                continue
            if first is not None:
                raise FileProblem(
                    f"line {line}",
                    f"duplicate key {shorten(key)} (first given on line {first})",
                )
        return super().construct_mapping(node, deep=deep)


def _check_depth(value: Any) -> None:
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


def load_yaml(path: Path) -> Any:
    """Parse a YAML file: UTF-8, no duplicate keys, bounded nesting.

    A text parsed before is not parsed again: the configuration is re-read for each
    new state dir or environment override (every test, every new ToolContext), and
    the document of the same text is copied from a small cache instead (~0.3 ms
    instead of ~4 ms for the shipped config).

    Raises:
        FileProblem: Unreadable, not UTF-8, not YAML, a duplicate key, too deep,
            too many values.
    """
    text = read_text(path)
    if len(text) > CACHED_TEXT:
        return _parse_yaml(text)
    return copy.deepcopy(_parsed_yaml(text))


CACHED_TEXT = 256 * 1024  # characters: longer texts are parsed every time


@functools.lru_cache(maxsize=8)
def _parsed_yaml(text: str) -> Any:
    """The document of ``text``, parsed once (callers get a copy: never mutate)."""
    return _parse_yaml(text)


def _parse_yaml(text: str) -> Any:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml stops at 1,000 levels
            raise FileProblem(where, TOO_DEEP) from None
        raise FileProblem(where, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise FileProblem("", TOO_DEEP) from None
    _check_depth(data)
    return data


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
    _check_depth(data)
    return data
