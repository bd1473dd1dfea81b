"""The customer base as the tools read it: the store with the kernel's derived tables.

Layers: :mod:`tools.store` (tables, import, sources) knows nothing of the kernel;
:mod:`tools.kernel` reads the store. The derived tables the kernel reads
(``customer_features``, ``offer_propensity``, ``customer_records``) are defined in
:mod:`tools.kernel.features`; this module hands that definition to the store as
:data:`DERIVED` wherever a store is opened, filled or imported.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.kernel import features
from tools.kernel.said import SaidSpec, default_said, said_spec
from tools.store.derived import Derivation, Tick

if TYPE_CHECKING:
    from tools.config import CVMConfig
    from tools.store.importer import ImportReport, Progress
    from tools.store.source import CustomerSource


@lru_cache(maxsize=16)
def derivation(as_of: date | None, said: SaidSpec) -> Derivation:
    """The kernel's derived tables as of a configured decision date.

    ``as_of`` None: as of the store's own date (the data's as-of field, else its
    latest record date); a configured ``decisions.as_of`` gives another version, so
    a store built for another date is rebuilt when opened. ``said``: what is read
    from interactions (other words: another version too; equal tables share one).
    """

    def build(con: Any, tick: Tick | None) -> None:
        features.build(con, tick, as_of=as_of, said=said)

    return Derivation(features.derived_stamp(as_of, said), build)


def config_derivation(config: CVMConfig) -> Derivation:
    """The derived tables ``config`` decides on (its date, its interaction words)."""
    return derivation(config.decisions.as_of, said_spec(config.decisions))


def __getattr__(name: str) -> Derivation:
    """``DERIVED``: as of the store's own date, reading the default words.

    Made when first used (the defaults are read from the shipped configuration),
    so importing this module reads no file.
    """
    if name == "DERIVED":
        return derivation(None, default_said())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def customer_source(config: CVMConfig) -> CustomerSource:
    """The configured customer source (shared per store file or JSON folder)."""
    from tools.store.source import open_source

    return open_source(config, config_derivation(config))


def import_base(
    path: Path,
    config: CVMConfig,
    replace: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """``cvm import``: ``path`` into the configuration's store, atomically.

    Raises:
        ImportFailed: Problems were found (the report lists them); nothing changed.
    """
    from tools.store.importer import import_path
    from tools.store.source import store_path

    return import_path(
        path,
        store_path(config),
        config.validation.customer_id_pattern,
        config_derivation(config),
        replace=replace,
        progress=progress,
    )
