"""Writers of one SQLite ledger queue across processes on a lock file, not in SQLite.

SQLite's busy handler, which makes a writer wait for another process's write lock,
sleeps in steps of up to 100 ms between tries: with several processes writing, the
lock is free most of the time while everyone sleeps (8 writer processes booked
fewer bookings a second than one). Taking an exclusive ``flock`` on a lock file
beside the ledger first makes them queue in the kernel, which wakes the next
writer as soon as the lock is let go. SQLite's own lock (``BEGIN IMMEDIATE``)
still decides: a writer without the queue (an older release, a tool) is only
slower, never unsafe. Where the lock file cannot be made (a read-only folder, a
system without ``fcntl``) writers queue in SQLite as before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler queues the writers
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class WriterQueue:
    """An exclusive lock on ``.<ledger name>.lock`` beside the ledger file."""

    def __init__(self, ledger_path: Path) -> None:
        self.path = ledger_path.with_name(f".{ledger_path.name}.lock")
        self._fd: int | None = None
        self._pid = 0

    def _open(self) -> int | None:
        if self._fd is not None and self._pid == os.getpid():
            return self._fd
        self._fd, self._pid = None, os.getpid()  # a forked child opens its own
        if fcntl is None:
            return None
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            log.debug("ledger writers queue in SQLite: %s", exc)
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this process's turn to write (held until the block ends)."""
        fd = self._open()
        if fd is None:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError:  # closed meanwhile (close() from another thread)
                pass

    def close(self) -> None:
        """Close the lock file (the next turn opens it again)."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None
