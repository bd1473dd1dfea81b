"""The planner's row for exports: "export that list to csv" writes the whole list.

The list is the last one shown (``session.focus.found_list``, its handle: every
customer on it, not only the rows shown) and goes to a file under the state dir
(``export_list``); the reply says where and how many rows. Bookings and plans are
not exported from the chat yet: the reply says so and names the command that does
it (an honest "can't", never another answer in its place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Call, Intent, Results, call, cue

if TYPE_CHECKING:
    from tools.base_queries.export import ListExport

_BOOKINGS = r"\b(bookings?|allocations?|booked)\b"
_PLAN = r"\b(plan|campaign)\b"


def _what(ask: Ask) -> str:
    """What the message asks to export: ``bookings``, ``plan`` or ``list``."""
    if ask.u.has(_BOOKINGS):
        return "bookings"
    if ask.u.has(_PLAN) and not ask.u.has(r"\blist\b"):
        return "plan"
    return "list"


def export_calls(ask: Ask, customer: str | None) -> list[Call]:
    """export_list of the last list shown, when that is what is asked for."""
    found = ask.session.focus.found_list
    if _what(ask) != "list" or not found:
        return []
    fmt = "parquet" if ask.u.has(r"\bparquet\b") else "csv"
    return [call("export_list", list_id=found, format=fmt)]


def _cannot(ask: Ask) -> str:
    what = _what(ask)
    if what == "bookings":
        return (
            "I can't export bookings from the chat yet. What I can do: show them "
            "(\"show today's bookings\"), and `cvm allocations --json` prints today's "
            "bookings as JSON for the dialler or e-mail system, a page at a time "
            "(`--limit`, `--before`)."
        )
    if what == "plan":
        return (
            "I can't export a plan from the chat yet. What I can do: "
            "`cvm plan --out plan.csv` (or `.parquet`) plans today's campaign and "
            "writes its bookings (customer, treatment, EV, cost) to the file."
        )
    return (
        'There is no list to export yet. Ask for customers first (e.g. "who can we '
        'email?" or "list everyone with churn above 0.5"), then say "export that '
        'list"; every customer on it goes to a CSV file.'
    )


def export_answer(ask: Ask, customer: str | None, results: Results) -> str:
    """Where the file is and how many customers it holds, or an honest can't."""
    if not results.called("export_list"):
        return _cannot(ask)
    done: ListExport | None = results.one("export_list")
    if done is None:
        return f"I could not export the list: {results.failure('export_list')}."
    excel = ask.u.has(r"\b(excel|xlsx?|spreadsheet)\b")
    opens = " (it opens in Excel)" if excel and done.format == "csv" else ""
    return (
        f"Wrote **{done.customers:,}** customers (the whole list {done.list_id}, "
        f"on the base and rules in force now) to `{done.path}`{opens}.\n\n"
        f"Columns: {', '.join(done.columns)}. The same list from the command line: "
        f"`cvm export list {done.list_id}`."
    )


EXPORT_INTENTS: list[Intent] = [
    Intent(
        name="export",
        cues=cue(
            r"\b(export|download|dump)\w*\b",
            r"\b(to|as|into|in) (a |an )?(csv|parquet|spreadsheet|excel|xlsx?|file)\b",
            r"\bsave (it|that|this|those|them|the list|that list)\b",
            r"\bsend\b.*\bto (the )?[\w-]+ (team|system)\b",
            weight=4.0,
        )
        + cue(r"\b(csv|parquet)\b", weight=2.0),
        calls=export_calls,
        answer=export_answer,
        needs_customer=False,
        priority=4,
        examples=(
            "export that list to csv",
            "download those as a spreadsheet",
            "save the list as parquet",
            "send today's bookings to the dialler team",
        ),
    ),
]
