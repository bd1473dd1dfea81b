"""The ``cvm`` decision commands: their exit codes, output and ledger effects.

Most commands run in this process (``cvm``: :func:`tests.cli_run.in_process`, the
command's own ``main``, its exit code, stdout and stderr): a process start is ~0.4 s
of CPU each. What only a process shows starts real ones (:func:`run`): eight
processes racing for two slots, a broken configuration's one line from the entry
point, a reader that goes away (exit 141), what importing the tools loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import in_process as cvm
from tools.context import ToolContext

CVM = [sys.executable, "-m", "assistant"]
# marketing call consent and no open service problem (SUITABILITY) on the sample
CALLABLE = ["U127", "U128", "U130", "U131", "U999"]


def run(args, env=None, **kw):
    """``cvm args`` in a process of its own."""
    return subprocess.run(
        CVM + args,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kw,
    )


def test_recommend_json_never_selects_an_unconsented_treatment(capsys):
    # The command's own code once per customer, in this process: a process start per
    # customer tested the entry point twelve times (other tests here start it).
    from assistant.cli.main import main
    from tools.config import get_config
    from tools.data import customer_ids, get_customer_data

    config = get_config()
    for cid in customer_ids():
        code = main(["recommend", "--customer-id", cid, "--book", "--yes", "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        result = json.loads(out.out)
        assert result["customer_id"] == cid
        key = result["selected_treatment"]
        t = config.treatments[key]
        ch = config.consent_channel(t.channel)
        if ch:
            assert get_customer_data(cid, ToolContext.create()).has_consent(
                ch, t.purpose
            ), (cid, key)
        assert result["status"] in {"allocated", "allocated_alternative", "no_action"}
        if result["allocation"]:
            assert result["allocation"]["treatment_key"] == key


def test_recommend_only_recommends_and_book_needs_approval():
    plain = cvm(["recommend", "--customer_id", "U124,U126", "--json"])
    assert [r["status"] for r in json.loads(plain.stdout)] == ["recommended"] * 2
    assert json.loads(cvm(["allocations", "--json"]).stdout) == []
    refused = cvm(["recommend", "--customer-id", "U124", "U125", "U126", "--book"])
    assert refused.returncode == 1 and refused.stderr.startswith("refused: APPROVAL")
    assert json.loads(cvm(["allocations", "--json"]).stdout) == []


def test_recommend_book_yes_books_the_bill_review_once_never_the_runner_up():
    book = ["recommend", "--customer-id", "U124", "--book", "--yes", "--json"]
    first = json.loads(cvm(book).stdout)
    assert first["selected_treatment"] == "bill_review_call"
    assert first["status"] == "allocated" and first["explanation"]
    second = json.loads(cvm(book).stdout)
    assert second["status"] == "already_booked"
    assert second["allocation"]["treatment_key"] == "bill_review_call"
    booked = json.loads(cvm(["allocations", "--json"]).stdout)
    assert [b["treatment_key"] for b in booked] == ["bill_review_call"]


def test_pipeline_falls_back_when_the_ledger_changed_since_the_recommendation(
    ctx, monkeypatch
):
    from assistant.cli import pipeline
    from tools.allocation import allocate_treatment
    from tools.treatment import recommend_treatment

    stale = recommend_treatment("U125", ctx)
    assert stale.top.treatment_key == "service_call_back"
    for cid in ("U123", "U124", "U127", "U128"):  # the 4 standard slots of 5
        allocate_treatment(cid, "service_call_back", "other", ctx)
    monkeypatch.setattr(pipeline, "recommend_treatment", lambda cid, c: stale)
    result = pipeline.run_pipeline("U125", ctx, approved_by="ana")
    assert result.refusals[0].rule == "CAPACITY"
    assert result.status == "allocated_alternative"
    assert result.selected_treatment != "service_call_back"
    assert result.allocation and result.allocation.approved_by == "ana"


def test_allocate_refusal_exit_code_and_rule():
    out = cvm(
        [
            "allocate",
            "--customer-id",
            "U124",
            "--treatment-key",
            "retention_sms",
            "--yes",
        ]
    )
    assert out.returncode == 1 and "CONSENT" in out.stderr
    out = cvm(
        ["allocate", "--customer-id", "U124", "--treatment-key", "retention_email"]
    )
    assert out.returncode == 1 and "APPROVAL" in out.stderr


def test_eight_allocate_processes_started_at_once(tmp_path):
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            CVM
            + [
                "allocate",
                "--customer-id",
                cid,
                "--treatment-key",
                "marketing_call_back",
                "--yes",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for cid in CALLABLE
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        results.append((p.returncode, out, err))
    seen = "\n".join(f"exit {code}: {err.strip()}" for code, _, err in results)
    assert [code for code, _, _ in results].count(0) == 2, seen
    refused = [err for code, _, err in results if code != 0]
    assert len(refused) == 3 and all("CAPACITY" in err for err in refused), seen
    listed = json.loads(run(["allocations", "--json"]).stdout)
    assert len(listed) == 2


def test_constraints_and_allocations_and_reset():
    cvm(
        [
            "allocate",
            "--customer-id",
            "U124",
            "--treatment-key",
            "bill_review_call",
            "--yes",
        ]
    )
    report = json.loads(cvm(["constraints", "--json"]).stdout)
    row = next(
        t for t in report["treatments"] if t["treatment_key"] == "bill_review_call"
    )
    assert (row["used"], row["remaining"]) == (1, 9)
    assert "bill_review_call" in cvm(["allocations"]).stdout
    assert cvm(["reset-constraints"]).returncode == 1
    assert "released 1" in cvm(["reset-constraints", "--yes"]).stdout
    assert json.loads(cvm(["allocations", "--json"]).stdout) == []


@pytest.mark.parametrize(
    "text", ["treatments: {}\nconstraints: {}\nmodle: {}\n", "treatments: [unclosed\n"]
)
def test_broken_config_gives_one_readable_line(tmp_path, text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = run(["constraints"], env={"CVM_CONFIG": str(bad)})
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert str(bad) in out.stderr


def test_unknown_customer_is_a_clear_error():
    out = cvm(["recommend", "--customer-id", "U555"])
    assert out.returncode == 2 and "not in the dataset" in out.stderr
    assert "Traceback" not in out.stderr


def test_import_tools_imports_neither_chainlit_nor_openai():
    code = (
        "import sys, tools, tools.treatment, tools.allocation, tools.journey; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('openai', 'chainlit')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == "[]"


def test_recommend_batch_and_its_limit(write_config):
    out = cvm(["recommend", "--customer-id", "U124", "U126", "--no-allocate", "--json"])
    assert [r["customer_id"] for r in json.loads(out.stdout)] == ["U124", "U126"]
    path = write_config(lambda r: r["validation"].update(max_customers_per_batch=1))
    out = cvm(
        ["recommend", "--customer-id", "U124", "U126"], env={"CVM_CONFIG": str(path)}
    )
    assert out.returncode == 2 and "at most 1 customers per batch" in out.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly():
    # `cvm recommend ... | head`: the reader has gone before we print.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            CVM + ["recommend", "--customer-id", "U124", "--json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
