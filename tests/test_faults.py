"""Fault injection: every bad input or fault of issue 11 is a clear line or a refusal.

Each case builds the broken input, runs the ``cvm`` command line in-process and
checks the exit code, that stderr is one short line naming the file / key / record
and the problem, and that no traceback is printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from assistant.cli.main import main
from tests.ui_start import failed_ui_start
from tests.yaml_text import yaml_text
from tools.config import DEFAULT_CONFIG_PATH
from tools.store import json_files

SAMPLE = json_files.PACKAGED_DATA_DIR / "customers.json"
RECOMMEND = ["recommend", "--customer-id", "U124", "--no-allocate"]
CONSTRAINTS = ["constraints"]


def _use_config(tmp_path: Path, monkeypatch, text: str | bytes) -> Path:
    path = tmp_path / "cvm_config.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    monkeypatch.setenv("CVM_CONFIG", str(path))
    return path


def _mutated_config(tmp_path, monkeypatch, mutate: Callable[[dict], None]) -> Path:
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    mutate(raw)
    return _use_config(tmp_path, monkeypatch, yaml_text(raw, sort_keys=False))


def _dataset(tmp_path, monkeypatch, files: dict[str, str | bytes]) -> Path:
    """A data_dir with the given files; the config points at it."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    _mutated_config(
        tmp_path, monkeypatch, lambda r: r["settings"].update(data_dir=str(folder))
    )
    return folder


def _sample() -> dict:
    return json.loads(SAMPLE.read_text())


def _with_customer(change: Callable[[dict], None], cid: str = "U124") -> str:
    doc = _sample()
    for record in doc["customers"]:
        if record["customer_id"] == cid:
            change(record)
    return json.dumps(doc)


# --- each case: (id, setup(tmp_path, monkeypatch) -> (argv, where), expected) ---
# `where` is the file the message must name (None: the config file); `expected` are
# substrings of the one line printed.


def _cfg_text(text: str | bytes):
    def setup(tmp_path, monkeypatch):
        path = _use_config(tmp_path, monkeypatch, text)
        return CONSTRAINTS, path

    return setup


def _cfg(mutate):
    def setup(tmp_path, monkeypatch):
        return CONSTRAINTS, _mutated_config(tmp_path, monkeypatch, mutate)

    return setup


def _data(files: Callable[[], dict[str, str | bytes]], argv=RECOMMEND):
    def setup(tmp_path, monkeypatch):
        folder = _dataset(tmp_path, monkeypatch, files())
        return argv, folder

    return setup


DEFAULT_TEXT = DEFAULT_CONFIG_PATH.read_text()


def _boost(value):
    def mutate(raw):
        raw["treatments"]["retention_sms"]["propensity_boosts"]["bill_shock"] = value

    return mutate


CASES = [
    (
        "config-not-utf8",
        _cfg_text(DEFAULT_TEXT.encode().replace(b"# ", b"# caf\xe9 ", 1)),
        ["not UTF-8", "byte 0xe9", "line 1"],
    ),
    (
        "config-duplicate-top-level-key",
        _cfg_text(DEFAULT_TEXT + "\ntreatments:\n  ignore: {}\n"),
        ["duplicate key 'treatments'", "first given on line"],
    ),
    (
        "config-duplicate-nested-key",
        _cfg_text(
            DEFAULT_TEXT.replace(
                "  service_call_back:\n", "  service_call_back:\n    cost: 9\n", 1
            )
        ),
        ["duplicate key 'cost'"],
    ),
    (
        "config-cost-1e400",
        _cfg_text(DEFAULT_TEXT.replace("cost: 0.5\n", "cost: 1e400\n", 1)),
        ["cost", "finite number"],
    ),
    (
        "config-cost-dot-inf",
        _cfg(lambda r: r["treatments"]["data_boost"].update(cost=float("inf"))),
        ["treatments.data_boost.cost", "finite number"],
    ),
    (
        "config-negative-propensity-boost",
        _cfg(_boost(-0.4)),
        ["treatments.retention_sms.propensity_boosts.bill_shock", "greater than"],
    ),
    (
        "config-propensity-boost-above-one",
        _cfg(_boost(7)),
        ["propensity_boosts.bill_shock", "less than or equal to 1"],
    ),
    (
        "config-unknown-time-zone",
        _cfg(lambda r: r["settings"].update(timezone="Mars/Olympus_Mons")),
        ["settings.timezone", "unknown time zone 'Mars/Olympus_Mons'"],
    ),
    (
        "config-deeply-nested",
        _cfg_text("model:\n  id: " + "[" * 5000 + "]" * 5000 + "\n"),
        ["nested"],
    ),
    (
        "config-long-value-is-cut",
        _cfg(lambda r: r["treatments"]["retention_sms"].update(channel="x" * 7000)),
        ["treatments.retention_sms.channel", "…"],
    ),
    (
        "config-section-of-wrong-type-is-not-dumped",
        _cfg(lambda r: r.update(policy=[{"k": "v" * 50}] * 200)),
        ["policy", "valid dictionary"],
    ),
    (
        "data-not-utf8",
        _data(lambda: {"customers.json": SAMPLE.read_bytes() + b"\n\xff\xfe"}),
        ["customers.json", "not UTF-8", "0xff"],
    ),
    (
        "data-deeply-nested-json",
        _data(lambda: {"customers.json": "[" * 100_000 + "]" * 100_000}),
        ["customers.json", "nested"],
    ),
    (
        "data-dnd-window-25-99",
        _data(
            lambda: {
                "customers.json": _with_customer(
                    lambda c: c.update(do_not_disturb="25:00-99:00")
                )
            }
        ),
        ["customers.json", "record 1", "U124", "do_not_disturb", "25:00-99:00"],
    ),
    (
        "data-unknown-time-zone",
        _data(
            lambda: {
                "customers.json": _with_customer(
                    lambda c: c.update(time_zone="Europe/Atlantis")
                )
            }
        ),
        ["record 1", "U124", "time_zone", "unknown time zone 'Europe/Atlantis'"],
    ),
    (
        "data-monthly-revenue-infinity",
        _data(
            lambda: {
                "customers.json": _with_customer(
                    lambda c: c.update(monthly_revenue=float("inf"))
                )
            }
        ),
        ["U124", "monthly_revenue", "finite number"],
    ),
    (
        "data-bill-1e400",
        _data(
            lambda: {
                "customers.json": _with_customer(
                    lambda c: c["bills"][0].update(total="__BIG__")
                ).replace('"__BIG__"', "1e400")
            }
        ),
        ["U124", "bills.0.total", "finite number"],
    ),
    (
        "data-duplicate-customer-across-files",
        _data(
            lambda: {
                "a_customers.json": SAMPLE.read_text(),
                "b_extra.json": json.dumps(
                    [
                        next(
                            {**c, "consents": {**c["consents"]}}
                            for c in _sample()["customers"]
                            if c["customer_id"] == "U124"
                        )
                    ]
                ),
            }
        ),
        ["b_extra.json: record 0", "U124 is a duplicate", "a_customers.json"],
    ),
    (
        "data-duplicate-customer-in-one-file",
        _data(
            lambda: {
                "customers.json": json.dumps(
                    _sample()["customers"] + [_sample()["customers"][1]]
                )
            }
        ),
        ["record 12", "U124 is a duplicate", "record 1"],
    ),
    (
        "data-id-not-matching-pattern",
        _data(
            lambda: {
                "customers.json": _with_customer(
                    lambda c: c.update(customer_id="cust-124")
                )
            }
        ),
        ["record 1", "cust-124", "customer_id", "validation.customer_id_pattern"],
    ),
    (
        "data-record-not-an-object",
        _data(lambda: {"customers.json": json.dumps([1, 2])}),
        ["record 0", "expected an object"],
    ),
]


@pytest.mark.parametrize(
    ("setup", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_clear_line_and_exit_2(
    tmp_path, monkeypatch, capsys, setup, expected
):
    argv, where = setup(tmp_path, monkeypatch)
    assert main(argv) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    line = lines[0]
    assert "Traceback" not in out.err + out.out
    assert str(where) in line
    for part in expected:
        assert part in line, (part, line)
    assert len(line) < 400 + len(str(where)), len(line)


def test_the_refused_duplicate_would_have_widened_consent(tmp_path, monkeypatch):
    """The second U124 (SMS marketing consent) never replaces the first one."""
    second = next(c for c in _sample()["customers"] if c["customer_id"] == "U124")
    assert second["consents"]["sms"]["marketing"] is False
    second["consents"]["sms"]["marketing"] = True
    _dataset(
        tmp_path,
        monkeypatch,
        {"a.json": SAMPLE.read_text(), "b.json": json.dumps([second])},
    )
    argv = ["allocate", "--customer-id", "U124", "--treatment-key", "retention_sms"]
    assert main([*argv, "--yes"]) == 2  # the dataset is refused, nothing is booked


# --- state dir, log file -------------------------------------------------------


def _blocker(tmp_path) -> Path:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    return blocker


@pytest.mark.parametrize(
    ("state_dir", "log_file", "expected"),
    [
        ("{blocker}", None, ["state dir", "{blocker}", "not a directory"]),
        ("{blocker}/state", None, ["state dir", "{blocker}/state", "Not a directory"]),
        (None, "{blocker}/logs/cvm.log", ["log file", "settings.logging.file"]),
        (None, "/proc/no-such-dir/cvm.log", ["log file", "/proc/no-such-dir"]),
    ],
    ids=[
        "state-dir-is-a-file",
        "state-dir-parent-is-a-file",
        "log-dir-is-a-file",
        "log-dir-cannot-be-created",
    ],
)
def test_unusable_state_dir_or_log_file_is_one_line(
    tmp_path, monkeypatch, capsys, state_dir, log_file, expected
):
    blocker = str(_blocker(tmp_path))
    if state_dir:
        monkeypatch.setenv("CVM_STATE_DIR", state_dir.format(blocker=blocker))
    if log_file:
        _mutated_config(
            tmp_path,
            monkeypatch,
            lambda r: r["settings"]["logging"].update(
                file=log_file.format(blocker=blocker)
            ),
        )
    assert main(CONSTRAINTS) == 2
    out = capsys.readouterr()
    assert len(out.err.strip().splitlines()) == 1 and "Traceback" not in out.err
    for part in expected:
        assert part.format(blocker=blocker) in out.err, out.err


def test_ledger_missing_but_its_log_present_refuses_to_start_afresh(tmp_path):
    from tools.allocation import allocate_treatment
    from tools.config import get_config
    from tools.context import ToolContext
    from tools.errors import StorageError
    from tools.ledger import SQLiteLedger

    ledger = SQLiteLedger(tmp_path / "s" / "ledger.sqlite3")
    allocate_treatment(
        "U131", "marketing_call_back", "ana", ToolContext(get_config(), ledger)
    )
    ledger.path.unlink()  # the WAL still holds the committed booking
    with pytest.raises(StorageError, match="write-ahead log .* is present"):
        SQLiteLedger(ledger.path)


# --- the ledger protects itself -----------------------------------------------


def _ledger_ctx(folder: Path):
    from tools.config import get_config
    from tools.context import ToolContext
    from tools.ledger import SQLiteLedger

    return ToolContext(get_config(), SQLiteLedger(folder / "ledger.sqlite3"))


_LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)  # audit kept since then


def _audit(question: str):
    from tools.ledger import AuditEntry

    at = datetime(2024, 3, 6, 12, tzinfo=timezone.utc)
    return AuditEntry(at, "s", None, None, question, {})


def _book(ctx, cid: str, key: str = "marketing_call_back"):
    from tools.allocation import allocate_treatment

    return allocate_treatment(cid, key, "ana", ctx)


def _rows(ledger) -> list[tuple]:
    from tools.ledger import BookingQuery

    page = ledger.list_bookings(BookingQuery(include_released=True, limit=None))
    return sorted(
        (b.allocation_id, b.customer_id, b.treatment_key, b.status)
        for b in page.bookings
    )


def _sound(ledger) -> None:
    """The storage is intact and the usage counters equal the bookings."""
    assert ledger.verify() == []


@pytest.mark.parametrize("remove_log", [False, True], ids=["db-file", "db-and-wal"])
def test_ledger_removed_under_a_running_process_never_oversells(tmp_path, remove_log):
    from tools.errors import LedgerUnavailable, PolicyBlocked, StorageError
    from tools.ledger import SQLiteLedger

    running = _ledger_ctx(tmp_path)
    _book(running, "U131")
    files = ["ledger.sqlite3"] + (
        ["ledger.sqlite3-wal", "ledger.sqlite3-shm"] if remove_log else []
    )
    for name in files:
        (tmp_path / name).unlink()
    with pytest.raises(LedgerUnavailable, match="was removed while this process"):
        _book(running, "U124", "bill_review_call")
    if not remove_log:  # a new process refuses to start an empty ledger
        with pytest.raises(StorageError, match="write-ahead log"):
            _ledger_ctx(tmp_path)
        return
    # Every file was deleted: the state dir's marker still knows the ledger.
    with pytest.raises(StorageError, match="held ledger .* the file is missing"):
        _ledger_ctx(tmp_path)
    SQLiteLedger(tmp_path / "ledger.sqlite3", recover=True).accept()  # the operator
    fresh = _ledger_ctx(tmp_path)
    _book(fresh, "U131")
    _book(fresh, "U127")
    for cid in ("U130", "U128"):
        with pytest.raises((LedgerUnavailable, PolicyBlocked)):
            _book(running, cid)  # the old process never writes again
        with pytest.raises(PolicyBlocked, match="CAPACITY|Capacity|capacity"):
            _book(fresh, cid)
    booked = [r for r in _rows(fresh.ledger) if r[2] == "marketing_call_back"]
    assert len(booked) == 2  # the 2-a-day cap holds
    _sound(fresh.ledger)


def test_ledger_replaced_under_a_running_process_refuses_writes(tmp_path):
    from tools.errors import LedgerUnavailable

    running = _ledger_ctx(tmp_path / "a")
    _book(running, "U131")
    other = _ledger_ctx(tmp_path / "b")
    other.ledger.close()
    (tmp_path / "b" / "ledger.sqlite3").replace(tmp_path / "a" / "ledger.sqlite3")
    with pytest.raises(LedgerUnavailable, match="was replaced"):
        _book(running, "U127")


def test_read_only_ledger_at_run_time_is_a_refusal_and_loses_nothing(tmp_path):
    from tools.errors import LedgerUnavailable

    ctx = _ledger_ctx(tmp_path)
    first = _book(ctx, "U131")
    with ctx.ledger.connection() as conn:
        conn.execute("PRAGMA query_only = ON")  # SQLite answers SQLITE_READONLY
    with pytest.raises(LedgerUnavailable, match="LEDGER: .*readonly"):
        _book(ctx, "U127")
    with ctx.ledger.connection() as conn:
        conn.execute("PRAGMA query_only = OFF")
    assert [r[0] for r in _rows(ctx.ledger)] == [first.allocation_id]
    _book(ctx, "U127")
    _sound(ctx.ledger)


def test_full_disk_is_a_refusal_and_loses_nothing(tmp_path):
    """SQLite's max_page_count makes the file full, as a full disk does."""
    from tools.errors import LedgerUnavailable

    ctx = _ledger_ctx(tmp_path)
    first = _book(ctx, "U131")
    with ctx.ledger.connection() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(LedgerUnavailable, match="full"):
        ctx.ledger.write_audit(_audit("x" * 200_000), _LONG_AGO)
    assert [r[0] for r in _rows(ctx.ledger)] == [first.allocation_id]
    _sound(ctx.ledger)


# --- tool and command-line inputs ---------------------------------------------


def test_release_with_a_20_digit_id_is_a_tool_error_not_an_overflow(ctx):
    from assistant.approvals.scope import no_scope
    from assistant.conversation.dispatch import run_tool_call
    from assistant.core.messages import ToolCall
    from assistant.core.session import Session
    from tools.allocation import release_allocation
    from tools.errors import ToolInputError

    call = ToolCall(
        id="c1",
        name="release_allocation",
        arguments='{"allocation_id": 99999999999999999999}',
    )
    record, content = run_tool_call(call, no_scope(), Session(approver="ana"), ctx)
    assert not record.ok and "less than or equal to" in (record.error or "")
    assert "error" in json.loads(content)
    with pytest.raises(ToolInputError, match="no allocation #99999999999999999999"):
        release_allocation(99999999999999999999, "ana", ctx)


def test_allocating_the_no_action_baseline_is_refused(capsys):
    argv = ["allocate", "--customer-id", "U124", "--treatment-key", "ignore", "--yes"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "'ignore' (No Action) is the no-action baseline" in err
    assert main(["allocations", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_booking_a_past_day_is_refused_with_a_rule(monkeypatch, capsys):
    book = ["allocate", "--treatment-key", "marketing_call_back", "--yes"]
    assert main([*book, "--customer-id", "U131"]) == 0
    monkeypatch.setenv("CVM_NOW", "2024-03-05T12:00:00+00:00")
    assert main([*book, "--customer-id", "U127"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: PAST-DAY: the clock says 2024-03-05")
    assert "2024-03-06" in err


# --- bounded inputs and stores -------------------------------------------------


def test_a_one_megabyte_message_is_refused_and_the_audit_stays_bounded(config):
    from assistant.api import Assistant
    from assistant.conversation.audit import list_audit

    bot = Assistant.create(model="offline")
    turn = bot.ask("What should we offer U124?\x00" + "x" * 1_000_000)
    assert turn.stopped == "message_too_long"
    assert "1,000,027 characters long" in turn.reply
    assert f"at most {config.validation.max_message_chars:,}" in turn.reply
    assert turn.tool_calls == [] and turn.usage.model_calls == 0
    ok = bot.ask("What should\x00 we offer U124?")
    assert ok.recommended and ok.stopped is None
    records = list_audit(bot.ctx.ledger)
    assert len(records) == 2
    limit = config.settings.audit.max_question_chars
    assert records[0].question == "What should we offer U124?"
    long = records[1].question
    assert "\x00" not in long and long.endswith("more characters not kept]")
    assert len(long) < limit + 60


def test_message_length_limit_is_configurable(tmp_path, monkeypatch):
    from assistant.api import Assistant

    _mutated_config(
        tmp_path, monkeypatch, lambda r: r["validation"].update(max_message_chars=30)
    )
    bot = Assistant.create(model="offline")
    assert bot.ask("What should we offer U124?").stopped is None
    assert bot.ask("What should we offer U124 today, please?").stopped == (
        "message_too_long"
    )


def test_audit_retention_is_configurable(tmp_path, monkeypatch):
    from assistant.api import Assistant
    from assistant.conversation.audit import list_audit

    _mutated_config(
        tmp_path,
        monkeypatch,
        lambda r: r["settings"].update(audit={"retention_days": 30}),
    )
    monkeypatch.setenv("CVM_NOW", "2024-01-10T12:00:00+00:00")
    bot = Assistant.create(model="offline")
    bot.ask("What should we offer U124?")
    monkeypatch.setenv("CVM_NOW", "2024-02-10T12:00:00+00:00")
    bot.ask("Why?")
    monkeypatch.setenv("CVM_NOW", "2024-03-06T12:00:00+00:00")
    bot.ask("What about U123?")
    kept = [r.at for r in list_audit(bot.ctx.ledger)]
    assert kept == ["2024-03-06T12:00:00+00:00", "2024-02-10T12:00:00+00:00"]


def test_a_ledger_refusal_in_chat_is_a_polite_reply_with_its_rule(tmp_path):
    from assistant.api import Assistant

    bot = Assistant.create(model="offline", state_dir=tmp_path / "chat")
    assert bot.ask("What should we offer U123?").recommended
    for path in (tmp_path / "chat").glob("ledger.sqlite3*"):
        path.unlink()
    turn = bot.ask("book it")
    assert turn.allocations == []
    assert [c.rule for c in turn.tool_calls if c.name == "allocate_treatment"] == [
        "LEDGER"
    ]
    assert "was removed while this process was running" in turn.reply
    assert "audit record could not be written" in turn.reply


def test_allocations_list_today_by_default_and_page_through_every_day(
    ctx, monkeypatch, capsys
):
    from tools.allocation import list_allocations

    monkeypatch.setenv("CVM_NOW", "2024-03-05T12:00:00+00:00")
    yesterday = [_book(ctx, c).allocation_id for c in ("U131", "U999")]
    monkeypatch.setenv("CVM_NOW", "2024-03-06T12:00:00+00:00")
    today = [_book(ctx, c).allocation_id for c in ("U127", "U128")]
    assert [a.allocation_id for a in list_allocations(ctx)] == today[::-1]
    every = list_allocations(ctx, all_days=True)
    assert [a.allocation_id for a in every] == (yesterday + today)[::-1]
    first = list_allocations(ctx, all_days=True, limit=3)
    rest = list_allocations(
        ctx, all_days=True, limit=3, before_id=first[-1].allocation_id
    )
    assert [a.allocation_id for a in first + rest] == (yesterday + today)[::-1]
    assert main(["allocations", "--all", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("marketing_call_back") == 3
    assert f"next page: add --before {first[-1].allocation_id}" in out
    assert main(["allocations", "--day", "2024-03-05", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["allocation_id"] for a in listed] == yesterday[::-1]
    with pytest.raises(SystemExit) as stopped:  # argparse's own usage error
        main(["allocations", "--limit", "0"])
    assert stopped.value.code == 2
    assert "--limit: give a number from 1 to" in capsys.readouterr().err


KILL_WORKER = """
import sys
from tools.allocation import allocate_treatment, release_allocation, reset_constraints
from tools.assess import assess
from tools.context import ToolContext

ctx = ToolContext.create()
reset_constraints(ctx, by="kill-test")  # a booking left by the previous kill
assess("U131", ctx)  # the store opens on first use: before the kill window
print("ready", flush=True)
while True:
    a = allocate_treatment("U131", "marketing_call_back", "kill-test", ctx)
    print(a.allocation_id, flush=True)
    release_allocation(a.allocation_id, "kill-test", ctx)
"""


def test_kill_9_during_booking_leaves_a_sound_ledger(tmp_path):
    """A booking process is killed at random moments; every time, the ledger is
    intact, its counters equal its rows and every reported commit is there."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    from tools.ledger import SQLiteLedger

    state = tmp_path / "state"
    env = {**os.environ, "CVM_STATE_DIR": str(state)}
    rng = random.Random(11)
    committed: list[int] = []
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_WORKER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", proc.stderr
            time.sleep(rng.uniform(0.01, 0.25))
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        committed += [int(line) for line in out.split() if line.isdigit()]
        ledger = SQLiteLedger(state / "ledger.sqlite3")
        _sound(ledger)
        ids = {r[0] for r in _rows(ledger)}
        assert set(committed) <= ids  # nothing reported as booked was lost
        active = [r for r in _rows(ledger) if r[3] == "active"]
        assert len(active) <= 1  # the worker releases each booking it makes
        ledger.close()
    assert committed  # the loop really booked


@pytest.fixture
def small_disk(tmp_path):
    """A real 512 KiB file system (tmpfs) to fill up or make read-only (root)."""
    import os
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        yield mount, None
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(mount)], check=True)

    try:
        yield mount, remount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_is_a_refusal_and_loses_nothing(small_disk):
    from tools.errors import LedgerUnavailable

    mount, remount = small_disk
    if remount is None:
        pytest.skip("filling a real file system needs root (tmpfs)")
    ctx = _ledger_ctx(mount / "state")
    booked = [_book(ctx, "U131").allocation_id]
    (mount / "ballast").write_bytes(b"\0" * 10_000)
    with pytest.raises(LedgerUnavailable, match="full|disk"):
        for i in range(10_000):
            ctx.ledger.write_audit(_audit(f"{i}" + "x" * 20_000), _LONG_AGO)
    (mount / "ballast").unlink()
    assert [r[0] for r in _rows(ctx.ledger)] == booked
    _sound(ctx.ledger)


def test_a_read_only_state_dir_stops_start_up_with_one_line(small_disk, capsys):
    import os

    mount, remount = small_disk
    state = mount / "state"
    ctx = _ledger_ctx(state)
    _book(ctx, "U131")
    ctx.ledger.close()
    if remount is not None:
        remount("ro")
    else:
        for path in [state, *state.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    os.environ["CVM_STATE_DIR"] = str(state)  # restored by the autouse fixture
    assert main(CONSTRAINTS) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"log file {state}" in err  # the first thing start-up writes
    assert "Read-only file system" in err or "Permission denied" in err
    from tools.errors import StorageError
    from tools.ledger import SQLiteLedger

    with pytest.raises(StorageError) as refused:  # the ledger on its own
        SQLiteLedger(state / "ledger.sqlite3")
    assert f"ledger {state}" in str(refused.value)
    assert "cannot be opened for writing" in str(refused.value)
    assert "read-only" in str(refused.value)


# --- UI actions (payloads are server-issued ids; see tests/test_app.py) --------


UI_PAYLOADS = {
    "unknown-treatment-key": {"customer_id": "U124", "treatment_key": "no_such"},
    "empty-payload": {},
    "path-like-customer-id": {"customer_id": "../../../etc/passwd"},
    "path-like-id": {"id": "../../../etc/passwd"},
    "huge-id": {"id": "9" * 10_000},
}
UI_HANDLERS = (
    "book",
    "approve",
    "decline",
    "alternative",
    "why",
    "journey",
    "choose_reading",
)


@pytest.mark.parametrize("payload", UI_PAYLOADS.values(), ids=UI_PAYLOADS.keys())
@pytest.mark.parametrize("started", [True, False], ids=["chat", "unknown-session"])
def test_forged_ui_actions_are_refused_politely_and_write_nothing(payload, started):
    """Every button handler, in a started chat and in a session the server does
    not know (no assistant), answers "not one I issued" and writes nothing."""
    import asyncio

    cl = pytest.importorskip("chainlit")
    from chainlit.context import ChainlitContext, context_var
    from chainlit.session import HTTPSession

    from assistant.ui import app
    from tests.test_app import messages, recording_emitter

    async def main():
        session = HTTPSession(id="s-faults", thread_id="t", client_type="webapp")
        emitter = recording_emitter(session)
        context_var.set(ChainlitContext(session, emitter=emitter))
        if started:
            await app.start()
        for name in (*UI_HANDLERS, "book_plan"):
            handler = getattr(app, f"on_{name}")
            await handler(cl.Action(name=name, payload=payload, label=name))
        return emitter

    emitter = asyncio.run(main())
    replies = messages(emitter)
    assert len(replies) == len(UI_HANDLERS) + 1
    assert all("not one I issued" in r for r in replies), [
        r for r in replies if "not one I issued" not in r
    ]
    from tools.allocation import list_allocations
    from tools.context import ToolContext

    assert list_allocations(ToolContext.create(), all_days=True) == []


def test_an_action_for_an_unknown_session_is_a_404_with_a_sentence():
    """The real Chainlit server app: an unknown session id is a clear 404, not a
    500; a request without the middleware's concern passes through."""
    pytest.importorskip("chainlit")
    from chainlit.server import app as server_app
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    import assistant.ui.app  # noqa: F401 - installs the middleware on Chainlit's app
    from assistant.ui.sessions import MALFORMED, UNKNOWN_SESSION, UnknownSessionGuard

    action = {"name": "book", "payload": {"id": "x"}, "label": "Book", "id": "a"}
    bogus = {"sessionId": "no-such-session", "action": action}
    answer = TestClient(server_app, raise_server_exceptions=False).post(
        "/project/action", json=bogus
    )
    assert answer.status_code == 404
    assert answer.json() == {"detail": UNKNOWN_SESSION}

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"body": (await request.body()).decode()})

    inner = Starlette(routes=[Route("/project/action", echo, methods=["POST"])])
    known = TestClient(UnknownSessionGuard(inner, known=lambda sid: sid == "live"))
    live = {"sessionId": "live", "action": action}
    passed = known.post("/project/action", json=live).json()["body"]
    assert json.loads(passed) == live  # the body reaches the app unchanged
    assert known.post("/project/action", json=bogus).status_code == 404
    for body in (b"not json", b"[1]", b'{"sessionId": "live", "action": 7}'):
        bad = known.post("/project/action", content=body)
        assert bad.status_code == 400 and bad.json() == {"detail": MALFORMED}
    payload = {"sessionId": "live", "action": {**action, "payload": ["x"]}}
    bad = TestClient(server_app, raise_server_exceptions=False).post(
        "/project/action", json=payload
    )  # the real app: a non-object payload is a 400 with a sentence, not a 500
    assert bad.status_code == 400 and bad.json() == {"detail": MALFORMED}


IMPORT_CASES = {
    "deeply-nested": ("[" * 100_000 + "]" * 100_000, ["c.json: cannot read: nested"]),
    "not-utf8": (b"\xff\xfe[]", ["c.json: cannot read: line 1: not UTF-8"]),
    "dnd-25-99": (
        _with_customer(lambda c: c.update(do_not_disturb="25:00-99:00")),
        ["c.json record 1: (customer U124): do_not_disturb: '25:00-99:00'"],
    ),
    "revenue-infinity": (
        _with_customer(lambda c: c.update(monthly_revenue=float("inf"))),
        ["(customer U124): monthly_revenue: Input should be a finite number"],
    ),
    "duplicate-id": (
        json.dumps(_sample()["customers"] + [_sample()["customers"][1]]),
        ["customer_id: row 2, 13: duplicate key"],
    ),
}


@pytest.mark.parametrize(
    ("content", "expected"), IMPORT_CASES.values(), ids=IMPORT_CASES.keys()
)
def test_cvm_import_of_a_bad_json_file_names_it_and_changes_nothing(
    tmp_path, capsys, content, expected
):
    folder = tmp_path / "extract"
    folder.mkdir()
    target = folder / "c.json"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    assert main(["import", str(folder)]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    assert "the store is unchanged" in out.err + out.out
    for part in expected:
        assert part in out.err + out.out, out.err


def test_an_unusable_state_dir_stops_the_ui_with_one_line(tmp_path):
    blocker = _blocker(tmp_path)
    text = failed_ui_start(CVM_STATE_DIR=str(blocker))
    assert text.splitlines() == [
        f"cvm: state dir {blocker} (settings.state_dir / CVM_STATE_DIR): "
        "not a directory"
    ]
