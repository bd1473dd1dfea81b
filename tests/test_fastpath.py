"""The per-customer fast path: concurrent assessments batched, lazy start-up.

* 16 threads assessing distinct customers get exactly what one thread gets (the
  batches they share are the kernel's rows, not approximations), and the threads'
  misses really are served together (fewer batches than customers);
* :class:`tools.coalesce.Coalescer` hands each caller its own answer or error;
* a context, and ``cvm allocations``, never open the customer store nor load numpy /
  DuckDB; the store opens on first use and is shared per store file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.bases import import_once
from tools import assess as assess_mod
from tools.assess import assess, forget_assessments
from tools.coalesce import Coalescer
from tools.context import ToolContext
from tools.customer_base import DERIVED, customer_source
from tools.errors import UnknownCustomerError
from tools.ledger import SQLiteLedger
from tools.store import json_files
from tools.store.build import copy_store
from tools.store.source import store_path

N = 400
THREADS = 16


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The generated base imported once (each test gets a copy of the store)."""
    return import_once(tmp_path_factory.mktemp("gen"), N, 5)


@pytest.fixture
def big(ctx, imported):
    copy_store(imported, store_path(ctx.config))
    forget_assessments()
    return ctx


def _digest(a: assess_mod.Assessment) -> dict[str, object]:
    d = a.decisions
    return {
        "record": a.customer.model_dump(mode="json"),
        "metrics": a.metrics.model_dump(mode="json"),
        "insights": a.analysis.model_dump(mode="json"),
        "row_no": d.row_no.tolist(),
        "lawful": d.lawful.tolist(),
        "failed": {k: v.tolist() for k, v in d.failed.items()},
        "p": d.propensity.tolist(),
        "ev": d.expected_value.tolist(),
        "value": d.value_at_risk.tolist(),
        "best": d.best.tolist(),
        "signals": d.signals.tolist(),
        "bands": [d.churn_band.tolist(), d.value_band.tolist()],
    }


def test_sixteen_threads_get_what_one_thread_gets(big):
    ids = big.customers.ids()
    assert len(ids) == N
    one = {cid: _digest(assess(cid, big)) for cid in ids}  # one at a time
    assert all(len(v["best"]) == 1 for v in one.values())  # each a batch of one

    forget_assessments()
    found: dict[str, dict[str, object]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def work(mine: list[str]) -> None:
        barrier.wait()
        try:
            for cid in mine:
                found[cid] = _digest(assess(cid, big))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(ids[i::THREADS],)) for i in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert found.keys() == one.keys()
    different = [cid for cid in ids if found[cid] != one[cid]]
    assert not different, different[:5]
    # the answers came from shared batches: fewer kernel runs than customers
    version = big.customers.version()  # type: ignore[attr-defined]
    batcher = assess_mod._batcher(big.customers, version, big.config)
    assert batcher.keys == N
    assert batcher.batches < N


def test_an_unknown_customer_in_a_batch_fails_alone(big):
    ids = big.customers.ids(3)
    asked = [ids[0], "U9999999", ids[1]]
    out = assess_mod.assess_batch(asked, big.customers, big.config)
    assert isinstance(out["U9999999"], UnknownCustomerError)
    assert out[ids[0]].customer.customer_id == ids[0]  # type: ignore[union-attr]
    assert out[ids[1]].customer.customer_id == ids[1]  # type: ignore[union-attr]
    with pytest.raises(UnknownCustomerError):
        assess("U9999999", big)


def test_the_assessment_cache_drops_the_oldest_not_everything(ctx, monkeypatch):
    forget_assessments()
    monkeypatch.setattr(assess_mod, "CACHE_MAX", 3)
    for cid in ("U123", "U124", "U125", "U126"):
        assess(cid, ctx)
    kept = [key[-1] for key in assess_mod._cache]
    assert kept == ["U124", "U125", "U126"]
    first = assess("U126", ctx)
    assert assess("U126", ctx) is first


def test_coalescer_serves_a_lone_caller_in_a_batch_of_one():
    calls: list[list[int]] = []

    def fetch(keys):
        calls.append(list(keys))
        return {k: k * 10 for k in keys}

    c: Coalescer[int, int] = Coalescer(fetch)
    assert c.get(4) == 40
    assert calls == [[4]]


def test_coalescer_batches_concurrent_callers_and_keeps_their_errors():
    started, release = threading.Event(), threading.Event()
    calls: list[list[int]] = []

    def fetch(keys):
        calls.append(list(keys))
        if len(calls) == 1:  # hold the first batch until the others wait
            started.set()
            assert release.wait(10)
        return {k: (ValueError(f"bad {k}") if k % 2 else k) for k in keys}

    c: Coalescer[int, int] = Coalescer(fetch)
    results: dict[int, object] = {}

    def call(k: int) -> None:
        try:
            results[k] = c.get(k)
        except ValueError as exc:
            results[k] = str(exc)

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=call, args=(k,)) for k in range(1, 9)]
    for t in others:
        t.start()
    while len(c._waiting) < 8:  # every other caller queued behind the first batch
        threading.Event().wait(0.005)
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert calls[0] == [0]
    assert sorted(calls[1]) == list(range(1, 9))  # one batch for the 8 waiting
    assert results == {k: (f"bad {k}" if k % 2 else k) for k in range(9)}


def test_coalescer_gives_a_failed_batch_to_each_of_its_callers_and_recovers():
    fail = [True]

    def fetch(keys):
        if fail[0]:
            raise OSError("store gone")
        return {k: k for k in keys}

    c: Coalescer[int, int] = Coalescer(fetch)
    with pytest.raises(OSError, match="store gone"):
        c.get(1)
    fail[0] = False
    assert c.get(2) == 2  # the lead was handed back: no deadlock


def test_a_key_the_fetch_does_not_answer_is_a_key_error():
    c: Coalescer[int, int] = Coalescer(lambda keys: {})
    with pytest.raises(KeyError):
        c.get(7)


_PROBE = """
import json, sys
from assistant.cli.main import main
from tools.context import ToolContext
ctx = ToolContext.create()
assert main(sys.argv[1:]) == 0
print(json.dumps(sorted(m for m in ("numpy", "duckdb", "chainlit", "openai")
                        if m in sys.modules)))
"""


def _probe(tmp_path: Path, *argv: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "argv",
    [["allocations"], ["allocations", "--all"], ["constraints"]],
)
def test_ledger_commands_never_open_the_customer_store(tmp_path, argv):
    assert _probe(tmp_path, *argv) == []
    state = tmp_path / "state"
    assert (state / "ledger.sqlite3").exists()
    assert not list(state.glob("customers.duckdb*"))  # not even created


def test_the_customer_source_opens_on_first_use_and_is_shared(tmp_path, config):
    a = ToolContext.create(config, state_dir=tmp_path / "s")
    b = ToolContext.create(config, state_dir=tmp_path / "s")
    assert a._customers is None and b._customers is None
    assert not (tmp_path / "s" / "customers.duckdb").exists()
    assert a.customers is b.customers  # one source per store file
    assert a.customers is customer_source(a.config)
    assert (tmp_path / "s" / "customers.duckdb").exists()
    assert a.customers.get("U124").customer_id == "U124"


def test_a_context_keeps_the_source_it_was_given(ctx, config):
    mine = ctx.customers
    other = ToolContext(config=config, ledger=ctx.ledger, customers=mine)
    assert other.customers is mine
    with pytest.raises(AttributeError):
        other.config = config  # type: ignore[misc]


def test_batch_rows_equal_a_batch_of_one(big):
    """``Decisions.take`` of a batch row is what deciding that customer alone gives."""
    from tools.kernel.decide import decide

    ids = big.customers.ids(40)
    cols, offers = big.customers.feature_rows(ids)
    batch = decide(cols, offers, big.config)
    for i, cid in enumerate(batch.customer_id.tolist()):
        alone = decide(*big.customers.feature_rows([cid]), big.config)
        row = batch.take([i])
        for name in ("lawful", "propensity", "expected_value", "best", "signals"):
            assert np.array_equal(getattr(row, name), getattr(alone, name)), name


def test_a_json_folder_is_served_as_a_store_file_would_be(tmp_path, config):
    """The in-memory source holds its reads; they equal a store file's of the same
    customers (records, feature rows, offers, and so every assessment)."""
    from tools.store.duck import DuckStore, build_from_records
    from tools.store.memory import MemoryStore

    records = json_files.read_json_folder(json_files.PACKAGED_DATA_DIR, config)
    memory = MemoryStore(records, DERIVED)
    build_from_records(tmp_path / "c.duckdb", records, DERIVED)
    disk = DuckStore(tmp_path / "c.duckdb", DERIVED)
    ids = disk.ids()
    assert memory.ids() == ids and len(ids) >= 12
    asked = [*ids[::2], "U9999", *ids[1::2]]
    assert memory.get_many(asked) == disk.get_many(asked)
    cols_m, offers_m = memory.feature_rows(asked)
    cols_d, offers_d = disk.feature_rows(asked)
    assert cols_m.keys() == cols_d.keys()
    for name in cols_d:  # repr: NaN (no number) equals NaN
        assert repr(cols_m[name].tolist()) == repr(cols_d[name].tolist()), name
    for name in offers_d:  # repr: NaN (no number) equals NaN
        assert repr(offers_m[name].tolist()) == repr(offers_d[name].tolist()), name
    assert memory.get("U124") == disk.get("U124")
    with pytest.raises(UnknownCustomerError):
        memory.get("U9999")
    ctx_m = ToolContext(config, SQLiteLedger(tmp_path / "m.db"), customers=memory)
    ctx_d = ToolContext(config, SQLiteLedger(tmp_path / "d.db"), customers=disk)
    for cid in ids:
        assert _digest(assess(cid, ctx_m)) == _digest(assess(cid, ctx_d)), cid
