"""The ledger knows when it was lost; backups and restores while bookings run.

Reproducers of issue 23's "committed data lost": the write-ahead log deleted under
a running process, and every ledger file deleted mid-run, each followed by a new
process; ``cvm backup`` / ``cvm restore`` with writers running.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli.main import main
from tests import pg
from tests.pg import reopened
from tools.allocation import allocate_treatment, list_allocations
from tools.config import get_config
from tools.context import ToolContext
from tools.errors import LedgerUnavailable, PolicyBlocked, StorageError
from tools.ledger import BookingQuery, SQLiteLedger

CVM = [sys.executable, "-m", "assistant"]
ANSWER = """
import sys
from tools.allocation import allocate_treatment
from tools.context import ToolContext
from tools.errors import CVMError

ctx = ToolContext.create()
print("ready", flush=True)
for line in sys.stdin:
    cid, key = line.split()
    try:
        a = allocate_treatment(cid, key, "worker", ctx)
        print("ok", a.allocation_id, flush=True)
    except CVMError as exc:
        print("refused", getattr(exc, "rule", type(exc).__name__), flush=True)
"""
LOOP = """
import sys
from tools.allocation import allocate_treatment, release_allocation
from tools.context import ToolContext

cid, key = sys.argv[1:3]
ctx = ToolContext.create()
a = allocate_treatment(cid, key, "loop", ctx)
print("ready", flush=True)
while True:
    release_allocation(a.allocation_id, "loop", ctx)
    a = allocate_treatment(cid, key, "loop", ctx)
"""

# Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
ctx, ledger_backend = pg.ctx, pg.ledger_backend


class Worker:
    """A booking process that books what it is told, one line at a time."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line == "ready", self.proc.stderr.read() if self.proc.stderr else line

    def book(self, cid: str, key: str = "marketing_call_back") -> tuple[str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{cid} {key}\n")
        self.proc.stdin.flush()
        status, detail = self.proc.stdout.readline().split()
        return status, detail

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


def _state() -> Path:
    return Path(os.environ["CVM_STATE_DIR"])


def _booked(ledger) -> list[tuple[str, str]]:
    page = ledger.list_bookings(BookingQuery(limit=None))
    return sorted((b.customer_id, b.treatment_key) for b in page.bookings)


def _cvm(*argv: str) -> subprocess.CompletedProcess[str]:
    """A ``cvm`` command in a new process."""
    return subprocess.run(
        [*CVM, *argv], capture_output=True, text=True, timeout=120, check=False
    )


def _one_line(err: str) -> str:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


# --- the ledger knows when it was lost ---------------------------------------


def test_wal_removed_under_a_running_process_refuses_and_keeps_its_commits():
    worker = Worker(ANSWER)
    try:
        assert worker.book("U131")[0] == "ok"
        (_state() / "ledger.sqlite3-wal").unlink()
        assert worker.book("U127") == ("refused", "LEDGER")
        assert worker.book("U128", "bill_review_call") == ("refused", "LEDGER")
    finally:
        worker.kill9()
    # A new process: the booking committed before the log went is in the file
    # (the running process copied it there when it noticed), so the 2-a-day cap
    # is not sold again.
    ctx = ToolContext(get_config(), SQLiteLedger(_state() / "ledger.sqlite3"))
    assert _booked(ctx.ledger) == [("U131", "marketing_call_back")]
    allocate_treatment("U127", "marketing_call_back", "ana", ctx)
    with pytest.raises(PolicyBlocked, match="CAPACITY"):
        allocate_treatment("U128", "marketing_call_back", "ana", ctx)
    assert ctx.ledger.verify() == []


def test_wal_removed_then_the_process_killed_a_new_process_refuses_to_start(capsys):
    worker = Worker(ANSWER)
    try:
        assert worker.book("U131")[0] == "ok"
        (_state() / "ledger.sqlite3-wal").unlink()  # the commit lived only there
    finally:
        worker.kill9()
    with pytest.raises(StorageError, match="held ledger .* holds no ledger"):
        SQLiteLedger(_state() / "ledger.sqlite3")
    assert main(["allocate", "--customer-id", "U127", "--treatment-key",
                 "marketing_call_back", "--yes"]) == 2  # fmt: skip
    err = _one_line(capsys.readouterr().err)
    assert "committed bookings would be lost" in err
    assert "cvm restore FILE --yes" in err and "cvm accept-ledger --yes" in err


def test_every_ledger_file_removed_mid_run_a_new_process_waits_for_the_operator():
    book = ["allocate", "--treatment-key", "marketing_call_back", "--yes"]
    assert _cvm(*book, "--customer-id", "U131").returncode == 0
    for path in _state().glob("ledger.sqlite3*"):
        path.unlink()
    again = _cvm(*book, "--customer-id", "U127")
    assert again.returncode == 2
    assert "is missing" in _one_line(again.stderr)
    assert _cvm("allocations").returncode == 2  # every command, not only writes
    refused = _cvm("accept-ledger")
    assert refused.returncode == 1 and "APPROVAL" in refused.stderr
    accepted = _cvm("accept-ledger", "--yes")
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted ledger" in accepted.stdout
    assert _cvm(*book, "--customer-id", "U127").returncode == 0  # a new ledger


def test_ledger_replaced_by_another_one_a_new_process_refuses(tmp_path):
    config = get_config()
    mine = SQLiteLedger(tmp_path / "a" / "ledger.sqlite3")
    allocate_treatment("U131", "marketing_call_back", "ana", ToolContext(config, mine))
    other = SQLiteLedger(tmp_path / "b" / "ledger.sqlite3")
    other.close()
    mine.close()
    (tmp_path / "b" / "ledger.sqlite3").replace(tmp_path / "a" / "ledger.sqlite3")
    with pytest.raises(LedgerUnavailable, match="was replaced"):
        allocate_treatment(
            "U127", "marketing_call_back", "ana", ToolContext(config, mine)
        )
    with pytest.raises(StorageError, match="holds another ledger"):
        SQLiteLedger(tmp_path / "a" / "ledger.sqlite3")


def test_a_ledger_of_the_previous_version_is_brought_up_to_date(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V2_LEDGER)
    conn.close()
    ledger = SQLiteLedger(path)
    [kept] = ledger.list_bookings(BookingQuery(limit=None)).bookings
    assert (kept.customer_id, kept.overrides) == ("U131", ())
    assert ledger.day_state(kept.day).used == {"marketing_call_back": 1}
    assert ledger.get_plan("P20240306-1").header.hypothetical is False
    assert ledger.verify() == []


V2_LEDGER = """
CREATE TABLE allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
    treatment_key TEXT NOT NULL, channel TEXT NOT NULL, purpose TEXT NOT NULL,
    day TEXT NOT NULL, created_at TEXT NOT NULL, approved_by TEXT NOT NULL,
    cost REAL NOT NULL, high_value INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active', released_at TEXT, released_by TEXT,
    rules TEXT NOT NULL);
CREATE TABLE daily_usage (day TEXT NOT NULL, treatment_key TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0, spent REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (day, treatment_key)) WITHOUT ROWID;
CREATE TABLE plans (plan_id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
    day TEXT NOT NULL, parent_id TEXT, body TEXT NOT NULL);
INSERT INTO allocations (customer_id, treatment_key, channel, purpose, day,
    created_at, approved_by, cost, high_value, rules)
    VALUES ('U131', 'marketing_call_back', 'call', 'marketing', '2024-03-06',
    '2024-03-06T12:00:00+00:00', 'ana', 8.0, 0, '[]');
INSERT INTO daily_usage VALUES ('2024-03-06', 'marketing_call_back', 1, 8.0);
INSERT INTO plans VALUES ('P20240306-1', '2024-03-06T12:00:00+00:00',
    '2024-03-06', NULL, '{}');
PRAGMA user_version = 2;
"""


# --- backup and restore ---------------------------------------------------------


def test_backups_taken_while_two_processes_book_are_each_one_moment(tmp_path, ctx):
    loops = [
        Worker(LOOP, "U131", "marketing_call_back"),
        Worker(LOOP, "U124", "bill_review_call"),
    ]
    copies = []
    try:
        for i in range(5):
            time.sleep(0.2)
            copies.append(ctx.ledger.backup(tmp_path / f"b{i}.sqlite3"))
    finally:
        for loop in loops:
            loop.kill9()
    live = {
        b.allocation_id: (b.customer_id, b.treatment_key)
        for b in ctx.ledger.list_bookings(
            BookingQuery(include_released=True, limit=None)
        ).bookings
    }
    last = [c.last_booking for c in copies]
    assert last == sorted(last) and last[0] < last[-1]
    for copy in copies:
        folder = tmp_path / copy.path.stem
        folder.mkdir()
        shutil.copy(copy.path, folder / "ledger.sqlite3")
        restored = SQLiteLedger(folder / "ledger.sqlite3")
        assert restored.verify() == []  # counters equal the bookings at that moment
        page = restored.list_bookings(BookingQuery(include_released=True, limit=None))
        assert len(page.bookings) == copy.bookings > 2
        for b in page.bookings:  # every booking it holds is the ledger's own
            assert live[b.allocation_id] == (b.customer_id, b.treatment_key)
        active = restored.list_bookings(BookingQuery(limit=None)).bookings
        assert len(active) <= 2  # each loop holds one booking at a time


def test_restore_puts_a_backup_in_place_for_running_and_new_processes(
    tmp_path, ctx, capsys
):
    allocate_treatment("U131", "marketing_call_back", "ana", ctx)
    backup = tmp_path / "before.sqlite3"
    assert main(["backup", str(backup)]) == 0
    assert "backed up ledger" in capsys.readouterr().out
    allocate_treatment("U127", "marketing_call_back", "ana", ctx)
    assert main(["restore", str(backup)]) == 1  # needs --yes
    assert "APPROVAL" in capsys.readouterr().err
    assert len(list_allocations(ctx)) == 2
    assert main(["restore", str(backup), "--yes", "--json"]) == 0
    assert [a.customer_id for a in list_allocations(ctx)] == ["U131"]  # running
    again = reopened(ctx.ledger)  # a new process starts
    assert _booked(again) == [("U131", "marketing_call_back")]
    allocate_treatment("U127", "marketing_call_back", "ana", ctx)
    assert again.verify() == []


def test_restore_after_every_file_was_lost(tmp_path):
    book = ["allocate", "--treatment-key", "marketing_call_back", "--yes"]
    assert _cvm(*book, "--customer-id", "U131").returncode == 0
    backup = tmp_path / "nightly.sqlite3"
    assert _cvm("backup", str(backup)).returncode == 0
    for path in _state().glob("ledger.sqlite3*"):
        path.unlink()
    assert _cvm("allocations").returncode == 2
    restored = _cvm("restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    listed = _cvm("allocations")
    assert listed.returncode == 0 and "U131" in listed.stdout


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda p: p.write_text("not a database"), "not a ledger file"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)"), "not a ledger"),
        (lambda p: None, "no such file"),
    ],
    ids=["text-file", "other-database", "missing"],
)
def test_restore_refuses_what_is_not_a_sound_ledger(
    tmp_path, ctx, capsys, make, needle
):
    allocate_treatment("U131", "marketing_call_back", "ana", ctx)
    src = tmp_path / "odd.sqlite3"
    make(src)
    assert main(["restore", str(src), "--yes"]) == 2
    assert needle in _one_line(capsys.readouterr().err)
    assert [a.customer_id for a in list_allocations(ctx)] == ["U131"]  # unchanged


def test_backup_never_overwrites_a_file(tmp_path, ctx, capsys):
    dest = tmp_path / "mine.txt"
    dest.write_text("keep me")
    assert main(["backup", str(dest)]) == 2
    assert "already exists" in _one_line(capsys.readouterr().err)
    assert dest.read_text() == "keep me"
    assert main(["backup", str(tmp_path / "no" / "such" / "dir.db")]) == 2
    assert "no folder" in _one_line(capsys.readouterr().err)
    assert list(tmp_path.glob(".*partial")) == []


def test_a_marker_of_the_first_release_is_read_by_its_ledger_id(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    first = SQLiteLedger(path)
    marker = tmp_path / ".ledger.sqlite3.marker"
    marker.write_text(f'{{"ledger_id": "{first.accept().ledger_id}", "generation": 7}}')
    SQLiteLedger(path)  # the same ledger: it starts
    marker.write_text('{"ledger_id": "another", "generation": 7}')
    with pytest.raises(StorageError, match="holds another ledger"):
        SQLiteLedger(path)
