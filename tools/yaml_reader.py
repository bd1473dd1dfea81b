"""YAML text to data, safely: imported only when a text must be parsed.

PyYAML (and libyaml's C parser when present) is imported here, by
:func:`tools.yaml_files.load_yaml` when neither this process nor the state dir's cache
(see there) holds the text's document: the command line's start-up does not pay
for the YAML package on every run.
"""

from __future__ import annotations

from typing import Any

import yaml

from tools.files import TOO_DEEP, FileProblem, check_depth, shorten

try:  # libyaml's parser (C): the config parses in ~11 ms instead of ~66 ms
    from yaml import CSafeLoader as _SafeBase
except ImportError:  # PyYAML built without libyaml: the same rules, slower
    from yaml import SafeLoader as _SafeBase  # type: ignore[assignment]


class UniqueKeyLoader(_SafeBase):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Built on libyaml's ``CSafeLoader`` when PyYAML has it (the same safe constructor
    and resolver; libyaml also stops nesting past 1,000 levels), else ``SafeLoader``.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """The mapping of ``node``; a key given twice is a ``FileProblem``."""
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


def parse_yaml(text: str) -> Any:
    """The document of ``text``: no duplicate keys, bounded nesting and size.

    Raises:
        FileProblem: Not YAML, a duplicate key, too deep, too many values.
    """
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in problem:  # libyaml stops at 1,000 levels
            raise FileProblem(where, TOO_DEEP) from None
        raise FileProblem(where, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise FileProblem("", TOO_DEEP) from None
    check_depth(data)
    return data
