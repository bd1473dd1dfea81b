"""Fuzzing config files and customer records: a clear error or a valid load.

Hypothesis replaces one value anywhere in the default config or in a sample customer
record (or adds an unknown key, or writes random bytes) and requires either a valid
load or the project's one-line error (``ConfigError`` / ``DataFileError``), never a
traceback. A customer record that loads must also be decided on without a crash.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.yaml_text import yaml_text
from tools import data
from tools.config import DEFAULT_CONFIG_PATH, CVMConfig, get_config, load_config
from tools.context import ToolContext
from tools.customer import CustomerData
from tools.errors import ConfigError, CVMError, DataFileError
from tools.ledger import SQLiteLedger
from tools.records import validate_customer_record
from tools.store import json_files
from tools.treatment import recommend_treatment

CONFIG_EXAMPLES = 300
RECORD_EXAMPLES = 300
BYTES_EXAMPLES = 100
MAX_LINE = 600  # characters of an error line, file path included

DEFAULT = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
SAMPLE = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())
RECORDS = SAMPLE["customers"]
RUNS: dict[str, int] = {"config": 0, "record": 0, "bytes": 0}


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a document (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


CONFIG_PATHS = _paths(DEFAULT)
RECORD_PATHS = _paths(RECORDS[1])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["", "25:00-99:00", "Mars/Base", "1e400", "Infinity", "NaN", "-1", "U124"]
    ),
    st.text(max_size=40),
    st.text(min_size=500, max_size=3000),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner)
    ),
    max_leaves=8,
)


def _set(doc: Any, path: tuple, value: Any) -> Any:
    node = doc
    for part in path[:-1]:
        node = node[part]
    if isinstance(node, list) and not isinstance(path[-1], int):
        node.append(value)  # an "unknown key" inside a list: one more item
    else:
        node[path[-1]] = value
    return doc


def _one_line(exc: Exception) -> None:
    text = str(exc)
    assert "\n" not in text, text
    assert len(text) <= MAX_LINE, len(text)


@st.composite
def edits(draw: st.DrawFn, paths: list[tuple]) -> tuple[tuple, Any]:
    path = draw(st.sampled_from(paths))
    if draw(st.booleans()) and len(path) > 1:  # an unknown key next to a real one
        path = (*path[:-1], draw(st.text(min_size=1, max_size=12)))
    return path, draw(values)


@settings(
    max_examples=CONFIG_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(edit=edits(CONFIG_PATHS))
def test_fuzzed_config_loads_or_gives_one_clear_line(edit):
    RUNS["config"] += 1
    doc = _set(json.loads(json.dumps(DEFAULT)), *edit)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cvm_config.yaml"
        path.write_text(yaml_text(doc, allow_unicode=True))
        try:
            config = load_config(path)
        except ConfigError as exc:
            _one_line(exc)
            assert str(path) in str(exc)
            return
    assert isinstance(config, CVMConfig)
    for number in (t.cost for t in config.treatments.values()):
        assert math.isfinite(number)


@settings(max_examples=BYTES_EXAMPLES, deadline=None)
@given(blob=st.binary(max_size=400))
def test_random_bytes_as_config_or_data_give_one_clear_line(blob):
    RUNS["bytes"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cvm_config.yaml"
        path.write_bytes(blob)
        try:
            load_config(path)
        except ConfigError as exc:
            _one_line(exc)
        folder = Path(tmp) / "data"
        folder.mkdir()
        (folder / "c.json").write_bytes(blob)
        try:
            json_files.read_json_folder(folder, get_config())
        except DataFileError as exc:
            _one_line(exc)


@settings(
    max_examples=RECORD_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(index=st.integers(0, len(RECORDS) - 1), edit=edits(RECORD_PATHS))
def test_fuzzed_customer_record_loads_and_decides_or_gives_one_clear_line(index, edit):
    RUNS["record"] += 1
    record = json.loads(json.dumps(RECORDS[index]))
    try:
        record = _set(record, *edit)
    except (KeyError, IndexError, TypeError):
        record = _set(json.loads(json.dumps(RECORDS[1])), *edit)
    config = get_config()
    try:
        customer = validate_customer_record(record, config, "fuzz.json: record 0")
    except DataFileError as exc:
        _one_line(exc)
        assert str(exc).startswith("fuzz.json: record 0")
        return
    assert isinstance(customer, CustomerData)
    _decide(record, customer.customer_id, config)


@pytest.mark.parametrize(
    "path, value, problem",
    [
        (("usage", 0, "voice_minutes"), 2**31, "less than or equal to 2147483647"),
        (("usage", 0, "sms_count"), -1, "greater than or equal to 0"),
        (("plan", "monthly_fee"), 1e15, "less than or equal to 9999999999.99"),
        (("monthly_revenue",), 1e13, "less than or equal to 9999999999.99"),
    ],
)
def test_values_the_store_cannot_hold_are_refused_at_validation(path, value, problem):
    # Found by the fuzz: a 2**31 voice-minute count passed validation, then
    # overflowed the store's INTEGER column.
    record = _set(json.loads(json.dumps(RECORDS[1])), path, value)
    with pytest.raises(DataFileError) as caught:
        validate_customer_record(record, get_config(), "fuzz.json: record 0")
    _one_line(caught.value)
    assert problem in str(caught.value)
    assert str(caught.value).startswith("fuzz.json: record 0")


def _decide(record: dict, customer_id: str, config: CVMConfig) -> None:
    """A record that validated is decided on: no crash, errors are ours."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        (folder / "c.json").write_text(json.dumps([record]))
        config = config.model_copy(
            update={
                "settings": config.settings.model_copy(update={"data_dir": str(folder)})
            }
        )
        ctx = ToolContext(config=config, ledger=SQLiteLedger(Path(tmp) / "l.sqlite3"))
        data.clear_cache()
        try:
            rec = recommend_treatment(customer_id, ctx)
            assert rec.top is not None
        except CVMError as exc:
            _one_line(exc)
        finally:
            ctx.ledger.close()
            data.clear_cache()


def test_zz_fuzz_run_size_is_reported(capsys):
    """The number of examples each fuzz test ran (the closing note quotes it)."""
    with capsys.disabled():
        print(
            f"\nfuzz examples: config {RUNS['config']}, customer records "
            f"{RUNS['record']}, random bytes {RUNS['bytes']}"
        )
    if all(RUNS.values()):  # when the whole module ran
        assert RUNS["config"] >= CONFIG_EXAMPLES // 2
        assert RUNS["record"] >= RECORD_EXAMPLES // 2
