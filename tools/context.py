"""What every tool needs besides its arguments: configuration, ledger, customers, clock.

``customers`` is the customer source (:class:`tools.store.source.CustomerSource`;
default: the DuckDB store of the state dir, or the ``settings.data_dir`` JSON folder),
opened on first use and shared per store file, so a command that only reads the
ledger (``cvm allocations``) never loads numpy or DuckDB nor opens the store.
``clock`` returns the current instant (default :func:`tools.clock.now`, which honours
``CVM_NOW``). Tests and other deployments pass their own. ``config`` is the
configuration given with the treatment catalogue version in force in the ledger
(:func:`tools.catalogue_versions.in_force`, read on each use: a catalogue change by
any process applies to the next decision), and the outcome counts learned so far
(:func:`tools.learning_counts.with_outcomes`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools import clock as _clock
from tools.catalogue_versions import in_force
from tools.config import CVMConfig, get_config
from tools.learning_counts import with_outcomes
from tools.ledger import LedgerStore, open_ledger

if TYPE_CHECKING:
    from tools.store.source import CustomerSource


class ToolContext:
    """The configuration, ledger, customer source and clock a tool call runs against.

    Immutable once made. ``customers`` is the source given, or the configuration's
    shared source, opened on first use.
    """

    __slots__ = ("_config", "_pinned", "ledger", "clock", "_customers", "_parent")
    _config: CVMConfig
    _pinned: CVMConfig | None
    ledger: LedgerStore
    clock: Callable[[], datetime]
    _customers: CustomerSource | None
    _parent: ToolContext | None

    def __init__(
        self,
        config: CVMConfig,
        ledger: LedgerStore,
        customers: CustomerSource | None = None,
        clock: Callable[[], datetime] = _clock.now,
    ) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_pinned", None)
        object.__setattr__(self, "ledger", ledger)
        object.__setattr__(self, "clock", clock)
        object.__setattr__(self, "_customers", customers)
        object.__setattr__(self, "_parent", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ToolContext is immutable: cannot set {name}")

    def __repr__(self) -> str:
        return f"ToolContext(state_dir={str(self._config.state_path)!r})"

    @property
    def config(self) -> CVMConfig:
        """The configuration in force now (or pinned): catalogue version, outcomes."""
        pinned = self._pinned
        if pinned is not None:
            return pinned
        return with_outcomes(in_force(self._config, self.ledger), self.ledger)

    def pinned(self) -> ToolContext:
        """This context with the catalogue version in force now, for one decision.

        Every read of ``config`` then gives that one version, so a decision made
        of several reads (and the version it records) is never a mix of two.
        """
        ctx = ToolContext(self._config, self.ledger, self._customers, self.clock)
        object.__setattr__(ctx, "_pinned", self.config)
        object.__setattr__(ctx, "_parent", self._parent or self)
        return ctx

    @property
    def base_config(self) -> CVMConfig:
        """The configuration as given (the file's catalogue, version 1)."""
        return self._config

    @property
    def customers(self) -> CustomerSource:
        """The customer source, opened (and shared per store file) on first use."""
        source = self._customers
        if source is None:
            if self._parent is not None:  # the context it was pinned from keeps it
                source = self._parent.customers
            else:
                from tools.customer_base import customer_source

                source = customer_source(self.config)  # one per store, its lock
            object.__setattr__(self, "_customers", source)
        return source

    def identity(self) -> tuple[int, ...]:
        """What decisions on this context depend on, by identity.

        Contexts alike read the same configuration in force, ledger and customers.
        """
        return (
            id(self._config),
            id(self._pinned),
            id(self.ledger),
            id(self.customers),
            id(self.clock),
        )

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
        ledger = open_ledger(config.state_path)  # one store per file and process
        return cls(config=config, ledger=ledger, customers=customers)


def default_context() -> ToolContext:
    """The context of the configuration and state dir in force."""
    return ToolContext.create()
