"""Where a test run's scratch files go: a RAM file system when there is room.

The suite writes a few hundred megabytes of short-lived files (a state dir per test
with its SQLite ledger and DuckDB store, generated bases, PostgreSQL and Ray's
folders, the UI servers' app roots) and SQLite and DuckDB flush each commit to the
disk. On a disk shared with other work those flushes were a third of some files'
wall time (ledger and catalogue tests: 142 s on disk, 59 s on tmpfs, -n 2 at load
~10). :func:`use_ram_scratch` points ``TMPDIR`` (this process, its xdist workers and
every process a test starts) at a folder on ``/dev/shm`` when that is a tmpfs with
room to spare; otherwise, or with ``CVM_TEST_SCRATCH=disk``, the system's temporary
folder is used as before. What the tests check is the same on either: a process
killed with SIGKILL loses nothing the kernel holds, on any file system; the
full-disk tests mount a small tmpfs of their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

SCRATCH_ENV = "CVM_TEST_SCRATCH"  # "disk": the system's temporary folder
DISK_ENV = "CVM_TEST_DISK_TMPDIR"  # the system's temporary folder, before the switch
RAM = Path("/dev/shm")
FOLDER = "cvm-tests"
MIN_FREE = 4 * 2**30  # bytes free on the RAM file system to use it


def _is_tmpfs(path: Path) -> bool:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    return any(
        len(fields) > 2 and fields[1] == str(path) and fields[2] == "tmpfs"
        for fields in (line.split() for line in mounts)
    )


def use_ram_scratch() -> Path | None:
    """Put temporary files on ``/dev/shm`` when possible; returns the folder used.

    Called before anything asks for a temporary folder (pytest's ``tmp_path``
    base is made after configuration). The folder is world-writable and sticky,
    as ``/tmp`` is: the PostgreSQL server runs as another user when tests run as
    root.
    """
    if os.environ.get(SCRATCH_ENV) == "disk":
        return None
    folder = RAM / FOLDER
    if os.environ.get("TMPDIR") == str(folder):  # an xdist worker: inherited
        tempfile.tempdir = None
        return folder
    try:
        if not _is_tmpfs(RAM) or shutil.disk_usage(RAM).free < MIN_FREE:
            return None
        folder.mkdir(exist_ok=True)
        if folder.stat().st_uid == os.geteuid():
            folder.chmod(0o1777)
    except OSError:
        return None
    os.environ.setdefault(DISK_ENV, tempfile.gettempdir())
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    return folder


def disk_tempdir() -> Path:
    """The system's temporary folder on disk (for what must outlive the machine's
    RAM file system: Hypothesis' examples)."""
    return Path(os.environ.get(DISK_ENV) or tempfile.gettempdir())
