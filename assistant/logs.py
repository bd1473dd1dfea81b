"""Logging set-up: a rotating file under the state dir, level from config or flag.

Customer ids, questions and data are logged only at DEBUG; INFO and above carry
counts, tool names, rule ids and timings, never personal data.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tools.config import CVMConfig
from tools.errors import StorageError
from tools.ledger import ensure_state_dir

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_configured: dict[str, RotatingFileHandler] = {}


def setup_logging(config: CVMConfig, level: str | None = None) -> Path:
    """Send this process's logs to the configured rotating file.

    Args:
        config: The configuration (``settings.logging`` and ``settings.state_dir``).
        level: Overrides the configured level (``--log-level``).

    Returns:
        The log file path.

    Raises:
        StorageError: The log file cannot be created or opened (its folder is a
            file, read-only, ...); names the path and ``settings.logging.file``.
    """
    cfg = config.settings.logging
    path = Path(cfg.file)
    if not path.is_absolute():
        path = ensure_state_dir(config.state_path) / path
    root = logging.getLogger()
    root.setLevel((level or cfg.level).upper())
    key = str(path.resolve())
    if key not in _configured:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                path,
                maxBytes=cfg.max_bytes,
                backupCount=cfg.backup_count,
                encoding="utf-8",
            )
        except OSError as exc:
            raise StorageError(
                f"log file {path} (settings.logging.file under settings.state_dir): "
                f"cannot be opened: {exc.strerror or exc}"
            ) from None
        handler.setFormatter(logging.Formatter(_FORMAT))
        for old in _configured.values():
            root.removeHandler(old)
        root.addHandler(handler)
        _configured.clear()
        _configured[key] = handler
    return path
