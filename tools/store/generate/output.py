"""Where a generated base is written, without touching anyone else's files.

A base is written into a hidden folder inside ``--out`` (``.cvm-generate-<pid>.tmp``)
and moved into place only when complete, so a failed or killed run leaves the
folder as it was (its leftover temp folder is removed by the next ``--force`` run).
``--out`` must be new or empty; with ``force`` it may hold a base generated before:
the files that base's manifest (``.cvm-generated.json``) lists are replaced, and
anything else that ``cvm import`` would read (a table file or folder the generator
did not write) is a refusal. Files it did not write are never deleted or overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tools.errors import ToolInputError
from tools.store.schema import TABLES

MANIFEST = ".cvm-generated.json"
TEMP_PREFIX = ".cvm-generate-"
MAX_CUSTOMERS = 50_000_000  # 5x the largest base benchmarked (ids stay 8 digits)
BYTES_PER_CUSTOMER = 120  # Parquet written per customer (103 measured at 100k)


def check_size(n: int, out: Path) -> None:
    """Refuse a base that is too big for the limit or for the disk.

    Raises:
        ToolInputError: ``n`` is outside 1..:data:`MAX_CUSTOMERS`, or the disk
            under ``out`` has less free space than the base needs (one line).
    """
    if not 1 <= n <= MAX_CUSTOMERS:
        raise ToolInputError(
            f"--customers {n}: must be between 1 and {MAX_CUSTOMERS:,}"
        )
    where = out if out.exists() else _existing_parent(out)
    free = shutil.disk_usage(where).free
    need = int(n * BYTES_PER_CUSTOMER * 1.25)
    if need > free:
        raise ToolInputError(
            f"{out}: {n:,} customers need about {need / 1e9:.1f} GB, "
            f"{free / 1e9:.1f} GB free"
        )


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _ours(out: Path) -> set[str]:
    """The files an earlier run wrote into ``out`` (relative paths)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = listed.get("files") if isinstance(listed, dict) else None
    return {f for f in files or [] if isinstance(f, str) and ".." not in f}


def prepare(out: Path, force: bool) -> tuple[Path, set[str]]:
    """Check ``out`` and make the temp folder a new base is written into.

    Returns:
        The temp folder, and the files of an earlier generated base (to replace).

    Raises:
        ToolInputError: ``out`` is a file, or not empty without ``force``, or holds
            table files the generator did not write (one line naming one).
    """
    if out.exists() and not out.is_dir():
        raise ToolInputError(f"--out {out}: not a folder")
    entries = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if entries and not force:
        raise ToolInputError(
            f"--out {out}: not empty ({len(entries)} entries); give a new or empty "
            "folder, or --force to replace a base generated there (files it did "
            "not write are never touched)"
        )
    ours = _ours(out)
    for name in entries:
        if name.startswith(TEMP_PREFIX):  # a killed run's: only ever ours
            shutil.rmtree(out / name, ignore_errors=True)
    for table in TABLES:
        if (out / table).exists() and not (out / table).is_dir():
            raise ToolInputError(f"--out {out}: {table} is a file, not a folder")
        for path in sorted(out.glob(f"{table}.*")) + sorted(out.glob(f"{table}/*")):
            if str(path.relative_to(out)) not in ours:
                raise ToolInputError(
                    f"--out {out}: {path.relative_to(out)} was not written by "
                    "generate-customers; move it away (it would be imported "
                    "with the base)"
                )
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f"{TEMP_PREFIX}{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp, ours


def publish(tmp: Path, out: Path, old: set[str]) -> None:
    """Move a complete base from ``tmp`` into ``out``, replacing only ``old``.

    The manifest lists every file of ours at each step (old and new first, then
    the new), so a run killed half-way leaves nothing a ``--force`` run cannot
    clean.
    """
    new = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    _manifest(out, sorted(old | set(new)))
    for name in old - set(new):
        (out / name).unlink(missing_ok=True)
    for name in new:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / name, out / name)
    _manifest(out, new)
    shutil.rmtree(tmp, ignore_errors=True)


def _manifest(out: Path, files: list[str]) -> None:
    part = out / f"{MANIFEST}.part"
    part.write_text(json.dumps({"files": files}, indent=1), encoding="utf-8")
    os.replace(part, out / MANIFEST)
