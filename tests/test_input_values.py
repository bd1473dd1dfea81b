"""One validator per field: every loader accepts and refuses the same values.

Customer ids (ASCII only: a twin "U١٢٤" of U124 is refused by JSON folders, JSON,
CSV and Parquet imports and analyst input alike), days within 1900-2100, clock
times before 24:00, quiet hours that start and end apart, counts >= 0 and whole,
finite money: refused at load with file, row, column and problem, never stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from assistant.cli.main import main
from tools import data
from tools.config import load_config
from tools.context import ToolContext
from tools.customer_base import DERIVED
from tools.errors import DataFileError, InvalidCustomerIdError
from tools.fields import (
    DEFAULT_ID_PATTERN,
    NOT_ASCII_ID,
    customer_id_problem,
    customer_id_sql,
)
from tools.store import json_files
from tools.store.checks import _column_checks
from tools.store.importer import ImportFailed, import_path
from tools.store.schema import RANGES, TABLES
from tools.store.source import store_path

TWIN = "U\u0661\u0662\u0664"  # U124 in Arabic-Indic digits: \d matches them
SAMPLE = json_files.PACKAGED_DATA_DIR / "customers.json"
CUSTOMER_HEADER = (
    "customer_id,name,segment,tenure_months,vulnerable,monthly_revenue,plan_name,"
    "plan_monthly_fee,plan_lines,language,churn_score,churn_scored_on,"
    "churn_risk_factors"
)


def _customer_row(cid: str) -> str:
    return f"{cid},A,consumer,5,false,10,P,10,1,en,0.5,2024-03-01,[]"


def _twin_record() -> dict:
    doc = json.loads(SAMPLE.read_text())
    (u124,) = [r for r in doc["customers"] if r["customer_id"] == "U124"]
    twin = json.loads(json.dumps(u124))
    twin["customer_id"] = TWIN
    for entry in twin["consents"].values():  # consent U124 does not have
        entry["marketing"] = True
    return twin


@pytest.fixture(scope="module")
def sql():
    """One in-memory DuckDB for the module's examples (a connection costs ~20 ms)."""
    con = duckdb.connect()
    yield con
    con.close()


def _sql_problem(
    con: duckdb.DuckDBPyConnection, value: str, pattern: str
) -> str | None:
    made = "CREATE OR REPLACE TABLE t AS SELECT ?::VARCHAR AS customer_id"
    con.execute(made, [value])
    for cond, problem, params in customer_id_sql("customer_id", pattern):
        found = con.execute(f"SELECT count(*) FROM t WHERE {cond}", params)
        (hit,) = found.fetchone()
        if hit:
            return problem
    return None


# -- customer ids ------------------------------------------------------------------
ID_TEXT = st.text(
    st.sampled_from(list("U0123456789u \t-_x") + ["\u0661", "\uff11", "\u00b2", "K"]),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(
    value=ID_TEXT,
    pattern=st.sampled_from(
        [DEFAULT_ID_PATTERN, r"^U(\d{3}|\d{7,8})$", r"U\w+", r"(?i)u[0-9]{3}", ".*"]
    ),
)
def test_python_and_duckdb_read_every_id_alike(sql, value, pattern):
    assert customer_id_problem(value, pattern) == _sql_problem(sql, value, pattern)


def test_the_default_pattern_is_ascii_digits():
    assert "\\d" not in DEFAULT_ID_PATTERN
    assert customer_id_problem(TWIN, r"^U(\d{3}|\d{7,8})$") == NOT_ASCII_ID
    assert customer_id_problem("U124", r"^U(\d{3}|\d{7,8})$") is None


def test_a_twin_id_in_a_json_data_folder_is_refused(
    tmp_path, write_config, monkeypatch, capsys
):
    doc = json.loads(SAMPLE.read_text())
    doc["customers"].append(_twin_record())
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "customers.json").write_text(json.dumps(doc))
    config_file = write_config(lambda r: r["settings"].update(data_dir=str(folder)))
    monkeypatch.setenv("CVM_CONFIG", str(config_file))
    with pytest.raises(DataFileError) as info:
        data.get_customer_data("U124", ToolContext.create(load_config(config_file)))
    message = str(info.value)
    assert f"record {len(doc['customers']) - 1}" in message
    assert f"customer_id: {NOT_ASCII_ID}" in message
    for argv in (
        ["recommend", "--customer-id", "U124", "--no-allocate"],
        ["ask", "What should we offer U124?"],  # not an apology with exit 0
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and NOT_ASCII_ID in err, err


def test_a_twin_id_is_refused_by_every_import_with_the_same_problem(ctx, tmp_path):
    store = store_path(ctx.config)
    pattern = ctx.config.validation.customer_id_pattern
    (tmp_path / "twin.json").write_text(json.dumps([_twin_record()]))
    csv_folder = tmp_path / "csv"
    csv_folder.mkdir()
    (csv_folder / "customers.csv").write_text(
        f"{CUSTOMER_HEADER}\n{_customer_row(TWIN)}\n"
    )
    parquet_folder = tmp_path / "parquet"
    parquet_folder.mkdir()
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM read_csv(?, all_varchar = true)) TO ?",
        [str(csv_folder / "customers.csv"), str(parquet_folder / "customers.parquet")],
    )
    con.close()
    problems = []
    for source in (tmp_path / "twin.json", csv_folder, parquet_folder):
        with pytest.raises(ImportFailed) as info:
            import_path(source, store, pattern, DERIVED)
        lines = [p.line() for p in info.value.report.problems]
        assert len(lines) == 1, lines
        problems.append(lines[0].rsplit(": ", 1)[-1])
    assert all(p.endswith(NOT_ASCII_ID) for p in problems), problems
    with pytest.raises(InvalidCustomerIdError):
        data.get_customer_data(TWIN, ctx=ctx)
    assert main(["decide", "--customer-id", TWIN]) == 2
    assert data.get_customer_data(" u124 ", ctx=ctx).customer_id == "U124"


# -- bounded values: the same bounds in the record and in the import's SQL -------------
def _sql_accepts(table: str, column, text: str) -> bool:
    con = duckdb.connect()
    try:
        con.execute(
            f"CREATE TABLE stage_{table} AS SELECT ?::VARCHAR AS {column.name}", [text]
        )
        for _, cond, _, params in _column_checks(table, column):
            (hit,) = con.execute(
                f"SELECT count(*) FROM stage_{table} WHERE {cond}", params
            ).fetchone()
            if hit:
                return False
    finally:
        con.close()
    return True


def _values(low, high) -> list[str]:
    if hasattr(low, "year"):
        return [str(low), str(high), "1899-12-31", "2101-01-01", "10000-01-01"]
    out = [low, high, low - 1, high + 1, low + 0.5]
    return [str(v) for v in out] + ["inf", "nan", "-0"]


BOUNDED = [
    (table, col)
    for table, cols in TABLES.items()
    for col in cols
    if (table, col.name) in RANGES
]


@pytest.mark.parametrize(
    ("table", "column"), BOUNDED, ids=[f"{t}.{c.name}" for t, c in BOUNDED]
)
def test_a_column_is_bounded_as_the_record_field_of_its_kind(table, column):
    adapter = TypeAdapter(column.kind)
    for text in _values(*RANGES[(table, column.name)]):
        try:
            adapter.validate_python(text)
            record_ok = True
        except ValidationError:
            record_ok = False
        assert _sql_accepts(table, column, text) == record_ok, (text, record_ok)


BAD_ROWS = [
    (
        "do_not_disturb",
        "customer_id,starts,ends\nU124,22:00,22:00\n",
        "starts+ends",
        "starts and ends at the same time",
    ),
    (
        "do_not_disturb",
        "customer_id,starts,ends\nU124,22:00,24:00\n",
        "ends",
        "not a time before 24:00",
    ),
    (
        "usage",
        "customer_id,reading_date,data_gb,voice_minutes,sms_count,roaming_gb\n"
        "U124,2024-03-01,1.5,-5,0,0\n",
        "voice_minutes",
        "below 0",
    ),
    (
        "usage",
        "customer_id,reading_date,data_gb,voice_minutes,sms_count,roaming_gb\n"
        "U124,2024-03-01,1.5,2.5,0,0\n",
        "voice_minutes",
        "not a whole number",
    ),
    (
        "bills",
        "customer_id,bill_date,plan_name,plan_charge,status\n"
        "U124,10000-01-01,P,10,paid\n",
        "bill_date",
        "above 2100-12-31",
    ),
    (
        "bills",
        "customer_id,bill_date,plan_name,plan_charge,status\n"
        "U124,2024-03-01,P,inf,paid\n",
        "plan_charge",
        "not a valid decimal(12,2)",
    ),
]


@pytest.mark.parametrize(
    ("table", "text", "column", "problem"),
    BAD_ROWS,
    ids=[f"{t}-{p.split()[-1]}" for t, _, _, p in BAD_ROWS],
)
def test_a_value_out_of_bounds_is_refused_at_import(
    ctx, tmp_path, capsys, table, text, column, problem
):
    folder = tmp_path / "extract"
    folder.mkdir()
    row = _customer_row("U124")
    (folder / "customers.csv").write_text(f"{CUSTOMER_HEADER}\n{row}\n")
    (folder / f"{table}.csv").write_text(text)
    ctx.customers.count()
    before = os.stat(store_path(ctx.config))
    assert main(["import", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{table}.csv: {column}: row 1: {problem}" in err, err
    assert "Traceback" not in err
    after = os.stat(store_path(ctx.config))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    argv = ["recommend", "--customer-id", "U124", "--no-allocate", "--json"]
    assert main(argv) == 0  # the store still reads
    capsys.readouterr()


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            lambda r: r.update(do_not_disturb="22:00-22:00"),
            "do_not_disturb",
            "starts and ends at the same time",
        ),
        (
            lambda r: r.update(do_not_disturb="22:00-24:00"),
            "do_not_disturb",
            "not a window",
        ),
        (
            lambda r: r["usage"][0].update(voice_minutes=-5),
            "usage.0.voice_minutes",
            "greater than or equal to 0",
        ),
        (
            lambda r: r["bills"][0].update(date="2101-01-01"),
            "bills.0.date",
            "less than or equal to 2100-12-31",
        ),
        (
            lambda r: r["churn"].update(scored_on="1899-12-31"),
            "churn.scored_on",
            "greater than or equal to 1900-01-01",
        ),
    ],
    ids=["dnd-same", "dnd-24", "voice-negative", "bill-2101", "churn-1899"],
)
def test_the_same_values_are_refused_in_a_json_import(
    ctx, tmp_path, change, key, problem
):
    record = _twin_record()
    record["customer_id"] = "U5550001"
    change(record)
    (tmp_path / "one.json").write_text(json.dumps([record]))
    pattern = ctx.config.validation.customer_id_pattern
    with pytest.raises(ImportFailed) as info:
        import_path(tmp_path / "one.json", store_path(ctx.config), pattern, DERIVED)
    (line,) = [p.line() for p in info.value.report.problems]
    assert key in line and problem in line, line


def test_a_json_folder_with_an_impossible_value_is_one_line(tmp_path, write_config):
    doc = json.loads(SAMPLE.read_text())
    doc["customers"][1]["do_not_disturb"] = "08:00-08:00"
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "customers.json").write_text(json.dumps(doc))
    config = load_config(
        write_config(lambda r: r["settings"].update(data_dir=str(folder)))
    )
    with pytest.raises(DataFileError, match="record 1.*do_not_disturb.*same time"):
        data.get_customer_data("U124", ToolContext.create(config))


def test_store_paths_are_plain_paths(ctx):
    assert isinstance(store_path(ctx.config), Path)
