"""The generator: deterministic by seed, written in parts, plausible distributions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assistant.cli.main import main
from tools.config import get_config
from tools.customer_base import DERIVED
from tools.errors import ToolInputError
from tools.store.generate import generate
from tools.store.generate.catalogue import SEGMENTS
from tools.store.importer import import_path
from tools.store.schema import TABLES
from tools.store.source import store_path

N = 20_000
PATTERN = get_config().validation.customer_id_pattern


def _one(sql: str) -> tuple:
    (row,) = duckdb.sql(sql).fetchall()
    return row


def _digest(folder: Path, table: str) -> str:
    (digest,) = _one(
        "SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) "
        f"FROM '{folder}/{table}/*.parquet' t"
    )
    return str(digest)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base20k")
    generate(N, 3, out)
    return out


@pytest.fixture(scope="module")
def q(base):
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM '{base}/{table}/*.parquet'")
    config = get_config().value
    con.execute(
        "CREATE VIEW risk AS SELECT *, churn_score * monthly_revenue::DOUBLE * "
        f"{config.margin_rate} * {config.horizon_months} AS value_at_risk "
        "FROM customers"
    )

    def run(sql: str) -> tuple:
        row = con.execute(sql).fetchone()
        assert row is not None
        return tuple(float(v) if v is not None else None for v in row)

    return run


def test_deterministic_by_seed_and_written_in_parts(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    rows = generate(300, 5, a, chunk=128)
    generate(300, 5, b, chunk=128)
    generate(300, 6, c, chunk=128)
    for table in ("customers", "consents", "bills", "usage", "interactions", "offers"):
        digests = [_digest(d, table) for d in (a, b, c)]
        assert digests[0] == digests[1], table
        assert digests[0] != digests[2], table
    parts = sorted(p.name for p in (a / "customers").iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    ids = _one(
        f"SELECT min(customer_id), max(customer_id), count(DISTINCT customer_id) "
        f"FROM '{a}/customers/*.parquet'"
    )
    assert ids == ("U1000000", "U1000299", 300)
    assert rows["customers"] == 300 and rows["consents"] == 1200
    assert rows["usage"] == rows["bills"] == 900


def test_a_smaller_base_is_the_start_of_a_bigger_one(tmp_path):
    small, big = tmp_path / "small", tmp_path / "big"
    generate(256, 9, small, chunk=128)
    generate(300, 9, big, chunk=128)
    for table in ("customers", "bills", "interactions"):
        (head,) = _one(
            "SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM "
            f"'{big}/{table}/*.parquet' t WHERE customer_id < 'U1000256'"
        )
        assert head == _digest(small, table), table


def test_regenerating_with_force_replaces_only_the_old_base(tmp_path):
    out = tmp_path / "base"
    generate(300, 1, out, chunk=100)
    (out / "notes.txt").write_text("the analyst's own notes")
    with pytest.raises(ToolInputError, match="not empty"):
        generate(150, 1, out, chunk=100)
    generate(150, 1, out, chunk=100, force=True)
    assert len(list((out / "customers").iterdir())) == 2
    (n,) = _one(f"SELECT count(*) FROM '{out}/customers/*.parquet'")
    assert n == 150
    assert (out / "notes.txt").read_text() == "the analyst's own notes"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_folder_with_the_users_files_is_never_written_over(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "customers").mkdir(parents=True)
    (out / "customers" / "part-00000.parquet").write_bytes(b"my own table")
    (out / "bills.csv").write_text("customer_id\nU124\n")
    before = _tree(out)
    argv = ["generate-customers", "--customers", "20", "--out", str(out)]
    assert main(argv) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "was not written by generate-customers" in err
    assert _tree(out) == before  # nothing deleted, nothing added


def test_a_failed_run_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "base"
    generate(100, 1, out, chunk=50)
    before = _tree(out)
    from tools.store.generate import writer

    calls = []

    def failing(self, table, part, cols):
        calls.append(table)
        if len(calls) > 12:
            raise OSError(28, "No space left on device")
        return real(self, table, part, cols)

    real = writer.PartWriter.write
    monkeypatch.setattr(writer.PartWriter, "write", failing)
    with pytest.raises(OSError):
        generate(200, 2, out, chunk=50, force=True)
    assert _tree(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".cvm-generate-")]


@pytest.mark.parametrize(
    ("customers", "problem"),
    [
        ("1000000000000", "must be between 1 and 50,000,000"),
        ("0", "must be between 1 and 50,000,000"),
        ("40000000", "GB free"),
    ],
)
def test_customers_are_bounded_by_the_limit_and_the_disk(
    tmp_path, monkeypatch, capsys, customers, problem
):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10**9, 0, 10**9))
    out = tmp_path / "big"
    argv = ["generate-customers", "--customers", customers, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and problem in err, err
    assert not out.exists()


def test_the_parts_import_as_one_base(ctx, tmp_path):
    out = tmp_path / "base"
    generate(500, 2, out, chunk=200)
    report = import_path(out, store_path(ctx.config), PATTERN, DERIVED, replace=True)
    assert report.ok and report.customers_total == 500
    assert report.rows["consents"] == 2000 and report.rows["bills"] == 1500
    card = ctx.customers.get("U1000499")
    assert card is not None and card.customer_id == "U1000499"


def test_revenue_is_plausible_and_capped_per_segment(q):
    for seg in SEGMENTS:
        median, p99, top, share = q(
            "SELECT median(monthly_revenue::DOUBLE), "
            "quantile_cont(monthly_revenue::DOUBLE, 0.99), max(monthly_revenue), "
            f"count(*) / {N} FROM customers WHERE segment = '{seg.name}'"
        )
        assert top <= seg.revenue_cap, seg.name
        assert abs(share - seg.share) < 0.02, seg.name
        low, high, p99_max = {
            "consumer": (15, 50, 100),
            "family": (50, 130, 250),
            "senior": (8, 25, 60),
            "small_business": (40, 160, 700),
            "enterprise": (300, 1500, 4000),
        }[seg.name]
        assert low <= median <= high and p99 <= p99_max, (seg.name, median, p99)
    (arpu,) = q("SELECT avg(monthly_revenue) FROM customers")
    assert 30 <= arpu <= 90


def test_value_at_risk_has_no_runaway_tail(q):
    p50, p99, top, mean = q(
        "SELECT median(value_at_risk), quantile_cont(value_at_risk, 0.99), "
        "max(value_at_risk), avg(value_at_risk) FROM risk"
    )
    assert 10 <= p50 <= 60
    assert 150 <= p99 <= 1_000  # was ~£32k
    assert top <= 10_000  # was £138k
    assert 25 <= mean <= 100


def test_tenure_churn_vulnerable_and_time_zones(q):
    median, new, top, churn, high, vulnerable, london, unknown = q(
        "SELECT median(tenure_months), avg((tenure_months <= 3)::INT), "
        "max(tenure_months), avg(churn_score), avg((churn_score >= 0.6)::INT), "
        "avg(vulnerable::INT), avg((time_zone = 'Europe/London')::INT), "
        "avg((time_zone IS NULL)::INT) FROM customers"
    )
    assert 24 <= median <= 60 and 0.02 <= new <= 0.08 and top <= 240
    assert 0.15 <= churn <= 0.3 and 0.02 <= high <= 0.08
    assert 0.02 <= vulnerable <= 0.07 and london >= 0.9 and 0.01 <= unknown <= 0.05
    senior, consumer = q(
        "SELECT avg(vulnerable::INT) FILTER (WHERE segment = 'senior'), "
        "avg(vulnerable::INT) FILTER (WHERE segment = 'consumer') FROM customers"
    )
    assert senior >= 3 * consumer


def test_consent_rates_per_channel_and_purpose(q):
    rates = {
        ch: q(
            "SELECT avg(marketing::INT), avg(service::INT), avg(billing::INT) "
            f"FROM consents WHERE channel = '{ch}'"
        )
        for ch in ("call", "sms", "email", "push")
    }
    marketing = {ch: r[0] for ch, r in rates.items()}
    assert marketing["push"] < marketing["call"] < marketing["sms"] < marketing["email"]
    assert 0.2 <= marketing["push"] and marketing["email"] <= 0.7
    for ch in ("call", "sms", "email"):
        assert rates[ch][1] >= 0.85 and rates[ch][2] >= 0.9, ch
    (none,) = q(
        "SELECT avg((NOT m)::INT) FROM (SELECT bool_or(marketing) AS m FROM consents "
        "GROUP BY customer_id)"
    )
    assert 0.1 <= none <= 0.3  # ~6% object to all marketing, more never opted in


def test_usage_overage_roaming_and_bills(q):
    over, ratio_p50 = q(
        "SELECT avg((u.data_gb > c.plan_data_allowance_gb)::INT), "
        "median(u.data_gb / c.plan_data_allowance_gb) "
        "FROM usage u JOIN customers c USING (customer_id)"
    )
    assert 0.05 <= over <= 0.15 and 0.35 <= ratio_p50 <= 0.7
    (consumer_overage,) = q(
        "SELECT max(b.amount) FROM bill_charges b JOIN customers c "
        "USING (customer_id) WHERE b.kind = 'data_overage' AND c.segment = 'consumer'"
    )
    assert consumer_overage <= 30
    roamers, roaming_top, roaming_p50 = q(
        "SELECT count(DISTINCT customer_id) FILTER (WHERE kind = 'roaming') / "
        f"{N}, max(amount) FILTER (WHERE kind = 'roaming'), "
        "median(amount) FILTER (WHERE kind = 'roaming') FROM bill_charges"
    )
    assert 0.03 <= roamers <= 0.15 and roaming_top <= 150 and 5 <= roaming_p50 <= 30
    (overdue,) = q("SELECT avg((status = 'overdue')::INT) FROM bills")
    assert 0.01 <= overdue <= 0.05


def test_network_problems_by_region_and_interactions(q):
    highlands, wales, london = q(
        "SELECT avg((n.quality = 'poor')::INT) FILTER (WHERE c.region = 'Highlands'), "
        "avg((n.quality = 'poor')::INT) FILTER (WHERE c.region = 'Wales'), "
        "avg((n.quality = 'poor')::INT) FILTER (WHERE c.region = 'London') "
        "FROM network n JOIN customers c USING (customer_id)"
    )
    assert highlands > 3 * london and wales > 2 * london and london < 0.06
    per_customer, negative, most = q(
        f"SELECT count(*) / {N}, avg((sentiment = 'negative')::INT), "
        "max(seq) + 1 FROM interactions"
    )
    assert 0.5 <= per_customer <= 2 and negative <= 0.6 and most <= 10
    poor_talk, good_talk = q(
        "WITH p AS (SELECT customer_id, bool_or(quality = 'poor') AS poor "
        "FROM network GROUP BY 1), t AS (SELECT customer_id, "
        "bool_or(list_contains(topics, 'network_issue')) AS talk "
        "FROM interactions GROUP BY 1) SELECT "
        "avg(coalesce(t.talk, false)::INT) FILTER (WHERE p.poor), "
        "avg(coalesce(t.talk, false)::INT) FILTER (WHERE NOT p.poor) "
        "FROM p LEFT JOIN t USING (customer_id)"
    )
    assert poor_talk > 2 * good_talk  # complaints follow the network


def test_imported_base_gives_bounded_decisions(ctx, base):
    from tools.kernel.batch import iter_decisions
    from tools.kernel.signals import SIGNALS

    import_path(base, store_path(ctx.config), PATTERN, DERIVED, replace=True)
    names = ("high_churn_risk", "bill_shock", "poor_network", "data_over_allowance")
    counts = dict.fromkeys(names, 0)
    best_ev: list[float] = []
    for d in iter_decisions(ctx.customers, ctx.config):
        for name in names:
            counts[name] += int(d.signals[:, SIGNALS.index(name)].sum())
        best_ev += d.best_ev.tolist()
    n = len(best_ev)
    assert n == N
    share = {k: v / n for k, v in counts.items()}
    assert 0.02 <= share["high_churn_risk"] <= 0.08
    assert 0.05 <= share["bill_shock"] <= 0.3
    assert 0.02 <= share["poor_network"] <= 0.1
    assert 0.05 <= share["data_over_allowance"] <= 0.2
    best_ev.sort()
    assert best_ev[-1] <= 5_000 and best_ev[int(0.99 * n)] <= 500


def test_cli_writes_parts_and_refuses_bad_input_in_one_line(tmp_path):
    cvm = [sys.executable, "-m", "assistant", "generate-customers"]
    env = {**os.environ}
    out = subprocess.run(
        [
            *cvm,
            "--customers",
            "50",
            "--seed",
            "4",
            "--out",
            str(tmp_path / "b"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["rows"]["customers"] == 50 and payload["seed"] == 4
    assert (tmp_path / "b" / "customers" / "part-00000.parquet").is_file()
    (tmp_path / "file").write_text("x")
    for args, message in (
        (["--customers", "5", "--seed", "-1", "--out", str(tmp_path / "c")], "--seed"),
        (["--customers", "5", "--out", str(tmp_path / "file")], "not a folder"),
    ):
        bad = subprocess.run(
            [*cvm, *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert bad.returncode == 2, bad.stderr
        lines = bad.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], bad.stderr
