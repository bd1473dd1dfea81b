"""``cvm`` commands that talk to the assistant: ask, chat, audit, conversation tests."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from assistant.cli.commands import (
    cli_approver,
    cli_context,
    command,
    emit,
    starting,
)


def _assistant(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    with starting():
        from assistant.api import Assistant

        if cli_context().config.settings.data_dir:
            # a JSON folder is read whole: a bad record is one line and exit 2
            # here, not an apology in the first turn
            cli_context().customers.count()
        return Assistant.create(model=args.model, approver=cli_approver())


def _plain(markdown: str) -> str:
    """The reply for a terminal: markdown emphasis removed."""
    return markdown.replace("**", "")


def _answer(turn: Any) -> str:
    """The reply, then the pending action as a question when one was held."""
    text = _plain(turn.reply)
    if turn.pending is not None:
        shown = turn.pending.question() if turn.pending_new else turn.pending.reminder()
        text += "\n\n" + shown
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
    from assistant.conversation.audit import list_audit

    records = list_audit(cli_context().ledger, args.customer_id)
    text = (
        "\n".join(
            f"{r.at} {r.customer_id or '-':<5} {r.question[:50]!r:<52} "
            + ", ".join(f"{v['tool']}:{v['rule']}" for v in r.record["verdicts"])
            for r in records
        )
        or "no audit records"
    )
    emit(args, [r.model_dump() for r in records], text)
    return 0


@command("test-conversations")
def cmd_test_conversations(args: argparse.Namespace) -> int:
    """Run conversation files; exit 0 only if all pass."""
    import os

    from assistant.evaluation.conversations import (
        find_files,
        load_conversation,
        run_conversation,
    )

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


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ask, chat, test-conversations and audit to ``cvm``."""
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
