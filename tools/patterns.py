"""Regular expressions compiled once per Python build, not once in every process.

The offline reader matches a few hundred fixed regular expressions (its cue tables
and the slot readers' patterns). Python compiles a pattern in pure Python (parse,
then code generation), ~0.1 ms each: ~40 ms of every ``cvm ask``'s start-up, a
tenth of it. What the compiler produces is a list of integers handed to ``_sre``;
:func:`compiled` keeps that list per pattern in one ``marshal`` file under the user's
cache folder (``$XDG_CACHE_HOME/cvm-assistant``, as :mod:`tools.tokens` keeps the
parsed token encoding) and builds a later process's patterns from it, as Python
keeps compiled modules.

Safe by construction: the file is named by the exact Python build (its cache tag,
``sys.hexversion``, ``_sre``'s magic number) and the marshal version, so another
interpreter never reads it; an entry is kept only when the pattern built from it
equals (``==``: same pattern, flags and compiled code) the one :func:`re.compile`
returns; a file that is missing, unreadable or malformed is ignored (the patterns
compile as usual), and a write that fails costs only time. New entries are written
once, when the process exits (a temporary file renamed). Whoever can write the
user's cache folder can already change what the user runs.

Only fixed patterns belong here (text of the source, not of the data): the file
keeps at most :data:`MAX_ENTRIES`.
"""

from __future__ import annotations

import _sre
import atexit
import importlib
import marshal
import os
import re
import sys
from pathlib import Path

MAX_ENTRIES = 4096
FORMAT = 1

Key = tuple[str, int]
Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_kept: dict[Key, Entry] | None = None  # read from the file (once per process)
_new: dict[Key, Entry] = {}  # compiled here, written at exit
_built: dict[Key, re.Pattern[str]] = {}  # this process's patterns


def compiled(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the cache when it holds the pattern.

    A pattern is built once per process: ``compiled(p).search(s)`` in a loop costs
    a dictionary look-up, as ``re.search(p, s)`` does.
    """
    key = (pattern, int(flags))
    built = _built.get(key)
    if built is None:
        built = _built[key] = _build(pattern, key)
    return built


def _build(pattern: str, key: Key) -> re.Pattern[str]:
    flags = key[1]
    entry = _entries().get(key)
    if entry is not None:
        try:
            return _sre.compile(pattern, *entry)  # type: ignore[no-any-return]
        except (TypeError, ValueError, RuntimeError):
            pass  # a malformed entry: compile it as usual
    result = re.compile(pattern, flags)
    entry = _entry(pattern, flags)
    if entry is not None:
        if not _new:
            atexit.register(_write)
        _new[key] = entry
    return result


def _entries() -> dict[Key, Entry]:
    global _kept
    if _kept is None:
        _kept = _read(_path())
    return _kept


def _entry(pattern: str, flags: int) -> Entry | None:
    """What ``re``'s compiler hands ``_sre`` for ``pattern`` (None: not kept)."""
    try:
        parser = importlib.import_module("re._parser")
        compiler = importlib.import_module("re._compiler")
        parsed = parser.parse(pattern, flags)
        code = [int(c) for c in compiler._code(parsed, flags)]
        groupindex = {str(k): int(i) for k, i in parsed.state.groupdict.items()}
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        entry: Entry = (
            int(flags | parsed.state.flags),
            code,
            int(parsed.state.groups - 1),
            groupindex,
            tuple(indexgroup),
        )
        same = _sre.compile(pattern, *entry) == re.compile(pattern, flags)
    except Exception:  # noqa: BLE001 - another interpreter's internals: not kept
        return None
    return entry if same else None


def _path() -> Path | None:
    """The cache file of this exact Python build (None: no home to keep it in)."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:
        return None
    tag = sys.implementation.cache_tag or sys.implementation.name
    name = f"regex-{tag}-{sys.hexversion:x}-{_sre.MAGIC}-m{marshal.version}-f{FORMAT}"
    return Path(base) / "cvm-assistant" / f"{name}.marshal"


def _read(path: Path | None) -> dict[Key, Entry]:
    """The entries kept in ``path`` (empty when there are none, or unusable)."""
    if path is None:
        return {}
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def _write() -> None:
    """Add this process's new entries to the file (best effort, atomic)."""
    path = _path()
    if path is None or not _new:
        return
    merged = {**_new, **{k: v for k, v in _read(path).items() if k not in _new}}
    kept = dict(list(merged.items())[:MAX_ENTRIES])
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(kept))
        tmp.replace(path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
    _new.clear()
