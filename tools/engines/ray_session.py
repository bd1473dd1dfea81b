"""A Ray session for one batch command: a cluster's address, or a local instance.

Only the Ray engines import this module (and so ``ray``): the ``scale`` extra is
needed for ``--engine ray`` and nowhere else.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.errors import ToolInputError

LOCAL_CPUS = 2


def ray_module() -> Any:
    """The ``ray`` package, or one clear line when the extra is not installed."""
    try:
        import ray
    except ImportError:
        raise ToolInputError(
            '--engine ray needs the scale extra: pip install ".[scale]"'
        ) from None
    return ray


@contextmanager
def ray_session(address: str | None) -> Iterator[Any]:
    """Connect to ``address`` (a cluster), or start a local Ray; yields ``ray``.

    A session already open in this process (a test's, a notebook's) is used as it
    is and left open.

    Raises:
        ToolInputError: Ray is missing, or the cluster cannot be reached.
    """
    ray = ray_module()
    if ray.is_initialized():
        yield ray
        return
    quiet: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=LOCAL_CPUS, include_dashboard=False, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise ToolInputError(
            f"--ray-address {address or '(local)'}: cannot start Ray: {first[:160]}"
        ) from None
    try:
        yield ray
    finally:
        ray.shutdown()


@contextmanager
def shard_folder(given: str | None, state_dir: Path) -> Iterator[Path]:
    """The folder for a run's shards: the one given (kept), or a temporary one."""
    if given:
        yield Path(given)
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="shards-", dir=state_dir))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
