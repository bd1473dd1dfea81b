"""The ``cvm`` command line: the decision core and the conversation, from a shell.

Exit codes: 0 success; 1 refused by a contact rule (or a failing conversation
test); 2 bad input or configuration (one readable line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from assistant.cli.commands import COMMANDS, command
from tools.errors import CVMError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command.

    The sub-command modules are small (argparse only); each handler imports what it
    needs when it runs.
    """
    from assistant.cli import base as cli_base
    from assistant.cli import booking as cli_booking
    from assistant.cli import chat as cli_chat
    from assistant.cli import erase as cli_erase
    from assistant.cli import export as cli_export
    from assistant.cli import ledger as cli_ledger
    from assistant.cli import outcome as cli_outcome
    from assistant.cli import plan as cli_plan
    from assistant.cli import simulate as cli_simulate
    from assistant.cli import treatments as cli_treatments

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

    cli_booking.add_parsers(add)
    cli_ledger.add_parsers(add)
    cli_chat.add_parsers(add)
    cli_erase.add_parsers(add)
    cli_plan.add_parsers(add)
    cli_export.add_parsers(add)
    cli_treatments.add_parsers(add)
    cli_outcome.add_parsers(add)
    cli_simulate.add_parsers(add)
    cli_base.register(add, command)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the ``cvm`` command line."""
    args = build_parser().parse_args(argv)
    try:
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
