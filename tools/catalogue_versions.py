"""The versioned treatment catalogue: which version is in force, as a configuration.

The configuration file's ``treatments`` and ``constraints`` are catalogue version 1.
Every change stored in the ledger (:meth:`tools.ledger.LedgerStore.change_catalogue`)
is a new version; the newest is in force. :func:`in_force` gives the configuration
a tool runs with: the file's, with the treatments and constraints of the version in
force, validated by the same pydantic models as the file (one validator per field).
It reads the ledger's head on every call (one indexed read), so a change made by any
process (CLI, UI, batch) takes effect for the next decision without a restart; the
configuration of a version is made once per process and then shared, so the
per-configuration memos (kernel arrays, prompt, vocabulary) stay warm.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from pydantic import ValidationError

from tools.config import CVMConfig
from tools.errors import ConfigError, ToolInputError
from tools.ledger.catalogue import CatalogueHead, StoredCatalogue
from tools.ledger.protocol import LedgerStore

SEED_VERSION = 1
SECTIONS = ("treatments", "constraints")
_KEPT = 32  # configurations of versions kept per process
_made: dict[tuple[int, str, int, str], tuple[CVMConfig, CVMConfig]] = {}
_lock = threading.Lock()


class CatalogueInvalid(ToolInputError):
    """A catalogue change that fails validation; nothing was changed.

    Attributes:
        key: The dotted key path of the offending value (``treatments.x.cost``).
        problem: What is wrong, in one short line.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key, self.problem = key, problem
        where = f"{key}: " if key else ""
        super().__init__(
            f"Invalid catalogue change: {where}{problem}; nothing changed."
        )


Body = dict[str, dict[str, Any]]  # {"treatments": {...}, "constraints": {...}}


def body_of(config: CVMConfig) -> Body:
    """The catalogue part of a configuration as JSON-ready data."""
    dumped = config.model_dump(mode="json", include=set(SECTIONS))
    return {s: dumped[s] for s in SECTIONS}


def dump_body(body: Body) -> str:
    """A catalogue body as the ledger stores it (JSON, in catalogue order)."""
    return json.dumps(body, separators=(",", ":"))


def with_catalogue(base: CVMConfig, body: Body, version: int) -> CVMConfig:
    """``base`` with the treatments and constraints of ``body``, validated whole.

    Raises:
        CatalogueInvalid: The body fails the configuration's models or cross-checks
            (the key path and the problem, as the config loader says them).
    """
    fields = {name: getattr(base, name) for name in CVMConfig.model_fields}
    try:
        return CVMConfig.model_validate(
            {**fields, **body, "catalogue_version": version}
        )
    except ValidationError as exc:
        from tools.config_messages import describe  # (difflib: only on a problem)

        errors = exc.errors()
        key, problem = describe(errors[0], body, CVMConfig)
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem(s))"
        raise CatalogueInvalid(key, problem) from None


def stored_config(base: CVMConfig, stored: StoredCatalogue, where: str) -> CVMConfig:
    """The configuration of a stored version.

    Raises:
        ConfigError: The stored version no longer validates (a configuration
            model changed since it was stored): names the ledger and the version.
    """
    try:
        return with_catalogue(base, json.loads(stored.body), stored.version)
    except CatalogueInvalid as exc:
        raise ConfigError(
            where, f"catalogue version {stored.version}.{exc.key}", exc.problem
        ) from None


def in_force(base: CVMConfig, ledger: LedgerStore) -> CVMConfig:
    """The configuration with the catalogue version in force (``base`` if none stored).

    Args:
        base: The configuration file's configuration.
        ledger: The ledger holding the catalogue versions.
    """
    head = ledger.catalogue_head()
    if head is None:
        return base
    return _config_of(base, ledger, head)


def _config_of(base: CVMConfig, ledger: LedgerStore, head: CatalogueHead) -> CVMConfig:
    key = (id(base), ledger.location, head.version, head.created_at)
    hit = _made.get(key)
    if hit is not None and hit[0] is base:
        return hit[1]
    stored = ledger.catalogue_version(head.version)
    if stored is None:  # a restore between the two reads: read the head again
        return in_force(base, ledger)
    config = stored_config(base, stored, ledger.location)
    with _lock:
        _made[key] = (base, config)
        while len(_made) > _KEPT:
            _made.pop(next(iter(_made)))
    return config
