"""Catalogue versions as the ledger holds them: plain typed values, no SQL.

The treatment catalogue (treatments and their daily capacities) is versioned beside
the bookings: every change is a new version with who, when, why and what kind of
change; the newest version is the one in force. The body is the catalogue as JSON
text; :mod:`tools.catalogue_versions` gives it meaning (the config's pydantic
models), the store only keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tools.ledger.model import AuditEntry


@dataclass(frozen=True)
class CatalogueHead:
    """Which version is in force (cheap to read on every tool call)."""

    version: int
    created_at: str  # ISO instant, seconds


@dataclass(frozen=True)
class NewCatalogue:
    """A catalogue version to append (its number is given by the store)."""

    created_at: datetime
    created_by: str
    action: str  # seed, add, set, disable, enable, rollback
    reason: str
    body: str  # JSON: {"treatments": {...}, "constraints": {...}}
    treatment_key: str | None = None
    rolled_back_to: int | None = None


@dataclass(frozen=True)
class StoredCatalogue:
    """One catalogue version as stored."""

    version: int
    created_at: str
    created_by: str
    action: str
    reason: str
    body: str
    treatment_key: str | None = None
    rolled_back_to: int | None = None

    @property
    def head(self) -> CatalogueHead:
        """This version as a head."""
        return CatalogueHead(self.version, self.created_at)


# Given the version in force (None: none stored yet), the versions to append, in
# order; pure, may be called again on a retry; raising writes nothing.
CatalogueEdit = Callable[[StoredCatalogue | None], Sequence[NewCatalogue]]

# Given the versions just appended, the audit record of the change: written in the
# same transaction as the versions (a change is never stored without its audit
# record, nor the record without the change); pure, may be called again on a retry.
CatalogueAudit = Callable[[Sequence[StoredCatalogue]], AuditEntry]
