"""The catalogue tools that read: the treatments in force, one treatment, the history.

The catalogue is versioned in the ledger (:mod:`tools.catalogue_versions`); these
read the version in force (``ctx.config``) and the stored versions. Changes are the
WRITE tools of :mod:`tools.catalogue_tools`.
"""

from __future__ import annotations

import json

from pydantic import Field

from tools.catalogue_changes import diff
from tools.catalogue_versions import SEED_VERSION
from tools.config import Condition
from tools.context import ToolContext
from tools.lazy_model import LazyModel
from tools.ledger.catalogue import StoredCatalogue


class CatalogueItem(LazyModel):
    """One treatment of the catalogue."""

    treatment_key: str
    display_name: str
    description: str
    channel: str
    purpose: str
    cost: float = Field(description="Cost per contact in pounds.")
    enabled: bool
    max_per_day: int | None = Field(description="Daily capacity (None: no limit).")
    daily_budget: float | None = Field(None, description="Daily budget in pounds.")


class Catalogue(LazyModel):
    """Every treatment of the catalogue version in force, in catalogue order."""

    version: int = Field(1, description="The catalogue version in force.")
    treatments: list[CatalogueItem]


class TreatmentDetail(CatalogueItem):
    """One treatment with everything that decides about it."""

    version: int = Field(description="The catalogue version in force.")
    base_propensity: float = Field(description="P(accept) before signals: its prior.")
    propensity_boosts: dict[str, float]
    applicable_when: list[Condition]
    priority: int | None = None
    reserved_share: float | None = None


class TreatmentKeyArgs(LazyModel):
    """One treatment."""

    treatment_key: str = Field(description="A treatment key, e.g. 'retention_sms'.")


class HistoryArgs(LazyModel):
    """How many catalogue versions."""

    limit: int = Field(20, ge=1, le=200, description="Newest versions first.")


class CatalogueVersionInfo(LazyModel):
    """One catalogue version: who changed what, when and why."""

    version: int
    created_at: str
    created_by: str
    action: str
    treatment_key: str | None = None
    reason: str
    rolled_back_to: int | None = None
    changes: list[str] = Field(description="What changed from the version before.")
    in_force: bool = False


class CatalogueHistory(LazyModel):
    """Catalogue versions, newest first (version 1 is the configuration file's)."""

    in_force: int
    versions: list[CatalogueVersionInfo]


def list_treatments(ctx: ToolContext) -> Catalogue:
    """List the treatment catalogue in force (key, channel, purpose, cost, capacity).

    Not whether one is lawful for a customer: that is recommend_treatment.

    Args:
        ctx: The configuration and ledger (the catalogue version in force).
    """
    config = ctx.config
    items = []
    for key, t in config.treatments.items():
        c = config.constraints.get(key)
        items.append(
            CatalogueItem(
                treatment_key=key,
                display_name=t.display_name,
                description=t.description,
                channel=t.channel,
                purpose=t.purpose,
                cost=t.cost,
                enabled=t.enabled,
                max_per_day=c.max_per_day if c else None,
                daily_budget=c.daily_budget if c else None,
            )
        )
    return Catalogue(version=config.catalogue_version, treatments=items)


def show_treatment(treatment_key: str, ctx: ToolContext) -> TreatmentDetail:
    """One treatment of the catalogue in force with its prior, boosts and conditions.

    Args:
        treatment_key: The treatment.
        ctx: The configuration and ledger (the catalogue version in force).

    Raises:
        UnknownTreatmentError: No such treatment in the version in force.
    """
    config = ctx.config
    key = treatment_key.strip()
    t = config.treatment(key)
    c = config.constraints.get(key)
    return TreatmentDetail(
        version=config.catalogue_version,
        treatment_key=key,
        max_per_day=c.max_per_day if c else None,
        daily_budget=c.daily_budget if c else None,
        priority=c.priority if c else None,
        reserved_share=c.reserved_share if c else None,
        **t.model_dump(),
    )


def catalogue_history(ctx: ToolContext, limit: int = 20) -> CatalogueHistory:
    """The catalogue's versions, newest first: who changed what, when and why.

    Args:
        ctx: The ledger holding the versions.
        limit: At most this many versions.
    """
    stored = ctx.ledger.catalogue_history(limit + 1)
    if not stored:
        seed = CatalogueVersionInfo(
            version=SEED_VERSION,
            created_at="",
            created_by="config",
            action="seed",
            reason=f"the configuration file ({ctx.base_config.source or 'default'})",
            changes=[],
            in_force=True,
        )
        return CatalogueHistory(in_force=SEED_VERSION, versions=[seed])
    versions = [
        _info(s, stored[i + 1] if i + 1 < len(stored) else None, i == 0)
        for i, s in enumerate(stored[:limit])
    ]
    return CatalogueHistory(in_force=stored[0].version, versions=versions)


def _info(
    s: StoredCatalogue, before: StoredCatalogue | None, newest: bool
) -> CatalogueVersionInfo:
    changes = (
        diff(json.loads(before.body), json.loads(s.body)) if before is not None else []
    )
    return CatalogueVersionInfo(
        version=s.version,
        created_at=s.created_at,
        created_by=s.created_by,
        action=s.action,
        treatment_key=s.treatment_key,
        reason=s.reason,
        rolled_back_to=s.rolled_back_to,
        changes=changes,
        in_force=newest,
    )


__all__ = [
    "Catalogue",
    "CatalogueHistory",
    "CatalogueItem",
    "TreatmentDetail",
    "catalogue_history",
    "list_treatments",
    "show_treatment",
]
