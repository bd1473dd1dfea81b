"""What every tool needs besides its arguments: the configuration and the ledger."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from tools.config import CVMConfig, get_config
from tools.ledger import Ledger

_ledgers: dict[str, Ledger] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ToolContext:
    """The configuration and ledger a tool call runs against."""

    config: CVMConfig
    ledger: Ledger

    @classmethod
    def create(
        cls, config: CVMConfig | None = None, state_dir: str | Path | None = None
    ) -> ToolContext:
        """A context for ``state_dir`` (default: the config's), sharing ledgers."""
        config = config or get_config()
        folder = Path(state_dir) if state_dir else config.state_path
        key = str(folder.resolve())
        with _lock:
            ledger = _ledgers.get(key)
            if ledger is None:
                ledger = _ledgers[key] = Ledger.in_state_dir(folder)
        return cls(config=config, ledger=ledger)


def default_context() -> ToolContext:
    """The context of the configuration and state dir in force."""
    return ToolContext.create()
