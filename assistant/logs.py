"""Logging set-up: a rotating file under the state dir, level from config or flag.

Customer ids, questions and data are logged only at DEBUG; INFO and above carry
counts, tool names, rule ids and timings, never personal data.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tools.config import CVMConfig

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_configured: dict[str, RotatingFileHandler] = {}


def setup_logging(config: CVMConfig, level: str | None = None) -> Path:
    """Send this process's logs to the configured rotating file.

    Args:
        config: The configuration (``settings.logging`` and ``settings.state_dir``).
        level: Overrides the configured level (``--log-level``).

    Returns:
        The log file path.
    """
    cfg = config.settings.logging
    path = Path(cfg.file)
    if not path.is_absolute():
        path = config.state_path / path
    root = logging.getLogger()
    root.setLevel((level or cfg.level).upper())
    key = str(path.resolve())
    if key not in _configured:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=cfg.max_bytes, backupCount=cfg.backup_count, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(_FORMAT))
        for old in _configured.values():
            root.removeHandler(old)
        root.addHandler(handler)
        _configured.clear()
        _configured[key] = handler
    return path
