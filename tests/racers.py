"""Processes that race one another in a test, each started in milliseconds.

The booking races (``test_ledger``, ``test_ledger_writer``) need real processes:
each opens its own ledger connection and store, as separate ``cvm`` processes do. A
"spawn" child starts a new interpreter and imports the tools again (about half a
second of a core each, eight per race); a "forkserver" child is forked from one
server process that imported them once per test worker. It is still a fresh process
that inherited no connection, thread or lock of the test's (the server was started
clean, not forked from the worker). The server starts with whatever environment it
was started in, so each child is handed the test's environment and runs in it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping
from multiprocessing.context import BaseContext
from typing import Any

# What the racing children import: loaded once in the fork server, shared by forks
PRELOAD = [
    "tools.context",
    "tools.allocation",
    "tools.planning.booking",
    "tools.ledger.postgres",
    "tests.racers",
    "tests.test_ledger",
    "tests.test_ledger_writer",
]


def context() -> BaseContext:
    """The multiprocessing context the races start their processes with."""
    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(PRELOAD)
    return mp


def in_env(env: Mapping[str, str], target: Callable[..., None], *args: Any) -> None:
    """Run ``target(*args)`` in the environment ``env`` (a child's entry point)."""
    os.environ.clear()
    os.environ.update(env)
    target(*args)
