"""Typed Parquet written once while staged (``tools.store.typed``): same store, same
problems as the general path (CSV text, checked where it lies and cast)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from benchmarks.same_store import compare_duck, compare_points
from tools.customer_base import DERIVED
from tools.store import stage
from tools.store.generate import generate
from tools.store.importer import ImportFailed, import_path
from tools.store.points import points_path
from tools.store.schema import TABLES

PATTERN = r"^U(\d{3}|\d{7})$"


@pytest.fixture(scope="module")
def base_300(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base300")
    generate(300, 11, out)
    return out


@pytest.fixture
def typed_calls(monkeypatch) -> dict[str, str | None]:
    """Which tables the import wrote typed while staging (table: typed name)."""
    seen: dict[str, str | None] = {}
    real = stage.write_typed

    def spy(con, table):
        seen[table] = real(con, table)
        return seen[table]

    monkeypatch.setattr(stage, "write_typed", spy)
    return seen


def _as_csv(base: Path, folder: Path) -> Path:
    folder.mkdir()
    for table in TABLES:
        duckdb.sql(
            f"COPY (SELECT * FROM read_parquet('{base}/{table}/*.parquet')) "
            f"TO '{folder}/{table}.csv' (HEADER)"
        )
    return folder


def _rewrite(base: Path, folder: Path, table: str, select: str) -> Path:
    """A copy of ``base`` whose ``table`` is ``select`` over its rows (``t``)."""
    shutil.copytree(base, folder)
    parts = sorted((folder / table).glob("*.parquet"))
    duckdb.sql(
        f"COPY (WITH t AS (SELECT * FROM read_parquet('{base}/{table}/*.parquet')) "
        f"{select}) TO '{folder}/{table}.parquet' (FORMAT parquet)"
    )
    for part in parts:
        part.unlink()
    (folder / table).rmdir()
    return folder


def test_typed_parquet_and_the_same_base_as_csv_store_the_same(
    tmp_path, base_300, typed_calls
):
    typed, text = (
        tmp_path / "a" / "customers.duckdb",
        tmp_path / "b" / "customers.duckdb",
    )
    import_path(base_300, typed, PATTERN, DERIVED, replace=True)
    written = {t for t, name in typed_calls.items() if name}
    assert written == set(TABLES)  # every generated table took the typed path
    typed_calls.clear()
    import_path(_as_csv(base_300, tmp_path / "csv"), text, PATTERN, DERIVED, True)
    assert not typed_calls  # CSV text: the general path
    assert compare_duck(typed, text) == []
    assert compare_points(points_path(typed), points_path(text)) == []


def test_an_empty_required_value_in_typed_parquet_is_named_with_its_rows(
    tmp_path, base_300, typed_calls
):
    folder = _rewrite(
        base_300,
        tmp_path / "empty",
        "customers",
        "SELECT * REPLACE (CASE WHEN customer_id IN ('U1000003', 'U1000007') "
        "THEN NULL ELSE name END AS name) FROM t ORDER BY customer_id",
    )
    store = tmp_path / "s" / "customers.duckdb"
    with pytest.raises(ImportFailed) as info:
        import_path(folder, store, PATTERN, DERIVED)
    lines = [p.line() for p in info.value.report.problems]
    assert lines == [
        f"{folder}/customers.parquet: name: row 4, 8: empty value (2 rows)"
    ]
    assert typed_calls["customers"] is None  # the general path named them
    assert typed_calls["usage"] == "typed_usage"


def test_rows_of_unknown_customers_in_typed_parquet_are_named_with_their_rows(
    tmp_path, base_300, typed_calls
):
    folder = _rewrite(
        base_300,
        tmp_path / "orphans",
        "usage",
        "SELECT * REPLACE (CASE WHEN customer_id = 'U1000005' THEN 'U1999999' "
        "ELSE customer_id END AS customer_id) FROM t ORDER BY customer_id, "
        "reading_date",
    )
    store = tmp_path / "s" / "customers.duckdb"
    with pytest.raises(ImportFailed) as info:
        import_path(folder, store, PATTERN, DERIVED)
    (problem,) = info.value.report.problems
    assert typed_calls["usage"] == "typed_usage"
    assert problem.line() == (
        f"{folder}/usage.parquet: customer_id: row 898, 899, 900: "
        "no such customer (3 rows)"
    )
    assert not store.exists() or not list(store.parent.glob(".*import*"))


def test_a_bad_id_in_a_typed_child_table_is_counted_per_row(
    tmp_path, base_300, typed_calls
):
    folder = _rewrite(
        base_300,
        tmp_path / "bad_id",
        "usage",
        "SELECT * REPLACE (CASE WHEN customer_id = 'U1000005' THEN 'X1000005' "
        "ELSE customer_id END AS customer_id) FROM t ORDER BY reading_date, "
        "customer_id",
    )
    store = tmp_path / "s" / "customers.duckdb"
    with pytest.raises(ImportFailed) as info:
        import_path(folder, store, PATTERN, DERIVED)
    assert typed_calls["usage"] == "typed_usage"
    lines = [p.line() for p in info.value.report.problems]
    rows = "row 300, 600, 900"  # the file's own rows (by date, then id)
    assert lines == [
        f"{folder}/usage.parquet: customer_id: {rows}: does not match the id "
        f"pattern {PATTERN} (3 rows)",
    ]


def test_the_store_comparison_sees_a_changed_value_and_a_changed_order(
    tmp_path, base_300
):
    a = tmp_path / "a" / "customers.duckdb"
    import_path(base_300, a, PATTERN, DERIVED, replace=True)
    b = tmp_path / "b" / "customers.duckdb"
    b.parent.mkdir()
    shutil.copyfile(a, b)
    shutil.copyfile(points_path(a), points_path(b))
    assert (
        compare_duck(a, b) == []
        and compare_points(points_path(a), points_path(b)) == []
    )
    with duckdb.connect(str(b)) as con:
        con.execute("UPDATE usage SET data_gb = data_gb + 0.01 WHERE rowid = 7")
        con.execute(
            "CREATE TEMP TABLE t AS SELECT * FROM consents ORDER BY customer_id DESC"
        )
        con.execute("DELETE FROM consents")
        con.execute("INSERT INTO consents SELECT * FROM t")
    problems = compare_duck(a, b)
    assert len(problems) == 2, problems
    assert "consents" in problems[0] and "stored order DIFFERS" in problems[0]
    assert "usage" in problems[1] and "1 only in A, 1 only in B" in problems[1]
