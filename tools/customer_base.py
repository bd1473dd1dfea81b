"""The customer base as the tools read it: the store with the kernel's derived tables.

Layers: :mod:`tools.store` (tables, import, sources) knows nothing of the kernel;
:mod:`tools.kernel` reads the store. The derived tables the kernel reads
(``customer_features``, ``offer_propensity``, ``customer_records``) are defined in
:mod:`tools.kernel.features`; this module hands that definition to the store as
:data:`DERIVED` wherever a store is opened, filled or imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tools.kernel import features
from tools.store.derived import Derivation

if TYPE_CHECKING:
    from tools.config import CVMConfig
    from tools.store.importer import ImportReport, Progress
    from tools.store.source import CustomerSource

DERIVED = Derivation(features.DERIVED_VERSION, features.build)


def customer_source(config: CVMConfig) -> CustomerSource:
    """The configured customer source (shared per store file or JSON folder)."""
    from tools.store.source import open_source

    return open_source(config, DERIVED)


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
        DERIVED,
        replace=replace,
        progress=progress,
    )
