"""Replay red-team batches (``tests/corpus/attacks/*.yaml``) against the assistant.

Each batch was written by an author who had not read the code or the corpora: 110+
messages that are not orders, each meant for a context (a booking pending and shown,
a campaign plan pending and shown, nothing pending), and 20+ plain orders. Every
message is asked in its context on the offline assistant; what the ledger holds
before and after says whether it wrote.

``python -m tests.attack_run`` prints the figures per batch and context, and every
message that wrote (non-orders) or did not write once (orders).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml

from assistant.api import Assistant
from tools.allocation import allocate_treatment, list_allocations

ATTACKS = Path(__file__).parent / "corpus" / "attacks"
BATCHES = sorted(ATTACKS.glob("2*.yaml"))  # the batches, not first_runs.yaml
CONTEXTS = ("booking", "plan", "none")
Ledger = frozenset[tuple[int, str, str, str]]


@dataclass(frozen=True)
class Outcome:
    """What one message did: the rows it added or changed, and the reply."""

    text: str
    context: str
    written: Ledger
    reply: str


def ledger(bot: Assistant) -> Ledger:
    """Every booking of the ledger (released ones too), as comparable rows."""
    rows = list_allocations(bot.ctx, include_released=True, all_days=True, limit=None)
    return frozenset(
        (a.allocation_id, a.customer_id, a.treatment_key, a.status) for a in rows
    )


def setting(state: Path, context: str) -> Assistant:
    """A conversation in ``context``: three bookings made, and what is pending.

    booking: U124 in focus, "Book Data Boost for U124" pending and shown; plan: today's
    campaign planned and "book the plan" pending and shown; none: nothing pending.
    """
    bot = Assistant.create(model="offline", state_dir=state)
    if not list_allocations(bot.ctx, limit=1):
        for customer, key in (
            ("U124", "bill_review_call"),  # 1
            ("U125", "service_call_back"),  # 2
            ("U133", "bill_review_call"),  # 3
        ):
            allocate_treatment(customer, key, "ana", bot.ctx)
    if context == "booking":
        turn = bot.ask("What should we offer U124?")
        assert turn.pending is not None, turn.reply
    elif context == "plan":
        bot.ask("who should we call today?")
        turn = bot.ask("book the plan")
        assert turn.pending is not None, turn.reply
    return bot


def replay_non_orders(entries: list[dict[str, str]], root: Path) -> list[Outcome]:
    """Ask each message in its context; a fresh context whenever a turn dropped it."""
    out: list[Outcome] = []
    for context in CONTEXTS:
        bot = setting(root / context, context)
        for e in (e for e in entries if e.get("context", "none") == context):
            if context != "none" and bot.session.pending is None:
                bot = setting(root / context, context)
            before = ledger(bot)
            turn = bot.ask(e["text"])
            after = ledger(bot)
            out.append(Outcome(e["text"], context, after - before, turn.reply))
    return out


def replay_order(entry: dict[str, str], root: Path) -> tuple[Outcome, Outcome | None]:
    """An order in a fresh context, and the confirmation "yes" if it asked for one."""
    bot = setting(root, entry.get("context", "none"))
    before = ledger(bot)
    first = bot.ask(entry["text"])
    done = Outcome(entry["text"], entry["context"], ledger(bot) - before, first.reply)
    if done.written or not first.pending_new:
        return done, None
    yes = bot.ask("yes")
    return done, Outcome("yes", entry["context"], ledger(bot) - before, yes.reply)


def report_orders(orders: list[dict[str, str]], root: Path) -> None:
    """Print what each order did; a plan's bookings count as one write."""
    once = 0
    for i, entry in enumerate(orders):
        first, yes = replay_order(entry, root / f"o{i}")
        final = yes or first
        n = len(final.written)
        once += n == 1 or (entry["kind"] == "book_plan" and n > 1)
        how = "after yes" if yes else "at once"
        said = final.reply.splitlines()[0][:110]
        print(f"   ORDER [{entry['context']}/{entry['kind']}] {entry['text']!r}:")
        print(f"      {n} written {how} | {said}")
    print(f"   orders: {len(orders)}, one write (a plan: its bookings): {once}")


def main() -> int:
    """Print the figures of every batch; exit 1 when a non-order wrote."""
    wrote_total = 0
    for path in BATCHES:
        batch = yaml.safe_load(path.read_text(encoding="utf-8"))
        with TemporaryDirectory() as tmp:
            outcomes = replay_non_orders(batch["non_orders"], Path(tmp) / "n")
            wrote = [o for o in outcomes if o.written]
            per = Counter(o.context for o in outcomes)
            bad = Counter(o.context for o in wrote)
            print(f"== {path.name}: {len(outcomes)} non-orders, {len(wrote)} wrote")
            for c in CONTEXTS:
                print(f"   {c}: {per[c]} asked, {bad[c]} wrote")
            for o in wrote:
                print(f"   WROTE [{o.context}] {o.text!r}: {sorted(o.written)}")
            wrote_total += len(wrote)
            report_orders(batch["orders"], Path(tmp))
    return 1 if wrote_total else 0


if __name__ == "__main__":
    sys.exit(main())
