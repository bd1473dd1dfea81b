"""The ``cvm`` command line: the decision core and the conversation, from a shell.

Exit codes: 0 success; 1 refused by a contact rule (or a failing conversation
test); 2 bad input or configuration (one readable line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from tools.errors import CVMError, PolicyBlocked

log = logging.getLogger(__name__)
Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a sub-command handler under ``name``."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def _emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(text)


def _context():  # type: ignore[no-untyped-def]
    from tools.context import default_context

    return default_context()


def _cli_approver() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:analyst"


def _customer_ids(values: list[str]) -> list[str]:
    """Customer ids given space- or comma-separated ("U124 U125", "U124,U125")."""
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@command("recommend")
def cmd_recommend(args: argparse.Namespace) -> int:
    """Recommend the next best action; book it only with --book (and approval).

    ``--book`` is the original one-shot "process and allocate": data, journey,
    recommend, allocate, one fallback when refused. It needs the analyst's approval:
    ``--yes``, or a yes to the question asked per customer on a terminal. A customer
    already booked today is not booked again (no runner-up on a second run).
    """
    from assistant.pipeline import run_pipeline

    ctx = _context()
    ids = _customer_ids(args.customer_id)
    limit = ctx.config.validation.max_customers_per_batch
    if not ids:
        print("cvm: --customer-id needs at least one id", file=sys.stderr)
        return 2
    if len(ids) > limit:
        print(
            f"cvm: at most {limit} customers per batch "
            "(validation.max_customers_per_batch)",
            file=sys.stderr,
        )
        return 2
    interactive = sys.stdin.isatty() and not args.json
    if args.book and not args.yes and not interactive:
        print(
            "refused: APPROVAL: --book needs --yes (or a terminal to confirm each "
            "booking); nothing was booked",
            file=sys.stderr,
        )
        return 1
    approver = args.approver or _cli_approver()
    results = []
    for cid in ids:
        result = run_pipeline(cid, ctx, approved_by=approver, allocate=False)
        if args.book and result.status == "recommended":
            if args.yes or _confirm(
                f"Book {result.selected_treatment} for {result.customer_id}?"
            ):
                result = run_pipeline(cid, ctx, approved_by=approver, allocate=True)
        results.append(result)
    payload = [r.model_dump(mode="json") for r in results]
    _emit(
        args,
        payload[0] if len(payload) == 1 else payload,
        "\n\n".join(r.as_text() for r in results),
    )
    return 0


def _confirm(question: str) -> bool:
    """Ask the analyst on the terminal; only an explicit yes approves."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes"}


@command("allocate")
def cmd_allocate(args: argparse.Namespace) -> int:
    """Book one treatment (needs --yes: the analyst's explicit approval)."""
    from tools.allocation import allocate_treatment

    if not args.yes:
        print("refused: APPROVAL: add --yes to confirm the booking", file=sys.stderr)
        return 1
    try:
        a = allocate_treatment(
            args.customer_id,
            args.treatment_key,
            args.approver or _cli_approver(),
            _context(),
        )
    except PolicyBlocked as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "status": "refused",
                        "rule": exc.rule,
                        "rules": exc.rules,
                        "reason": exc.reason,
                    }
                )
            )
        print(f"refused: {exc.rule}: {exc.reason}", file=sys.stderr)
        return 1
    nc = a.next_contact.note if a.next_contact else ""
    _emit(
        args,
        {"status": "allocated", **a.model_dump(mode="json")},
        f"allocated #{a.allocation_id}: {a.display_name} for {a.customer_id} "
        f"(approved by {a.approved_by}); {nc}",
    )
    return 0


@command("constraints")
def cmd_constraints(args: argparse.Namespace) -> int:
    """Used / max / remaining today per treatment."""
    from tools.allocation import get_constraints

    report = get_constraints(_context())
    lines = [f"Capacity on {report.day}:"] + [
        f"  {t.treatment_key:<20} {t.used:>5} used / "
        f"{t.max_per_day if t.max_per_day is not None else '∞':>5}  "
        f"remaining {t.remaining if t.remaining is not None else '∞'}"
        + (f"  budget £{t.spent:.2f}/£{t.daily_budget:.2f}" if t.daily_budget else "")
        for t in report.treatments
    ]
    _emit(args, report.model_dump(mode="json"), "\n".join(lines))
    return 0


@command("reset-constraints")
def cmd_reset(args: argparse.Namespace) -> int:
    """Admin: release every booking of today."""
    from tools.allocation import reset_constraints

    if not args.yes:
        print("refused: add --yes to release every booking of today", file=sys.stderr)
        return 1
    n = reset_constraints(_context(), by=_cli_approver())
    print(f"released {n} booking(s) of today")
    return 0


def _assistant(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from assistant.api import Assistant

    return Assistant.create(model=args.model, approver=_cli_approver())


def _plain(markdown: str) -> str:
    """The reply for a terminal: markdown emphasis removed."""
    return markdown.replace("**", "")


def _answer(turn: Any) -> str:
    """The reply, then the pending action as a question when one was held."""
    text = _plain(turn.reply)
    if turn.pending is not None:
        text += "\n\n" + turn.pending.question()
    return text


def _turn_json(turn: Any) -> str:
    return json.dumps(turn.model_dump(mode="json"), default=str)


@command("ask")
def cmd_ask(args: argparse.Namespace) -> int:
    """One question, one answer."""
    turn = _assistant(args).ask(args.question)
    print(_turn_json(turn) if args.json else _answer(turn))
    return 0


@command("chat")
def cmd_chat(args: argparse.Namespace) -> int:
    """A multi-turn conversation on the terminal (or lines piped on stdin)."""
    bot = _assistant(args)
    interactive = sys.stdin.isatty()
    if interactive and not args.json:
        print(
            f"CVM Assistant ({bot.model.name} model). Ask about a customer, e.g. "
            "'What should we offer U124?'. 'help' lists what I can do; 'exit' quits."
        )
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            break
        if line.strip().lower() in {"exit", "quit", ":q"}:
            break
        if not line.strip():
            continue
        turn = bot.ask(line)
        if args.json:
            print(_turn_json(turn), flush=True)
        else:
            prefix = "assistant> " if interactive else ""
            print(prefix + _answer(turn) + "\n", flush=True)
    return 0


@command("audit")
def cmd_audit(args: argparse.Namespace) -> int:
    """The audit trail of conversation turns."""
    from assistant.audit import list_audit

    records = list_audit(_context().ledger, args.customer_id)
    text = (
        "\n".join(
            f"{r.at} {r.customer_id or '-':<5} {r.question[:50]!r:<52} "
            + ", ".join(f"{v['tool']}:{v['rule']}" for v in r.record["verdicts"])
            for r in records
        )
        or "no audit records"
    )
    _emit(args, [r.model_dump() for r in records], text)
    return 0


@command("test-conversations")
def cmd_test_conversations(args: argparse.Namespace) -> int:
    """Run conversation files; exit 0 only if all pass."""
    import os

    from assistant.conversations import find_files, load_conversation, run_conversation

    files = find_files(args.paths)
    live = args.model == "openai"
    if live and not os.environ.get("OPENAI_API_KEY"):
        print("skipped: live mode needs OPENAI_API_KEY (never part of make test)")
        return 0
    passed = failed = 0
    for path in files:
        if live and load_conversation(path).model != "offline":
            continue
        tries = [
            run_conversation(path, "openai" if live else None)
            for _ in range(args.repeat if live else 1)
        ]
        ok = all(t.passed for t in tries)
        passed, failed = passed + ok, failed + (not ok)
        extra = (
            (
                f" ({sum(t.passed for t in tries)}/{len(tries)} tries, "
                f"pass^{len(tries)} = {int(ok)})"
            )
            if live
            else ""
        )
        print(f"{'PASS' if ok else 'FAIL'} {tries[0].name}{extra}  [{path}]")
        for t in tries:
            for f in t.failures:
                print(f"    {f}")
    if live:
        total = passed + failed
        print(
            f"pass^{args.repeat} overall: {passed}/{total} = "
            f"{passed / total if total else 0:.2f}"
        )
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
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

    r = add("recommend", "recommend the next best action (--book to book it)")
    r.add_argument(
        "--customer-id",
        "--customer_id",
        dest="customer_id",
        required=True,
        nargs="+",
        help="one customer, or several (a batch), space- or comma-separated",
    )
    r.add_argument("--approver", help="who approves the booking (default: cli:<user>)")
    r.add_argument(
        "--book",
        action="store_true",
        help="also book the recommendation (one fallback when refused)",
    )
    r.add_argument(
        "--yes", action="store_true", help="approve the bookings (non-interactive)"
    )
    r.add_argument(
        "--no-allocate", action="store_true", help="recommend only (the default)"
    )
    a = add("allocate", "book a treatment for a customer")
    a.add_argument("--customer-id", required=True)
    a.add_argument("--treatment-key", required=True)
    a.add_argument("--approver")
    a.add_argument("--yes", action="store_true", help="confirm the booking")
    from assistant.cli_ledger import add_parsers as add_ledger_parsers

    add_ledger_parsers(add)
    add("constraints", "capacity used and left today")
    rc = add(
        "reset-constraints", "admin: release every booking of today", json_flag=False
    )
    rc.add_argument("--yes", action="store_true")
    for name, help_text in [
        ("ask", "ask the assistant one question"),
        ("chat", "chat with the assistant"),
    ]:
        sp = add(name, help_text)
        sp.add_argument(
            "--model",
            choices=["auto", "offline", "openai"],
            default="auto",
            help="auto: openai when OPENAI_API_KEY is set, else offline",
        )
        if name == "ask":
            sp.add_argument("question")
    tc = add("test-conversations", "run conversation test files", json_flag=False)
    tc.add_argument("paths", nargs="+", help="files or folders of *.yaml")
    tc.add_argument(
        "--model",
        choices=["offline", "openai"],
        default="offline",
        help="openai: live mode against the configured endpoint",
    )
    tc.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="tries per conversation in live mode (reports pass^k)",
    )
    au = add("audit", "the audit trail of conversation turns")
    au.add_argument("--customer-id")
    from assistant.cli_plan import add_parsers as add_plan_parsers

    add_plan_parsers(add)
    from assistant.cli_base import register

    register(add, command)
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
