"""What every tool needs besides its arguments: configuration, ledger, customers, clock.

``customers`` is the customer source (:class:`tools.store.source.CustomerSource`;
default: the DuckDB store of the state dir, or the ``settings.data_dir`` JSON folder);
``clock`` returns the current instant (default :func:`tools.clock.now`, which honours
``CVM_NOW``). Tests and other deployments pass their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tools import clock as _clock
from tools.config import CVMConfig, get_config
from tools.ledger import Ledger
from tools.store.source import CustomerSource, customer_source

_ledgers: dict[str, Ledger] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ToolContext:
    """The configuration, ledger, customer source and clock a tool call runs against."""

    config: CVMConfig
    ledger: Ledger
    customers: CustomerSource = field(default=None)  # type: ignore[assignment]
    clock: Callable[[], datetime] = _clock.now

    def __post_init__(self) -> None:
        if self.customers is None:
            object.__setattr__(self, "customers", customer_source(self.config))

    def now(self) -> datetime:
        """The current instant by this context's clock."""
        return self.clock()

    @classmethod
    def create(
        cls,
        config: CVMConfig | None = None,
        state_dir: str | Path | None = None,
        customers: CustomerSource | None = None,
    ) -> ToolContext:
        """A context for ``state_dir`` (default: the config's), sharing ledgers."""
        config = config or get_config()
        if state_dir and Path(state_dir) != config.state_path:
            config = config.model_copy(
                update={
                    "settings": config.settings.model_copy(
                        update={"state_dir": str(state_dir)}
                    )
                }
            )
        folder = config.state_path
        key = str(folder.resolve())
        with _lock:
            ledger = _ledgers.get(key)
            if ledger is None:
                ledger = _ledgers[key] = Ledger.in_state_dir(folder)
        return cls(config=config, ledger=ledger, customers=customers)  # type: ignore[arg-type]


def default_context() -> ToolContext:
    """The context of the configuration and state dir in force."""
    return ToolContext.create()
