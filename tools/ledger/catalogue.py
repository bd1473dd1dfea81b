"""Catalogue versions as the ledger holds them: typed values and their rows.

The treatment catalogue (treatments and their daily capacities) is versioned beside
the bookings: every change is a new version with who, when, why and what kind of
change; the newest version is the one in force. The body is the catalogue as JSON
text; :mod:`tools.catalogue_versions` gives it meaning (the config's pydantic
models), the store only keeps it. Both backends (table ``catalogue_versions``)
number a change's versions with :func:`appended`, store them as :func:`as_row`
gives them and read them back with :func:`stored`, in :data:`COLUMNS` order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tools.ledger.model import AuditEntry
from tools.ledger.rows import stamp


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


COLUMNS = (
    "version, created_at, created_by, action, reason, body, treatment_key, "
    "rolled_back_to"
)
SELECT = f"SELECT {COLUMNS} FROM catalogue_versions"
NEWEST = " ORDER BY version DESC LIMIT 1"  # after SELECT: the version in force
HEAD = "SELECT version, created_at FROM catalogue_versions" + NEWEST


def stored(row: Sequence[Any]) -> StoredCatalogue:
    """A version from a row of :data:`COLUMNS`."""
    return StoredCatalogue(
        int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7]
    )


def head(row: Sequence[Any] | None) -> CatalogueHead | None:
    """The version in force from a row of :data:`HEAD` (None: none stored)."""
    return CatalogueHead(int(row[0]), row[1]) if row is not None else None


def appended(
    current: StoredCatalogue | None, new: Iterable[NewCatalogue]
) -> list[StoredCatalogue]:
    """The versions to append after ``current``, numbered from its version + 1."""
    first = (current.version if current else 0) + 1
    return [
        StoredCatalogue(
            first + i,
            stamp(n.created_at),
            n.created_by,
            n.action,
            n.reason,
            n.body,
            n.treatment_key,
            n.rolled_back_to,
        )
        for i, n in enumerate(new)
    ]


def as_row(s: StoredCatalogue) -> tuple[Any, ...]:
    """A version's values for :data:`COLUMNS`."""
    return (
        s.version,
        s.created_at,
        s.created_by,
        s.action,
        s.reason,
        s.body,
        s.treatment_key,
        s.rolled_back_to,
    )
