"""``cvm import`` of Parquet / CSV: set-based checks, order, reports, progress."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from assistant.cli.main import main
from tools import data
from tools.context import ToolContext
from tools.customer_base import DERIVED
from tools.kernel import features, features_sql
from tools.store.build import fill_from_records, sample_as_of, sample_records
from tools.store.generate import generate
from tools.store.importer import MAX_PROBLEMS, ImportFailed, import_path
from tools.store.source import store_path

PATTERN = r"^U(\d{3}|\d{7})$"


@pytest.fixture(scope="module")
def base_1k(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base1k")
    generate(1000, 5, out)
    return out


def _store(ctx: ToolContext) -> Path:
    return store_path(ctx.config)


def _copy(base: Path, folder: Path) -> Path:
    shutil.copytree(base, folder)
    return folder


def _files(folder: Path, table: str) -> list[Path]:
    """A table's Parquet file, or the parts of its folder."""
    single = folder / f"{table}.parquet"
    return [single] if single.exists() else sorted((folder / table).glob("*.parquet"))


def _rewrite(folder: Path, table: str, select: str) -> Path:
    """Replace a table's files by one file: ``select`` over the old rows (``t``)."""
    parts = _files(folder, table)
    old = folder / f".{table}.old.parquet"
    names = ", ".join(f"'{p}'" for p in parts)
    duckdb.sql(f"COPY (SELECT * FROM read_parquet([{names}])) TO '{old}'")
    for part in parts:
        part.unlink()
    path = folder / f"{table}.parquet"
    duckdb.sql(
        f"COPY (WITH t AS (SELECT * FROM '{old}') {select}) TO '{path}' "
        "(FORMAT parquet)"
    )
    old.unlink()
    return path


def _unchanged(ctx: ToolContext, before: os.stat_result) -> bool:
    after = os.stat(_store(ctx))
    return (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_json_summary_of_a_good_import(ctx, base_1k, capsys):
    assert main(["import", str(base_1k), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["problems"] == []
    assert report["customers_imported"] == 1000
    assert report["customers_total"] == 1012  # the sample is kept
    assert report["rows"]["customers"] == 1012
    assert report["rows"]["consents"] > 1000
    assert ctx.customers.count() == 1012


def test_progress_runs_in_order_to_the_end(ctx, base_1k):
    seen: list[tuple[int, int, str]] = []
    import_path(
        base_1k, _store(ctx), PATTERN, DERIVED, progress=lambda *a: seen.append(a)
    )
    steps = [s[0] for s in seen]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert seen[-1] == (seen[-1][1], seen[-1][1], "done")
    labels = [s[2] for s in seen]
    for expected in ("checking", "customers", "writing offers", "journey metrics"):
        assert any(expected in label for label in labels), labels
    assert "customer records" in labels and "saving" in labels


def test_json_report_of_a_bad_import_keeps_the_first_20_with_counts(
    ctx, tmp_path, capsys
):
    ctx.customers.count()
    before = os.stat(_store(ctx))
    bad = tmp_path / "bad"
    bad.mkdir()
    extras = [f"extra_{i:02d}" for i in range(25)]
    header = (
        "customer_id,name,segment,tenure_months,vulnerable,monthly_revenue,"
        "plan_name,plan_monthly_fee,plan_lines,language,churn_score,"
        "churn_scored_on,churn_risk_factors," + ",".join(extras)
    )
    good = "U2000001,A,consumer,5,false,10,P,10,1,en,0.5,2024-03-01,[]"
    rows = [good.replace("U2000001", f"U20000{i:02d}") for i in range(10, 40)]
    rows += ["U2000002,B,consumer,-3,false,10,P,10,0,en,0.5,2024-03-01,[]"]
    (bad / "customers.csv").write_text(
        "\n".join([header] + [r + "," * len(extras) for r in rows]) + "\n"
    )
    assert main(["import", str(bad), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert len(report["problems"]) == MAX_PROBLEMS
    assert report["problem_count"] == 27  # 25 unknown columns, 2 bad values
    first = report["problems"][0]
    assert set(first) == {"file", "column", "rows", "problem", "count"}
    assert first["column"] == "extra_00" and first["problem"] == "unknown column"
    assert _unchanged(ctx, before)
    # the same refusal on a terminal: the first 20, then how many more
    assert main(["import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "… and 7 more" in err and "the store is unchanged" in err


def test_duplicate_composite_keys_and_counts_in_a_child_table(ctx, tmp_path, base_1k):
    folder = _copy(base_1k, tmp_path / "dups")
    _rewrite(
        folder,
        "consents",
        "SELECT * FROM t UNION ALL (SELECT * FROM t WHERE channel = 'sms' LIMIT 3)",
    )
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert problem.column == "customer_id+channel"
    assert problem.problem == "duplicate key" and problem.count == 6
    assert len(problem.rows) == 3 and problem.rows == tuple(sorted(problem.rows))
    assert "consents.parquet: customer_id+channel: row " in problem.line()


def test_bad_values_in_typed_parquet_name_column_and_rows(ctx, tmp_path, base_1k):
    folder = _copy(base_1k, tmp_path / "typed")
    _rewrite(
        folder,
        "customers",
        "SELECT * REPLACE (CASE WHEN customer_id IN ('U1000004', 'U1000009') "
        "THEN 'high' ELSE churn_score::VARCHAR END AS churn_score) FROM t",
    )
    _rewrite(
        folder,
        "usage",
        "SELECT * REPLACE (CASE WHEN customer_id = 'U1000002' THEN -1.5 "
        "ELSE data_gb END AS data_gb) FROM t",
    )
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    lines = [p.line() for p in info.value.report.problems]
    assert any(
        line.endswith(
            "customers.parquet: churn_score: row 5, 10: not a valid double (2 rows)"
        )
        for line in lines
    ), lines
    assert any("usage.parquet: data_gb: row" in ln and "below 0" in ln for ln in lines)


def test_an_unreadable_file_is_one_line_and_changes_nothing(ctx, tmp_path, base_1k):
    ctx.customers.count()
    before = os.stat(_store(ctx))
    folder = _copy(base_1k, tmp_path / "broken")
    _files(folder, "offers")[0].write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert "offers" in problem.file
    assert problem.problem.startswith("cannot read:")
    assert _unchanged(ctx, before)
    assert not list(_store(ctx).parent.glob(".*import*"))


def test_records_keep_their_order_whatever_the_file_order(ctx, tmp_path, base_1k):
    ids = ["U1000000", "U1000417", "U1000999"]
    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    ordered = {cid: data.get_customer_data(cid, ctx=ctx) for cid in ids}
    folder = _copy(base_1k, tmp_path / "shuffled")
    for table in (
        "customers",
        "consents",
        "bills",
        "bill_charges",
        "usage",
        "network",
        "interactions",
        "offers",
    ):
        _rewrite(folder, table, "SELECT * FROM t ORDER BY hash(t::VARCHAR)")
    import_path(folder, _store(ctx), PATTERN, DERIVED, replace=True)
    for cid in ids:
        record = data.get_customer_data(cid, ctx=ctx)
        assert record == ordered[cid]
        dates = [b.date for b in record.bills]
        assert dates == sorted(dates) and len(dates) == 3
        assert list(record.consents) == sorted(record.consents)


def _bill_reference(record) -> tuple[float, float | None, list]:
    """Latest bill, its % rise, and bill-shock dates, computed the plain way.

    A late fee is a payment problem, not a bill shock: left out of the rise and of
    the extras (it is counted once, as a payment problem).
    """
    bills = sorted(record.bills, key=lambda b: b.date)

    def fees(b) -> float:
        return sum(e.amount for e in b.extra_charges if e.kind == "late_fee")

    rises: list[float | None] = [None]
    for prev, bill in zip(bills, bills[1:], strict=False):
        before, now = prev.amount - fees(prev), bill.amount - fees(bill)
        rises.append(None if before == 0 else round((now - before) / before * 100, 1))
    shocks = [
        b.date
        for b, rise in zip(bills, rises, strict=True)
        if (rise is not None and rise >= features_sql.BILL_SHOCK_RISE_PCT)
        or b.extras_total - fees(b)
        >= features_sql.BILL_SHOCK_EXTRAS_SHARE * b.plan_charge
    ]
    return bills[-1].amount, rises[-1], shocks


def test_bill_metrics_in_sql_match_the_plain_computation(ctx, base_1k):
    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    rows = ctx.customers.sql(
        "SELECT customer_id, bill_latest, bill_change_pct, bill_shock_count, "
        "bill_shock_dates FROM customer_features ORDER BY row_no"
    )
    assert len(rows) == 1000
    shocked = 0
    for cid, latest, change, count, dates in rows[::7]:
        ref_latest, ref_change, ref_dates = _bill_reference(
            data.get_customer_data(cid, ctx=ctx)
        )
        assert latest == pytest.approx(ref_latest, abs=0.005)
        if ref_change is None:
            assert change != change  # NaN
        else:
            assert change == pytest.approx(ref_change, abs=0.051)
        assert list(dates) == ref_dates and count == len(ref_dates)
        shocked += bool(count)
    assert shocked > 5  # the base has bill shocks to compare


def test_a_base_imports_with_the_same_store_whatever_the_slice(
    ctx, base_1k, monkeypatch
):
    tables = ("customer_records", "customer_features", "offer_propensity")

    def same(v):  # NaN (a feature with no evidence) equals NaN here
        return None if isinstance(v, float) and v != v else v

    def derived() -> dict[str, list]:
        return {
            t: [
                tuple(map(same, row))
                for row in ctx.customers.sql(f"SELECT * FROM {t} ORDER BY ALL")
            ]
            for t in tables
        }

    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    whole = derived()
    monkeypatch.setattr(features, "RECORDS_SLICE", 97)
    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    sliced = derived()
    assert len(whole["customer_features"]) == 1000
    for table in tables:
        assert sliced[table] == whole[table], table
    row_no = [
        r[0]
        for r in ctx.customers.sql(
            "SELECT row_no FROM customer_features ORDER BY customer_id"
        )
    ]
    assert row_no == list(range(1000))


def _stored_ids(con, table: str) -> list[str]:
    """A table's customer ids in the order they are stored."""
    return [
        r[0]
        for r in con.execute(
            f"SELECT customer_id FROM {table} ORDER BY rowid"
        ).fetchall()
    ]


def test_customer_records_are_stored_in_id_order_whatever_the_customers_order(
    ctx, base_1k
):
    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    with duckdb.connect(str(_store(ctx)), read_only=True) as con:
        ids = _stored_ids(con, "customer_records")
    assert len(ids) == 1000 and ids == sorted(ids)
    # customers stored against id order: the records are stored by id all the same
    records = sorted(sample_records(), key=lambda r: r.customer_id, reverse=True)
    with duckdb.connect() as con:
        fill_from_records(con, records, DERIVED, sample_as_of())
        scanned = _stored_ids(con, "customers")
        assert scanned == sorted(scanned, reverse=True) and len(scanned) > 5
        assert _stored_ids(con, "customer_records") == sorted(scanned)


def test_a_table_in_parts_names_the_part_and_its_own_rows(ctx, tmp_path, base_1k):
    folder = _copy(base_1k, tmp_path / "parts")
    single = _rewrite(folder, "customers", "SELECT * FROM t ORDER BY customer_id")
    (folder / "customers").mkdir(exist_ok=True)
    for i, (lo, hi) in enumerate([(0, 400), (400, 1000)]):
        duckdb.sql(
            f"COPY (SELECT * REPLACE (CASE WHEN customer_id IN ('U1000402', "
            f"'U1000410') THEN 1.5 ELSE churn_score END AS churn_score) "
            f"FROM '{single}' ORDER BY customer_id LIMIT {hi - lo} OFFSET {lo}) "
            f"TO '{folder}/customers/part-{i:05d}.parquet'"
        )
    single.unlink()
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert problem.line() == (
        f"{folder}/customers/part-00001.parquet: churn_score: row 3, 11: above 1 "
        "(2 rows)"
    )


@pytest.mark.parametrize("value", ["lots", "2 gigs", "-1GB", ""])
def test_a_bad_import_memory_setting_is_one_line_and_changes_nothing(
    ctx, base_1k, monkeypatch, capsys, value
):
    ctx.customers.count()
    before = os.stat(_store(ctx))
    monkeypatch.setenv("CVM_IMPORT_MEMORY", value)
    assert main(["import", str(base_1k)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cvm: CVM_IMPORT_MEMORY: ") and "not a memory size" in err
    assert "\n" not in err and "Traceback" not in err
    assert _unchanged(ctx, before)
    assert not list(_store(ctx).parent.glob(".*import*"))


def test_a_memory_setting_with_units_is_accepted(ctx, base_1k, monkeypatch):
    monkeypatch.setenv("CVM_IMPORT_MEMORY", "1.5GiB")
    report = import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    assert report.customers_total == 1000


# -- issue 23: what replaces what; special files; leftovers; many files ---------------
def _duplicate_keys(ctx: ToolContext) -> dict[str, int]:
    from tools.store.schema import KEYS

    out = {}
    for table, key in KEYS.items():
        cols = ", ".join(key)
        (n,) = ctx.customers.sql(
            f"SELECT count(*) FROM (SELECT {cols} FROM {table} GROUP BY ALL "
            "HAVING count(*) > 1)"
        )[0]
        out[table] = n
    return out


def _consents(ctx: ToolContext, cid: str) -> list[tuple]:
    return ctx.customers.sql(
        "SELECT channel, marketing, service, billing FROM consents "
        "WHERE customer_id = ? ORDER BY channel",
        [cid],
    )


CUSTOMERS_CSV = (
    "customer_id,name,segment,tenure_months,vulnerable,monthly_revenue,plan_name,"
    "plan_monthly_fee,plan_lines,language,churn_score,churn_scored_on,"
    "churn_risk_factors\n"
)


def test_a_child_file_for_an_existing_customer_replaces_its_rows(ctx, tmp_path):
    before = _consents(ctx, "U124")
    assert [c[0] for c in before] == ["call", "email", "push", "sms"]
    assert any(c[1] for c in before)  # U124 consents to some marketing
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "customers.csv").write_text(
        CUSTOMERS_CSV + "U2000001,A,consumer,5,false,10,P,10,1,en,0.5,2024-03-01,[]\n"
    )
    (folder / "consents.csv").write_text(  # U124 withdraws marketing everywhere
        "customer_id,channel,marketing,service,billing\n"
        "U124,call,false,true,true\nU124,sms,false,true,true\n"
        "U2000001,email,true,true,true\n"
    )
    import_path(folder, _store(ctx), PATTERN, DERIVED)
    assert _consents(ctx, "U124") == [
        ("call", False, True, True),
        ("sms", False, True, True),
    ]
    assert data.get_customer_data("U124", ctx=ctx).objects_to_marketing()
    assert set(_duplicate_keys(ctx).values()) == {0}
    assert data.get_customer_data("U125", ctx=ctx).consents  # others untouched


def test_a_header_only_customers_file_duplicates_nothing(ctx, tmp_path, base_1k):
    import_path(base_1k, _store(ctx), PATTERN, DERIVED)
    (consents_before,) = ctx.customers.sql("SELECT count(*) FROM consents")[0]
    folder = _copy(base_1k, tmp_path / "again")
    for part in _files(folder, "customers"):
        part.unlink()
    (folder / "customers").rmdir()
    (folder / "customers.csv").write_text(CUSTOMERS_CSV)
    report = import_path(folder, _store(ctx), PATTERN, DERIVED)
    assert report.customers_imported == 0 and report.customers_total == 1012
    assert set(_duplicate_keys(ctx).values()) == {0}
    (consents_after,) = ctx.customers.sql("SELECT count(*) FROM consents")[0]
    assert consents_after == consents_before


def test_bills_and_their_charges_are_replaced_together(ctx, tmp_path):
    old = data.get_customer_data("U124", ctx=ctx)
    assert any(b.extra_charges for b in old.bills)
    folder = tmp_path / "bills"
    folder.mkdir()
    (folder / "customers.csv").write_text(CUSTOMERS_CSV)
    (folder / "bills.csv").write_text(
        "customer_id,bill_date,plan_name,plan_charge,status\n"
        "U124,2024-03-01,P,45,paid\n"
    )
    import_path(folder, _store(ctx), PATTERN, DERIVED)
    new = data.get_customer_data("U124", ctx=ctx)
    assert [(b.date.isoformat(), b.amount, b.extra_charges) for b in new.bills] == [
        ("2024-03-01", 45.0, [])
    ]
    (folder / "bill_charges.csv").write_text(
        "customer_id,bill_date,kind,amount\nU124,2023-01-01,roaming,5\n"
    )
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert problem.line().endswith(
        "bill_charges.csv: customer_id+bill_date: row 1: no such bill"
    )


@pytest.mark.parametrize("where", ["table", "part", "json", "path"])
def test_a_fifo_is_refused_at_once_and_holds_no_lock(tmp_path, where):
    import subprocess
    import sys

    folder = tmp_path / "extract"
    folder.mkdir()
    fifo = {
        "table": folder / "customers.csv",
        "part": folder / "usage" / "part-0.csv",
        "json": folder / "more.json",
        "path": tmp_path / "pipe.json",
    }[where]
    fifo.parent.mkdir(exist_ok=True)
    if where == "part":
        (folder / "customers.csv").write_text(CUSTOMERS_CSV)
    if where == "json":
        (folder / "a.json").write_text("[]")
    os.mkfifo(fifo)
    target = fifo if where == "path" else folder
    env = {**os.environ, "CVM_STATE_DIR": str(tmp_path / "state")}
    run = [sys.executable, "-m", "assistant", "import", str(target)]
    done = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{fifo}: not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


def _leftovers(state: Path) -> list[Path]:
    spill = state / ".import-spill"
    found = [p for p in state.glob(".customers.duckdb.*") if p.is_file()]
    return found + (list(spill.iterdir()) if spill.is_dir() else [])


def test_a_killed_import_leaves_files_the_next_import_removes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    base = tmp_path / "base"
    generate(60_000, 3, base)
    state = tmp_path / "state"
    env = {**os.environ, "CVM_STATE_DIR": str(state), "CVM_IMPORT_MEMORY": "64MB"}
    run = [sys.executable, "-m", "assistant", "import", str(base)]
    for _attempt in range(3):
        child = subprocess.Popen(run, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if any(p.stat().st_size > 1_000_000 for p in _leftovers(state)):
                break
            time.sleep(0.05)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            child.wait()
            break
    left = _leftovers(state)
    assert left, "the import finished before it could be killed"
    small = tmp_path / "small"
    generate(10, 1, small)
    done = subprocess.run(
        run[:-1] + [str(small)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert _leftovers(state) == []
    assert "store now holds 22 customers" in done.stdout


def test_a_start_removes_a_killed_imports_files_unless_an_import_runs(tmp_path):
    import fcntl

    from tools.store.duck import DuckStore, store_lock

    store = tmp_path / "state" / "customers.duckdb"
    DuckStore(store, DERIVED)  # the sample store
    spill = store.parent / ".import-spill"
    spill.mkdir()
    left = [
        store.parent / f".customers.duckdb.999999.{kind}"
        for kind in ("import", "import.wal", "new")
    ] + [spill / "duckdb_temp_block-1.block"]
    for path in left:
        path.write_bytes(b"x" * 1000)
    mine = store.parent / ".customers.duckdb.notes"  # not a writer's: kept
    mine.write_text("keep")
    with store_lock(store):  # an import at work: its files are not leftovers
        with open(store.with_suffix(".lock")) as other:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert DuckStore(store, DERIVED).count() == 12
        assert all(p.exists() for p in left)
    assert DuckStore(store, DERIVED).count() == 12  # the next start sweeps
    assert [p for p in left if p.exists()] == [] and not spill.exists()
    assert mine.read_text() == "keep"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_many_small_files_import_with_their_own_row_numbers(ctx, tmp_path, suffix):
    folder = tmp_path / "many"
    (folder / "customers").mkdir(parents=True)
    con = duckdb.connect()
    for i in range(700):  # more than one batch of files
        churn = "1.5" if i == 611 else "0.5"
        extra = ",note" if i % 2 else ""
        text = CUSTOMERS_CSV.rstrip("\n") + extra + "\n"
        text += f"U{2000000 + i},A,consumer,5,false,10,P,10,1,en,{churn},2024-03-01,[]"
        text += ",x\n" if i % 2 else "\n"
        path = folder / "customers" / f"part-{i:05d}.csv"
        path.write_text(text)
        if suffix == ".parquet":
            con.execute(
                "COPY (SELECT * FROM read_csv(?, all_varchar = true)) TO ?",
                [str(path), str(path.with_suffix(".parquet"))],
            )
            path.unlink()
    con.close()
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    lines = sorted(p.line() for p in info.value.report.problems)
    assert lines == [
        f"{folder}/customers/part-00611{suffix}: churn_score: row 1: above 1",
        f"{folder}/customers: note: unknown column",
    ]


def _peak_rss_mb(folder: Path, state: Path) -> float:
    """Peak RSS of a fresh ``cvm import`` process (its parent waits for no other)."""
    import subprocess
    import sys

    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'assistant', 'import', "
        "sys.argv[1]], capture_output=True)\n"
        "assert done.returncode == 0, done.stderr.decode()\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    env = {**os.environ, "CVM_STATE_DIR": str(state)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


def test_import_memory_does_not_grow_with_the_number_of_files(tmp_path):
    peaks = []
    for n in (100, 2000):
        folder = tmp_path / f"files{n}"
        (folder / "customers").mkdir(parents=True)
        for i in range(n):
            (folder / "customers" / f"part-{i:05d}.csv").write_text(
                CUSTOMERS_CSV
                + f"U{2000000 + i},A,consumer,5,false,10,P,10,1,en,0.5,2024-03-01,[]\n"
            )
        peaks.append(_peak_rss_mb(folder, tmp_path / f"state{n}"))
    # 20 times the files, the same memory (4 GB for 10k files before batching)
    assert peaks[1] < peaks[0] * 1.25 + 30, peaks
