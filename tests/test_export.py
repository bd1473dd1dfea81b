"""Exports: "export that list to csv" writes every customer on the last list shown.

The file holds the whole list (not the rows shown), in the list's order, with the
columns a channel system needs; Parquet holds the same rows; the CLI writes the
same list by its handle; bookings, plans and a missing list get an honest "can't"
that names what can be done.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from assistant.api import Assistant
from tools.base_queries import export_list, find_customers
from tools.base_queries.export import COLUMNS
from tools.base_queries.models import Threshold
from tools.contact_time import next_contact
from tools.errors import ToolInputError


@pytest.fixture
def bot(tmp_path) -> Assistant:
    return Assistant.create(model="offline", state_dir=tmp_path / "state")


def read_csv(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_file_is_the_whole_list_in_its_order(ctx):
    shown = find_customers(limit=3, ctx=ctx)  # every customer, 3 shown
    assert shown.matched == 12 and shown.shown == 3
    done = export_list(shown.list_id, ctx=ctx)
    assert done.customers == 12 and Path(done.path).is_absolute()
    assert Path(done.path).parent == ctx.config.state_path.resolve() / "exports"
    rows = read_csv(done.path)
    assert list(rows[0]) == list(COLUMNS)
    every = find_customers(limit=100, ctx=ctx)
    assert [r["customer_id"] for r in rows] == [r.customer_id for r in every.rows]
    for line, row in zip(rows, every.rows, strict=True):
        assert line["treatment"] == row.recommended
        assert float(line["expected_value"]) == pytest.approx(row.expected_value)
        channel = ctx.config.treatments[row.recommended].channel
        assert line["channel"] == channel
        if channel == "none":
            assert line["next_contact"] == ""
            continue
        when = next_contact(ctx.customers.get(row.customer_id), channel, ctx.config)
        assert when.next_time is not None
        assert datetime.fromisoformat(line["next_contact"]) == when.next_time


def test_parquet_holds_the_same_rows_and_narrowed_lists_export(ctx):
    churn = [Threshold(metric="churn", op=">", value=0.5)]
    first = find_customers(thresholds=churn, ctx=ctx)
    narrowed = find_customers(vulnerable=False, among=first.list_id, ctx=ctx)
    assert narrowed.matched == 2
    done = export_list(narrowed.list_id, format="parquet", ctx=ctx)
    assert done.path.endswith(".parquet") and done.customers == 2
    got = duckdb.read_parquet(done.path).fetchall()
    assert [r[0] for r in got] == [r.customer_id for r in narrowed.rows]
    with pytest.raises(ToolInputError, match="no list L0000000000"):
        export_list("L0000000000", ctx=ctx)


def test_export_that_list_in_the_chat(bot):
    first = bot.ask("which customers have churn above 0.1?")
    assert "12 match of 12; showing 10" in first.reply
    assert f"`cvm export list {first.tool_calls[0].result['list_id']}`" in first.reply
    turn = bot.ask("export that list to csv")
    (record,) = turn.tool_calls
    assert record.name == "export_list" and record.ok
    path = record.result["path"]
    assert f"`{path}`" in turn.reply and "**12** customers" in turn.reply
    assert len(read_csv(path)) == 12  # every customer, not the 10 shown
    narrowed = bot.ask("of those, who can we email?")
    assert narrowed.tool_calls[0].name == "find_customers"
    again = bot.ask("download them as parquet")
    assert again.tool_calls[0].arguments["format"] == "parquet"
    assert again.tool_calls[0].result["customers"] == len(
        narrowed.tool_calls[0].result["rows"]
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("export that list to csv", "There is no list to export yet"),
        ("send today's bookings to the dialler team", "cvm allocations --json"),
        ("export the plan as a csv", "cvm plan --out plan.csv"),
    ],
)
def test_what_cannot_be_exported_here_says_so(bot, text, says):
    turn = bot.ask(text)
    assert turn.tool_calls == [] and says in turn.reply
    assert "I can't" in turn.reply or "no list" in turn.reply


def test_cli_exports_a_list_by_its_handle(ctx, tmp_path):
    found = find_customers(vulnerable=False, ctx=ctx)
    out = tmp_path / "non-vulnerable.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "export",
            "list",
            found.list_id,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert f"wrote 11 customers of list {found.list_id}" in run.stdout
    assert len(read_csv(out)) == 11
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "export",
            "list",
            found.list_id,
            "--out",
            str(tmp_path / "x.txt"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "x.txt: export to a .csv or .parquet" in bad.stderr
    assert "Traceback" not in bad.stderr
