"""Logging set-up: a rotating file under the state dir, level from config or flag.

Customer ids, questions and data are logged only at DEBUG; INFO and above carry
counts, tool names, rule ids and timings, never personal data.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tools.config import CVMConfig
from tools.errors import StorageError
from tools.ledger import ensure_state_dir

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_configured: dict[str, RotatingFileHandler] = {}


class LogFile(RotatingFileHandler):
    """The rotating log file; a write that fails later is reported once, in one line.

    (The standard handler prints a traceback to stderr for every failing line.)
    """

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        """Report the first failing write on stderr; drop the lines after it."""
        if not self.failed:
            self.failed = True
            problem = sys.exc_info()[1]
            sys.stderr.write(
                f"cvm: log file {self.baseFilename}: cannot be written ({problem}); "
                "log lines are dropped\n"
            )


def _usable(path: Path) -> None:
    """Refuse a log file that is not a regular file (``/dev/full``, a FIFO, a folder).

    Raises:
        StorageError: One line naming the path and the setting.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        mode, problem = 0, exc.strerror or str(exc)
    else:
        problem = "not a regular file"
    if not stat.S_ISREG(mode) or not os.access(path, os.W_OK):
        if stat.S_ISREG(mode):
            problem = "not writable"
        raise StorageError(
            f"log file {path} (settings.logging.file under settings.state_dir): "
            f"{problem}"
        )


def setup_logging(config: CVMConfig, level: str | None = None) -> Path:
    """Send this process's logs to the configured rotating file.

    Args:
        config: The configuration (``settings.logging`` and ``settings.state_dir``).
        level: Overrides the configured level (``--log-level``).

    Returns:
        The log file path.

    Raises:
        StorageError: The log file cannot be created or opened (its folder is a
            file, read-only, ...) or is not a regular file (``/dev/full``, a FIFO);
            names the path and ``settings.logging.file``.
    """
    cfg = config.settings.logging
    path = Path(cfg.file)
    if not path.is_absolute():
        path = ensure_state_dir(config.state_path) / path
    root = logging.getLogger()
    root.setLevel((level or cfg.level).upper())
    key = str(path.resolve())
    if key not in _configured:
        _usable(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = LogFile(
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
