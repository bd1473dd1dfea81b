"""The customer store, the generator, the importer and the one decision kernel."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tools import data
from tools.context import ToolContext
from tools.customer_base import DERIVED
from tools.errors import UnknownCustomerError
from tools.kernel.batch import decide_ids, decide_where, iter_decisions
from tools.store import json_files
from tools.store.generate import generate
from tools.store.importer import ImportFailed, import_path
from tools.store.source import store_path

PATTERN = r"^U(\d{3}|\d{7,8})$"


@pytest.fixture(scope="module")
def base_1k(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base1k")
    generate(1000, 7, out)
    return out


def _store(ctx: ToolContext) -> Path:
    return store_path(ctx.config)


def test_import_then_one_customer_and_the_sample_stay(ctx, base_1k):
    report = import_path(base_1k, _store(ctx), PATTERN, DERIVED)
    assert report.ok and report.customers_imported == 1000
    assert report.customers_total == 1012  # the sample is kept
    c = data.get_customer_data("U1000123", ctx=ctx)
    assert c.customer_id == "U1000123" and len(c.bills) == 3 and c.consents
    assert data.get_customer_data("U124", ctx=ctx).name == "Priya Shah"
    assert ctx.customers.count() == 1012


def test_import_replace_makes_the_import_the_whole_base(ctx, base_1k):
    import_path(base_1k, _store(ctx), PATTERN, DERIVED, replace=True)
    assert ctx.customers.count() == 1000
    with pytest.raises(UnknownCustomerError):
        data.get_customer_data("U124", ctx=ctx)


def test_a_bad_import_changes_nothing_and_names_file_column_row(ctx, tmp_path):
    ctx.customers.count()  # the sample store exists
    before = os.stat(_store(ctx))
    bad = tmp_path / "bad"
    bad.mkdir()
    rows = [
        "customer_id,name,segment,tenure_months,vulnerable,monthly_revenue,"
        "plan_name,plan_monthly_fee,plan_lines,language,churn_score,"
        "churn_scored_on,churn_risk_factors,time_zone",
        "U2000001,A,consumer,5,false,10,P,10,1,en,0.5,2024-03-01,[],Europe/London",
        "U2000002,B,consumer,5,false,10,P,10,1,en,1.7,2024-03-01,[],Europe/London",
        "U2000002,C,consumer,x,false,10,P,10,1,en,0.2,2024-03-01,[],Mars/Base",
        "U12,D,consumer,5,false,nan,P,10,1,en,inf,2024-03-01,[],",
    ]
    (bad / "customers.csv").write_text("\n".join(rows) + "\n")
    (bad / "bills.csv").write_text(
        "customer_id,bill_date,plan_name,plan_charge,status\n"
        "U9999999,2024-03-01,P,10,paid\n"
    )
    with pytest.raises(ImportFailed) as info:
        import_path(bad, _store(ctx), PATTERN, DERIVED)
    lines = [p.line() for p in info.value.report.problems]
    text = "\n".join(lines)
    assert "customers.csv: churn_score: row 2, 4: above 1 (2 rows)" in text
    assert "customers.csv: tenure_months: row 3: not a valid integer" in text
    assert "customers.csv: time_zone: row 3: unknown time zone" in text
    assert "customers.csv: monthly_revenue: row 4: not a valid decimal(12,2)" in text
    assert "customers.csv: churn_score: row 4: not a finite number" in text
    assert "customers.csv: customer_id: row 4: does not match the id pattern" in text
    assert "customers.csv: customer_id: row 2, 3: duplicate key (2 rows)" in text
    after = os.stat(_store(ctx))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert ctx.customers.count() == 12
    assert not list(_store(ctx).parent.glob(".*import*"))


def test_orphan_rows_are_refused(ctx, tmp_path, base_1k):
    folder = tmp_path / "orphans"
    shutil.copytree(base_1k, folder)
    duckdb.sql(
        "COPY (SELECT * REPLACE ('U7654321' AS customer_id, "
        f"(row_number() OVER ())::INTEGER AS seq) FROM '{base_1k}/offers/*.parquet' "
        f"LIMIT 2) TO '{folder}/offers/part-00001.parquet'"
    )
    with pytest.raises(ImportFailed) as info:
        import_path(folder, _store(ctx), PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert problem.column == "customer_id" and problem.problem == "no such customer"
    assert problem.count == 2


def test_json_records_import_through_record_validation(ctx, tmp_path):
    raw = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())
    new = dict(raw["customers"][1], customer_id="U5550001")
    (tmp_path / "more.json").write_text(json.dumps({"customers": [new]}))
    assert import_path(tmp_path / "more.json", _store(ctx), PATTERN, DERIVED).ok
    assert data.get_customer_data("U5550001", ctx=ctx).name == "Priya Shah"
    broken = dict(new, customer_id="U5550002", churn={"score": "high"})
    (tmp_path / "bad.json").write_text(json.dumps([broken]))
    with pytest.raises(ImportFailed) as info:
        import_path(tmp_path / "bad.json", _store(ctx), PATTERN, DERIVED)
    assert "record 0" in info.value.report.problems[0].line()


def test_readers_see_a_new_import_without_restarting(ctx, base_1k):
    assert ctx.customers.count() == 12
    import_path(base_1k, _store(ctx), PATTERN, DERIVED)
    assert ctx.customers.count() == 1012


def test_kernel_batch_of_one_equals_the_batch(ctx, base_1k):
    import_path(base_1k, _store(ctx), PATTERN, DERIVED)
    whole = decide_where(ctx.customers, ctx.config)
    ids = ["U1000500", "U124", "U1000001"]
    few = decide_ids(ctx.customers, ctx.config, ids)
    for i, cid in enumerate(few.customer_id):
        j = int(np.flatnonzero(whole.customer_id == cid)[0])
        assert few.best[i] == whole.best[j]
        assert np.array_equal(few.expected_value[i], whole.expected_value[j])
        assert np.array_equal(few.lawful[i], whole.lawful[j])
    chunks = list(iter_decisions(ctx.customers, ctx.config, chunk=300))
    assert len(chunks) == 4
    assert np.array_equal(np.concatenate([c.best for c in chunks]), whole.best)


def test_unknown_ids_are_simply_absent_from_a_batch(ctx):
    d = decide_ids(ctx.customers, ctx.config, ["U124", "U7777777"])
    assert list(d.customer_id) == ["U124"]


def test_records_are_built_in_slices_and_all_land(ctx, base_1k, monkeypatch):
    from tools.kernel import features

    monkeypatch.setattr(features, "RECORDS_SLICE", 300)
    import_path(base_1k, _store(ctx), PATTERN, DERIVED)
    (n,) = ctx.customers.sql("SELECT count(*) FROM customer_records")[0]
    assert n == 1012
    for cid in ("U1000000", "U1000299", "U1000300", "U1000999", "U999"):
        assert data.get_customer_data(cid, ctx=ctx).customer_id == cid
