"""The state dir remembers its ledger: a marker kept outside the database files.

``<state_dir>/.ledger.sqlite3.marker`` names the ledger the state dir holds (its
random id) and the highest generation (commit count) any process saw committed.
It is written after every commit, so it is never ahead of what was committed; it
is not matched by ``rm ledger.sqlite3*``. A process that finds the ledger file
missing, another ledger in its place, or fewer commits in it than the marker
records refuses to start (committed bookings were lost: a removed write-ahead log,
a deleted or replaced file) until an operator restores a backup or accepts the
ledger as it is (``cvm restore`` / ``cvm accept-ledger``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from tools.errors import StorageError

log = logging.getLogger(__name__)
SIZE = 160  # bytes: the record is rewritten in place, padded to one size


@dataclass(frozen=True)
class Marker:
    """Which ledger a state dir holds and how many commits were seen."""

    ledger_id: str
    generation: int


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
        return Marker(str(data["ledger_id"]), int(data["generation"]))
    except (ValueError, KeyError, TypeError):
        raise StorageError(
            f"ledger marker {path}: not a ledger marker; if the ledger beside it is "
            "the right one, accept it with `cvm accept-ledger --yes`"
        ) from None


def _record(marker: Marker) -> bytes:
    text = json.dumps({"ledger_id": marker.ledger_id, "generation": marker.generation})
    return text.encode().ljust(SIZE)


def create_marker(ledger_path: Path, marker: Marker) -> None:
    """Write the marker whole (a new file renamed into place).

    Raises:
        StorageError: The state dir does not take the file.
    """
    path = marker_path(ledger_path)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(_record(marker))
        os.replace(partial, path)
    except OSError as exc:
        raise StorageError(
            f"ledger marker {path}: cannot be written: {exc.strerror or exc}"
        ) from None


def advance_marker(ledger_path: Path, marker: Marker) -> None:
    """Record a newer generation after a commit (in place; best effort).

    A marker left behind by a failure here only makes the check weaker, never
    wrong, so a failure is logged, not raised: the booking is committed.
    """
    try:
        fd = os.open(marker_path(ledger_path), os.O_WRONLY)
    except FileNotFoundError:  # removed under us: put it back whole
        try:
            create_marker(ledger_path, marker)
        except StorageError as exc:
            log.warning("%s", exc)
        return
    except OSError as exc:
        log.warning("ledger marker of %s not updated: %s", ledger_path, exc)
        return
    try:
        os.pwrite(fd, _record(marker), 0)
    except OSError as exc:
        log.warning("ledger marker of %s not updated: %s", ledger_path, exc)
    finally:
        os.close(fd)
