"""A test run writes nothing into the repository.

Every file a run makes goes to temporary folders: each test's state dir (conftest's
autouse fixture), the chat UI's app root (``.chainlit/``, ``.files/``: see
``tests/ui_start.py``), Hypothesis' example database. :func:`repo_paths` lists what
git sees in the checkout (untracked and ignored files included); the run's closing
check (``tests/conftest.py``) fails the run if a path appeared during it. A path
inside a folder that was already ignored before the run is not seen (git lists the
folder only): a clean clone, as CI has, sees everything.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tests.scratch import disk_tempdir

ROOT = Path(__file__).resolve().parent.parent
# Python's own by-products, wherever they are
BYPRODUCTS = ("__pycache__/", ".pytest_cache/")


def repo_paths(root: Path = ROOT) -> set[str] | None:
    """Untracked, ignored and changed paths of the checkout (None: not a git one)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--ignored=matching", "-uall"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return {
        line[3:]
        for line in out.stdout.splitlines()
        if not any(part in line for part in BYPRODUCTS)
    }


def new_paths(before: set[str] | None, after: set[str] | None) -> list[str]:
    """The paths that appeared between two :func:`repo_paths` listings."""
    if before is None or after is None:
        return []
    return sorted(after - before)


def hypothesis_home(root: Path = ROOT) -> Path:
    """Where Hypothesis keeps its examples for this checkout: outside it.

    Stable across runs (a failing example is replayed first next time), one per
    checkout, in the system's temporary folder.
    """
    tag = hashlib.sha1(str(root).encode()).hexdigest()[:12]
    return disk_tempdir() / f"cvm-assistant-hypothesis-{tag}"
