"""What every ``cvm`` sub-command module shares: the command table and its helpers.

:mod:`assistant.cli.main` builds the parser and runs the handler registered here under
the sub-command's name; the modules ``cli_*`` register their handlers with
:func:`command` and print through :func:`emit`.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a sub-command handler under ``name``."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    """Print ``payload`` as JSON under ``--json``, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(text)


@contextmanager
def starting() -> Iterator[None]:
    """Start-up without the cyclic garbage collector, then freeze what it built.

    Importing the models, the kernel and the planner allocates hundreds of thousands
    of long-lived objects (classes, schemas, compiled patterns); the collector
    would walk them again and again while nothing they hold is garbage. After
    start-up they are moved out of its sight (``gc.freeze``) so later collections
    (a chat's turns, a batch) scan only what was made since.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def cli_context():  # type: ignore[no-untyped-def]
    """The tool context of this process (configuration, ledger, customers)."""
    from tools.context import default_context

    return default_context()


def cli_approver() -> str:
    """Who approves a booking made from this shell (``cli:<user>``)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:analyst"


def iso_day(text: str) -> date:
    """An argparse ``type=``: a YYYY-MM-DD date, else a one-line usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD)"
        ) from None
