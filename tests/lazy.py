"""Modules a test file imports on first use instead of at collection.

Every pytest-xdist worker collects every test file, so a heavy import at a test
file's top (chainlit with literalai ~3-7 s, the openai SDK ~1-2 s on a loaded
machine) is paid by each worker, including those that never run the file.
``lazy(name)`` stands for the module and imports it on the first read of a public
attribute: the file's tests use it as if it had been imported. The names pytest
probes on every attribute of a test module while collecting (``_mock_name``,
``__wrapped__``, ``__class__`` …) do not import it; ``__file__`` and the module's
own private names do. A module that is not installed skips the file, as
``pytest.importorskip`` would.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import pytest

_PROBED = frozenset(
    {"_mock_name", "_pytestfixturefunction", "_fixture_function_marker"}
)


class LazyModule:
    """A module imported when one of its public attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr in _PROBED or (attr.startswith("__") and attr != "__file__"):
            raise AttributeError(attr)
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> LazyModule:
    """``name``'s module, imported when an attribute of it is first read."""
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"could not import {name!r}", allow_module_level=True)
    return LazyModule(name)
