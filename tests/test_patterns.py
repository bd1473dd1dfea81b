"""Regular expressions kept compiled across processes (tools.patterns).

A pattern built from the cache must be the pattern ``re.compile`` returns (same
text, flags and compiled code: ``==``) and match the same; a cache that is missing,
unreadable or malformed must only cost the compile.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys

import pytest

from tools import patterns

SAMPLES = [
    (r"\b(?:why|how) not\b|\bwhy (?:no|isn'?t|wasn'?t)\b", re.I),
    (r"(?P<nth>top|first|1st|second)\s+(?:one|customer)\b", 0),
    (r"£\s*[0-9][0-9,.]*\s*(?:k|m|bn)?\b", 0),
    (r"^\W*(did|has|have)\b.{0,60}\b(work|worked)\b|\?\s*$", re.I | re.M),
    (r"(?<!would )(?<!will )\b(accepted|declined)\b[^?]{0,30}\?\s*$", 0),
]
TEXTS = [
    "why not the call?",
    "top customer on the list",
    "offer £1,200.50k now",
    "did the sms campaign work?",
    "U124 accepted it?",
    "nothing here",
]

# A fresh process: compile the samples, print what they match and whether each
# came from the cache file (the cache is written when the process exits).
PROBE = """
import json, re, sys
from tools import patterns
samples = json.loads(sys.argv[1]); texts = json.loads(sys.argv[2])
kept = patterns._entries()
out = []
for p, f in samples:
    c = patterns.compiled(p, f)
    assert c == re.compile(p, f) and c.flags == re.compile(p, f).flags
    out.append([(p, f) in kept, [bool(c.search(t)) for t in texts],
                [m.groupdict() if m else None for m in map(c.search, texts)]])
print(json.dumps(out))
"""


def _run(cache: str) -> list:
    env = {**os.environ, "XDG_CACHE_HOME": cache}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(SAMPLES), json.dumps(TEXTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def _expected() -> list:
    out = []
    for p, f in SAMPLES:
        c = re.compile(p, f)
        out.append(
            [
                [bool(c.search(t)) for t in TEXTS],
                [m.groupdict() if m else None for m in map(c.search, TEXTS)],
            ]
        )
    return out


def _cache_file(cache: str) -> str:
    folder = os.path.join(cache, "cvm-assistant")
    [name] = [n for n in os.listdir(folder) if n.startswith("regex-")]
    return os.path.join(folder, name)


def test_a_second_process_builds_the_same_patterns_from_the_cache(tmp_path):
    cache = str(tmp_path)
    first = _run(cache)
    assert [hit for hit, *_ in first] == [False] * len(SAMPLES)  # compiled
    kept = marshal.loads(open(_cache_file(cache), "rb").read())
    assert set(kept) == {(p, int(f)) for p, f in SAMPLES}
    second = _run(cache)
    assert [hit for hit, *_ in second] == [True] * len(SAMPLES)  # from the file
    assert [rest for _, *rest in first] == [rest for _, *rest in second]
    assert [rest for _, *rest in second] == _expected()


def test_an_unreadable_cache_file_only_costs_the_compile(tmp_path):
    cache = str(tmp_path)
    _run(cache)
    with open(_cache_file(cache), "wb") as out:
        out.write(b"\x00not marshal")
    again = _run(cache)
    assert [hit for hit, *_ in again] == [False] * len(SAMPLES)
    assert [rest for _, *rest in again] == _expected()
    # and the file was rewritten whole
    assert len(marshal.loads(open(_cache_file(cache), "rb").read())) == len(SAMPLES)


def test_a_malformed_entry_is_compiled_as_usual(monkeypatch):
    pattern, flags = r"\bworth\b|\bvalue of (one|an?) (more|extra)\b", re.I
    key = (pattern, int(flags))
    monkeypatch.setattr(patterns, "_kept", {key: (0, ["not", "code"], 0, {}, ())})
    monkeypatch.setattr(patterns, "_built", {})
    monkeypatch.setattr(patterns, "_new", {})
    monkeypatch.setattr(patterns, "_write", lambda: None)
    built = patterns.compiled(pattern, flags)
    assert built == re.compile(pattern, flags)
    assert built.search("What is it WORTH?") is not None
    assert key in patterns._new  # the good entry replaces it when written


@pytest.mark.parametrize(("pattern", "flags"), SAMPLES)
def test_an_entry_is_what_re_compiles(pattern, flags):
    entry = patterns._entry(pattern, int(flags))
    assert entry is not None
    import _sre

    assert _sre.compile(pattern, *entry) == re.compile(pattern, flags)
    assert marshal.loads(marshal.dumps(entry)) == entry  # the file can hold it


def test_a_pattern_is_built_once_per_process():
    p = r"\bsame (question|again|for)\b"
    assert patterns.compiled(p) is patterns.compiled(p)
    assert patterns.compiled(p, re.I) is not patterns.compiled(p)
