"""Values derived from a configuration, made once per configuration object.

Configurations are frozen but not hashable (they hold dicts), so a derived value
(the kernel's treatment arrays, the planner's vocabulary) is kept against the
object's identity, checked on every hit: an id reused by a later configuration is
never mistaken for the old one. A few are kept, the oldest dropped first.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Concatenate, ParamSpec, TypeVar

from tools.config import CVMConfig

P = ParamSpec("P")
T = TypeVar("T")
KEPT = 16  # derived values kept per function


def per_config(
    fn: Callable[Concatenate[CVMConfig, P], T],
) -> Callable[Concatenate[CVMConfig, P], T]:
    """Cache ``fn(config, *args)`` per configuration object and hashable ``args``."""
    made: dict[Hashable, tuple[CVMConfig, T]] = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def derived(config: CVMConfig, /, *args: P.args, **kwargs: P.kwargs) -> T:
        key = (id(config), args, tuple(sorted(kwargs.items())))
        hit = made.get(key)
        if hit is not None and hit[0] is config:
            return hit[1]
        value = fn(config, *args, **kwargs)
        with lock:
            made[key] = (config, value)
            while len(made) > KEPT:
                made.pop(next(iter(made)))
        return value

    return derived
