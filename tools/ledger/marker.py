"""The state dir remembers its ledger: a marker kept outside the database files.

``<state_dir>/.ledger.sqlite3.marker`` names the ledger the state dir holds (its
random id) and the highest booking id any process saw committed (bookings are what
would be sold twice if lost). It is advanced after each booking commit, so it is
never ahead of what was committed; it is not matched by ``rm ledger.sqlite3*``. A
process that finds the ledger file missing, another ledger in its place, or its
bookings ending below the marker's refuses to start (committed bookings were lost:
a removed write-ahead log, a deleted or replaced file) until an operator restores
a backup or accepts the ledger as it is (``cvm restore`` / ``cvm accept-ledger``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tools.errors import StorageError

log = logging.getLogger(__name__)
SIZE = 160  # bytes: the record is rewritten in place, padded to one size


@dataclass(frozen=True)
class Marker:
    """Which ledger a state dir holds and the last booking seen committed in it."""

    ledger_id: str
    last_booking: int


def marker_path(ledger_path: Path) -> Path:
    """Where the marker of a ledger file is kept (beside it, hidden)."""
    return ledger_path.with_name(f".{ledger_path.name}.marker")


def read_marker(ledger_path: Path) -> Marker | None:
    """The marker, None when there is none (a new state dir, or an older release).

    Raises:
        StorageError: It exists but cannot be read or is not a marker.
    """
    path = marker_path(ledger_path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"ledger marker {path}: cannot be read: {exc}") from None
    try:
        data = json.loads(text)
        # A marker of the first release of this file counted commits instead:
        # only its ledger id is compared.
        return Marker(str(data["ledger_id"]), int(data.get("last_booking", 0)))
    except (ValueError, KeyError, TypeError):
        raise StorageError(
            f"ledger marker {path}: not a ledger marker; if the ledger beside it is "
            "the right one, accept it with `cvm accept-ledger --yes`"
        ) from None


def _record(marker: Marker) -> bytes:
    text = json.dumps(
        {"ledger_id": marker.ledger_id, "last_booking": marker.last_booking}
    )
    return text.encode().ljust(SIZE)


def create_marker(ledger_path: Path, marker: Marker) -> None:
    """Write the marker whole (a new file renamed into place).

    Raises:
        StorageError: The state dir does not take the file.
    """
    path = marker_path(ledger_path)
    partial = None
    try:  # a name of its own: processes starting at once each write theirs
        fd, partial = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_record(marker))
        os.replace(partial, path)
    except OSError as exc:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
        raise StorageError(
            f"ledger marker {path}: cannot be written: {exc.strerror or exc}"
        ) from None


class MarkerWriter:
    """Advances one ledger's marker after its booking commits (in place, best effort).

    Keeps the file open between commits. A marker left behind by a failure here
    only makes the check weaker, never wrong, so a failure is logged, not raised:
    the booking is committed.
    """

    def __init__(self, ledger_path: Path) -> None:
        self.ledger_path = ledger_path
        self._fd: int | None = None
        self._lock = threading.Lock()

    def advance(self, marker: Marker) -> None:
        """Record a later booking (a marker replaced or removed is written anew)."""
        with self._lock:
            try:
                if self._fd is not None and os.fstat(self._fd).st_nlink == 0:
                    os.close(self._fd)  # replaced or removed under us
                    self._fd = None
                if self._fd is None:
                    try:
                        self._fd = os.open(marker_path(self.ledger_path), os.O_WRONLY)
                    except FileNotFoundError:
                        create_marker(self.ledger_path, marker)
                        return
                os.pwrite(self._fd, _record(marker), 0)
            except (OSError, StorageError) as exc:
                log.warning(
                    "ledger marker of %s not updated: %s", self.ledger_path, exc
                )

    def close(self) -> None:
        """Close the kept descriptor."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
