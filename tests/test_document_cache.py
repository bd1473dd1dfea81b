"""The state dir's cache of parsed YAML documents: used only for the same text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tools.config import DEFAULT_CONFIG_PATH
from tools.document_cache import cached_document
from tools.files import FileProblem
from tools.yaml_files import load_yaml
from tools.yaml_reader import parse_yaml


class Counting:
    """``parse_yaml``, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str):  # type: ignore[no-untyped-def]
        self.calls += 1
        return parse_yaml(text)


def _cached(state) -> list[str]:  # type: ignore[no-untyped-def]
    folder = state / "cache"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_text_parsed_once_is_read_back_from_the_cache(tmp_path):
    parse, text = Counting(), "a: 1\nb: [x, 2.5, null, true]\n"
    first = cached_document(text, tmp_path, parse)
    again = cached_document(text, tmp_path, parse)
    assert first == again == {"a": 1, "b": ["x", 2.5, None, True]}
    assert parse.calls == 1 and len(_cached(tmp_path)) == 1
    assert isinstance(again["a"], int) and isinstance(again["b"][1], float)


def test_an_edited_text_is_parsed_again(tmp_path):
    parse = Counting()
    assert cached_document("a: 1\n", tmp_path, parse) == {"a": 1}
    assert cached_document("a: 2\n", tmp_path, parse) == {"a": 2}
    assert parse.calls == 2 and len(_cached(tmp_path)) == 2


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path):
    parse = Counting()
    cached_document("a: 1\n", tmp_path, parse)
    [name] = _cached(tmp_path)
    (tmp_path / "cache" / name).write_text('{"a": ', encoding="utf-8")
    assert cached_document("a: 1\n", tmp_path, parse) == {"a": 1}
    assert parse.calls == 2
    assert json.loads((tmp_path / "cache" / name).read_text()) == {"a": 1}


def test_what_json_cannot_hold_exactly_is_parsed_every_time(tmp_path):
    parse = Counting()
    for text in ("day: 2026-12-07\n", "1: one\n", "x: .nan\n"):
        cached_document(text, tmp_path, parse)
        cached_document(text, tmp_path, parse)
    assert parse.calls == 6 and _cached(tmp_path) == []


def test_a_bad_document_is_refused_and_nothing_is_kept(tmp_path):
    with pytest.raises(FileProblem, match="duplicate key"):
        cached_document("a: 1\na: 2\n", tmp_path, parse_yaml)
    assert _cached(tmp_path) == []


def test_no_state_dir_is_made_and_one_that_cannot_hold_it_is_not_used(tmp_path):
    missing = tmp_path / "none"
    assert cached_document("a: 1\n", missing, parse_yaml) == {"a": 1}
    assert not missing.exists()
    (tmp_path / "cache").write_text("not a folder")  # the cache cannot be written
    parse = Counting()
    assert cached_document("a: 1\n", tmp_path, parse) == {"a": 1}
    assert cached_document("a: 1\n", tmp_path, parse) == {"a": 1}
    assert parse.calls == 2
    assert (tmp_path / "cache").read_text() == "not a folder"


def test_the_configuration_read_through_the_cache_is_the_one_parsed(tmp_path):
    assert load_yaml(DEFAULT_CONFIG_PATH, tmp_path) == load_yaml(DEFAULT_CONFIG_PATH)
    assert len(_cached(tmp_path)) == 1


def test_a_fresh_process_with_the_cache_does_not_import_pyyaml(tmp_path):
    probe = (
        "import sys\n"
        "from tools.config import get_config\n"
        "get_config()\n"
        "print('yaml' in sys.modules)\n"
    )
    env = {**os.environ, "CVM_STATE_DIR": str(tmp_path)}
    env.pop("CVM_CONFIG", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], runs[1].stderr
