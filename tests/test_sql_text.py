"""No SQL built from text: paths with quotes and ``'; COPY … --`` stay file names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.cli.main import main
from tools import sql
from tools.errors import ToolInputError
from tools.store.generate import generate

# A name that, pasted into SQL, would close the string and run a second COPY.
CRAFTED = "it's'; COPY (SELECT 42 AS x) TO 'PWNED.csv' (FORMAT csv); --"


def _one(query: str, params: list | None = None) -> tuple:
    con = duckdb.connect()
    try:
        row = con.execute(query, params or []).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


def _pwned(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith("PWNED")]


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """Run in an empty folder, where an injected COPY would write PWNED.csv."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def con():
    """One in-memory database for all examples: opening one costs more than a query."""
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        st.characters(exclude_characters="\x00", exclude_categories=["Cs"]),
        max_size=40,
    )
)
def test_a_literal_reads_back_as_the_same_text(con, value):
    row = con.execute(f"SELECT {sql.literal(value)}").fetchone()
    assert row is not None and row[0] == value
    name = value.strip() or "x"
    described = con.execute(f"SELECT 1 AS {sql.identifier(name)}").description
    assert described is not None and described[0][0] == name


def test_a_nul_character_or_undecodable_bytes_are_refused_in_one_line():
    with pytest.raises(ToolInputError, match="NUL"):
        sql.literal("a\x00b")
    with pytest.raises(ToolInputError, match="not valid UTF-8"):
        sql.identifier(b"caf\xe9".decode("utf-8", "surrogateescape"))


def test_generate_out_with_quotes_writes_there_and_nothing_else(here, capsys):
    out = here / CRAFTED
    assert main(["generate-customers", "--customers", "50", "--out", str(out)]) == 0
    (n,) = _one(
        "SELECT count(*) FROM read_parquet(?)",
        [str(out / "customers" / "part-00000.parquet")],
    )
    assert n == 50
    assert _pwned(here) == []


def test_decide_out_with_quotes_writes_that_file_only(here, capsys):
    for suffix in (".csv", ".parquet"):
        target = here / f"{CRAFTED}{suffix}"
        assert main(["decide", "--all", "--out", str(target)]) == 0, suffix
        reader = "read_csv" if suffix == ".csv" else "read_parquet"
        (n,) = _one(f"SELECT count(*) FROM {reader}(?)", [str(target)])
        assert n == 12  # the sample customers
    assert _pwned(here) == []
    assert not [p for p in here.iterdir() if p.name.startswith(".decide-")]


def test_plan_export_with_quotes_writes_those_files_only(here, capsys):
    export, out = here / f"{CRAFTED}.parquet", here / f"{CRAFTED}-plan.csv"
    assert main(["plan", "--export", str(export), "--out", str(out)]) == 0
    (pairs,) = _one("SELECT count(*) FROM read_parquet(?)", [str(export)])
    assert pairs > 0
    assert out.read_text().startswith("customer_id,treatment_key")
    assert _pwned(here) == []
    assert not [p for p in here.iterdir() if p.name.startswith(".export-")]


def test_an_import_into_a_state_dir_with_quotes(here, monkeypatch, capsys):
    monkeypatch.setenv("CVM_STATE_DIR", str(here / CRAFTED))
    base = here / "base"
    generate(30, 1, base)
    assert main(["import", str(base)]) == 0  # adds: the old store is ATTACHed
    assert "the store now holds 42 customers" in capsys.readouterr().out
    assert _pwned(here) == []


# f-strings that paste a value between quotes into SQL; the only ones allowed build
# column lists from the code's own closed vocabularies (consent channels x purposes,
# interaction topics), never from a file, a flag or a message.
SQL_WORDS = re.compile(
    r"\b(SELECT|COPY|ATTACH|INSERT|CREATE|UPDATE|DELETE|PRAGMA|WHERE|VALUES|FROM"
    r"|AND|AS|OR|IN|LIKE|CAST|TO)\b"
)
QUOTED_VALUE = re.compile("['\"]\x00|\x00['\"]")
VOCABULARY_COLUMNS = {
    "coalesce(bool_or(channel = '\x00' AND \x00), false) AS consent_\x00_\x00",
    "coalesce(bool_or(list_contains(topics, '\x00')), false) AS topic_\x00",
}


def _quoted_values_in_sql(root: Path) -> list[str]:
    found = []
    for file in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = "".join(
                v.value if isinstance(v, ast.Constant) else "\x00" for v in node.values
            )
            if (
                SQL_WORDS.search(text.replace("\x00", " "))
                and QUOTED_VALUE.search(text)
                and text not in VOCABULARY_COLUMNS
            ):
                found.append(f"{file}:{node.lineno}: {text!r}")
    return found


def test_no_sql_pastes_a_value_between_quotes():
    repo = Path(__file__).resolve().parents[1]
    assert _quoted_values_in_sql(repo / "tools") == []
    assert _quoted_values_in_sql(repo / "assistant") == []


def test_the_source_check_finds_a_pasted_path(tmp_path):
    (tmp_path / "bad.py").write_text(
        "def f(con, path):\n"
        "    con.execute(f\"COPY t TO '{path}' (FORMAT csv)\")\n"
        "    con.execute(f'CREATE VIEW v AS SELECT * FROM read_parquet(\"{path}\")')\n"
        '    con.execute(f"SELECT {sql.literal(path)} AS p")\n'
    )
    assert [line.split(":")[1] for line in _quoted_values_in_sql(tmp_path)] == [
        "2",
        "3",
    ]
