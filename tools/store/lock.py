"""Between the processes that write a customer store: its lock and their leftovers.

Every writer (``cvm import``, an upgrade of the derived tables, the sample on first
use) works under :func:`store_lock` and makes its temp files next to the store
(``.<store>.<pid>.<kind>``) or in :data:`SPILL_DIR`; whatever of those exists while
nobody holds the lock belongs to a writer that was killed, and is swept
(:func:`sweep_leftovers`, :func:`sweep_if_idle`). Readers never take the lock.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

SPILL_DIR = ".import-spill"  # where an import's DuckDB spills (under the state dir)
_LEFTOVERS = (
    "import",
    "import.wal",
    "upgrade",
    "upgrade.wal",
    "new",
    "points",
    "points-journal",
)


@contextmanager
def store_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes that write the store at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def store_lock_if_free(path: Path) -> Iterator[bool]:
    """:func:`store_lock`'s lock without waiting: whether it was taken.

    False while a writer holds it, or when the lock file cannot be opened (a
    read-only state dir): the caller leaves the writing to a writer.
    """
    try:
        handle = open(path.with_suffix(".lock"), "w")  # noqa: SIM115 - closed below
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep_leftovers(store: Path) -> list[Path]:
    """Remove what a writer killed mid-way left next to the store; what was removed.

    Call only under :func:`store_lock`: every writer (import, upgrade, first
    sample) makes its temp files under that lock, so whatever exists then belongs
    to a process that is gone: ``.<store>.<pid>.import`` (and its WAL), the
    upgrade and sample temp files, and the import's spill folder.
    """
    removed = []
    for path in sorted(store.parent.glob(f".{store.name}.*")):
        if path.name.endswith(tuple(f".{kind}" for kind in _LEFTOVERS)):
            path.unlink(missing_ok=True)
            removed.append(path)
    spill = store.parent / SPILL_DIR
    if spill.is_dir():
        removed += sorted(p for p in spill.iterdir())
        shutil.rmtree(spill, ignore_errors=True)
    if removed:
        log.info("removed %d file(s) a killed import left", len(removed))
    return removed


def sweep_if_idle(store: Path) -> list[Path]:
    """At a process's start: :func:`sweep_leftovers` unless a writer is at work.

    Takes :func:`store_lock`'s lock without waiting: held, a writer's temp files
    are its own and stay; free, whatever a killed writer left goes now, not only
    at the next import. Nothing to sweep (the usual case) opens no lock file.
    """
    if (
        not any(store.parent.glob(f".{store.name}.*"))
        and not (store.parent / SPILL_DIR).exists()
    ):
        return []
    with store_lock_if_free(store) as mine:
        return sweep_leftovers(store) if mine else []
