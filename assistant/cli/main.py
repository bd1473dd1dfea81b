"""The ``cvm`` command line: the decision core and the conversation, from a shell.

Exit codes: 0 success; 1 refused by a contact rule (or a failing conversation
test); 2 bad input or configuration (one readable line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Container, MutableMapping

from assistant.cli.commands import COMMANDS, command, starting
from tools.errors import CVMError

log = logging.getLogger(__name__)


# Which module adds each sub-command: ``cvm NAME ...`` imports that module only
# (``--help`` and anything unknown build the whole parser). tests/test_startup.py
# checks the table against what the modules add.
MODULES: dict[str, str] = {
    **dict.fromkeys(("ask", "chat", "audit", "test-conversations"), "chat"),
    **dict.fromkeys(("recommend", "allocate", "constraints"), "booking"),
    "reset-constraints": "booking",
    **dict.fromkeys(("allocations", "backup", "restore", "accept-ledger"), "ledger"),
    **dict.fromkeys(("erase", "retention"), "erase"),
    **dict.fromkeys(("plan", "book-plan"), "plan"),
    "export": "export",
    "simulate": "simulate",
    "report": "report",
    "treatments": "treatments",
    **dict.fromkeys(("outcome", "import-outcomes"), "outcome"),
    **dict.fromkeys(("organic-outcome", "import-organic"), "outcome"),
    **dict.fromkeys(("generate-customers", "import", "decide"), "base"),
}
# Commands about one customer at a time run the kernel on arrays a few treatments
# long, far below the sizes where OpenBLAS splits work between threads, yet loading
# numpy starts OpenBLAS's pool of one thread per core (~45 ms of CPU on 2 cores, more
# on a bigger machine). These commands ask for one BLAS thread before numpy loads;
# the batch commands keep the pool, and a value set in the environment is kept.
ONE_CUSTOMER = frozenset({"ask", "chat", "recommend", "allocate"})
ALL = (
    "booking",
    "ledger",
    "chat",
    "erase",
    "plan",
    "export",
    "treatments",
    "outcome",
    "simulate",
    "report",
)


def _named(argv: list[str]) -> str | None:
    """The sub-command named on the command line (None: none, or --help first)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--log-level":
            skip = True
        elif not word.startswith("-"):
            return word
        elif not word.startswith("--log-level="):
            return None  # --help, or an unknown option: the whole parser answers
    return None


def one_blas_thread(
    name: str | None,
    environ: MutableMapping[str, str] = os.environ,
    loaded: Container[str] = sys.modules,
) -> None:
    """Ask OpenBLAS for one thread when the command is about one customer.

    Only before numpy loads (a process that has it, such as a test run calling
    :func:`main`, is left alone: the setting would come too late for it and would
    reach its child processes).
    """
    if name in ONE_CUSTOMER and "numpy" not in loaded:
        environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def no_pydantic_plugins(
    environ: MutableMapping[str, str] = os.environ,
    loaded: Container[str] = sys.modules,
) -> None:
    """Ask pydantic not to look for plugins (the project ships and uses none).

    Pydantic looks for plugins in every installed package's entry points the first
    time it builds a validator (~8 ms of CPU, read from ~350 packages' metadata).
    A value set in the environment is kept (an empty one lets pydantic look); a
    process that has pydantic already is left alone.
    """
    if "pydantic" not in loaded:
        environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every sub-command (or of the one ``only`` names).

    The sub-command modules are small (argparse only); each handler imports what it
    needs when it runs.
    """
    p = argparse.ArgumentParser(prog="cvm", description=__doc__.splitlines()[0])
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(dest="command", required=True)

    def add(
        name: str, help_text: str, json_flag: bool = True
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        if json_flag:
            sp.add_argument(
                "--json", action="store_true", help="machine-readable output"
            )
        sp.add_argument(
            "--log-level",
            choices=["DEBUG", "INFO", "WARNING", "ERROR"],
            default=argparse.SUPPRESS,
        )
        return sp

    module = MODULES.get(only or "")
    for name in (module,) if module else (*ALL, "base"):
        cli = importlib.import_module(f"assistant.cli.{name}")
        if name == "base":
            cli.register(add, command)
        else:
            cli.add_parsers(add)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the ``cvm`` command line."""
    argv = sys.argv[1:] if argv is None else argv
    named = _named(argv)
    one_blas_thread(named)
    no_pydantic_plugins()
    try:
        with starting():
            args = build_parser(named).parse_args(argv)
            from assistant.logs import setup_logging
            from tools.config import get_config

            setup_logging(get_config(), args.log_level)
        return COMMANDS[args.command](args)
    except CVMError as exc:
        print(f"cvm: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`cvm plan --json | head`): stop quietly, as CLI
        # tools do; point stdout at devnull so the exit flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
