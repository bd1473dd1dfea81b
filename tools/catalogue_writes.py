"""The catalogue's WRITE tools for the model and the planner (one change each).

Each builds a :class:`~tools.catalogue_changes.CatalogueChange` and makes it through
:func:`tools.catalogue_tools.commit_change` (role, validation, capacity, one ledger
transaction, audit). They run only once the analyst approved the pending action.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tools.catalogue_changes import CatalogueChange, slug
from tools.catalogue_tools import CatalogueChangeResult, commit_change
from tools.config import Channel, Condition, Purpose
from tools.context import ToolContext
from tools.lazy_model import LazyModel


class AddTreatmentArgs(LazyModel):
    """A new treatment and its daily capacity."""

    display_name: str = Field(description="Its name, e.g. '10% discount SMS'.")
    channel: Channel
    purpose: Purpose
    cost: float = Field(description="Cost per contact in pounds.")
    max_per_day: int | None = Field(None, description="Daily capacity (None: none).")
    daily_budget: float | None = Field(None, description="Daily budget in pounds.")
    base_propensity: float | None = Field(
        None, description="P(accept) prior, 0..1 (None: the default 0.1)."
    )
    description: str | None = None
    treatment_key: str | None = Field(None, description="None: made from the name.")
    reason: str | None = None

    def change(self) -> CatalogueChange:
        """The catalogue change these arguments ask for."""
        fields = self.model_dump(exclude_none=True, exclude={"treatment_key", "reason"})
        return CatalogueChange(
            action="add",
            treatment_key=self.treatment_key or slug(self.display_name),
            fields=fields,
            reason=self.reason or "",
        )


class ChangeTreatmentArgs(LazyModel):
    """Fields of one treatment to change (None: unchanged)."""

    treatment_key: str = Field(description="The treatment, e.g. 'marketing_call_back'.")
    enabled: bool | None = Field(None, description="False disables, True enables.")
    max_per_day: int | None = Field(None, description="New daily capacity.")
    daily_budget: float | None = Field(None, description="New daily budget (£).")
    cost: float | None = Field(None, description="New cost per contact (£).")
    base_propensity: float | None = Field(None, description="New P(accept) prior.")
    priority: int | None = None
    display_name: str | None = None
    description: str | None = None
    applicable_when: list[Condition] | None = Field(
        None, description="New applicability conditions (ANY holds)."
    )
    force: bool = Field(
        False, description="Apply a limit below today's bookings (they stay)."
    )
    reason: str | None = None

    def change(self) -> CatalogueChange:
        """The catalogue change these arguments ask for."""
        fields: dict[str, Any] = self.model_dump(
            mode="json",
            exclude_none=True,
            exclude={"treatment_key", "force", "reason"},
        )
        action = "set"
        if set(fields) == {"enabled"}:
            action = "enable" if fields.pop("enabled") else "disable"
        return CatalogueChange(
            action=action,  # type: ignore[arg-type]
            treatment_key=self.treatment_key.strip(),
            fields=fields,
            force=self.force,
            reason=self.reason or "",
        )


class RollbackArgs(LazyModel):
    """Which catalogue version to go back to."""

    version: int | None = Field(
        None, description="The version (None: the one before the version in force)."
    )
    reason: str | None = None

    def change(self) -> CatalogueChange:
        """The catalogue change these arguments ask for."""
        return CatalogueChange(
            action="rollback", to_version=self.version, reason=self.reason or ""
        )


def add_treatment(
    display_name: str,
    channel: Channel,
    purpose: Purpose,
    cost: float,
    ctx: ToolContext,
    approved_by: str,
    login: bool = False,
    max_per_day: int | None = None,
    daily_budget: float | None = None,
    base_propensity: float | None = None,
    description: str | None = None,
    treatment_key: str | None = None,
    reason: str | None = None,
) -> CatalogueChangeResult:
    """Add a treatment to the catalogue (WRITE: a new catalogue version).

    Only when the analyst asked for it; it runs once they approve the change shown.
    Its P(accept) starts from its prior and learns like any other.

    Args:
        display_name: Its name.
        channel: sms, email, call, push, app.
        purpose: marketing, service or billing.
        cost: Pounds per contact.
        ctx: Configuration and ledger.
        approved_by: Who approved it (needs the catalogue role when configured).
        login: The approver logged in (UI login: the role must be configured).
        max_per_day: Daily capacity.
        daily_budget: Daily budget in pounds.
        base_propensity: P(accept) prior.
        description: What it is (default: its name).
        treatment_key: Its key (default: made from the name).
        reason: Why.
    """
    args = AddTreatmentArgs(
        display_name=display_name, channel=channel, purpose=purpose, cost=cost,
        max_per_day=max_per_day, daily_budget=daily_budget,
        base_propensity=base_propensity, description=description,
        treatment_key=treatment_key, reason=reason,
    )  # fmt: skip
    return commit_change(args.change(), ctx, approved_by, login=login)


def change_treatment(
    treatment_key: str,
    ctx: ToolContext,
    approved_by: str,
    login: bool = False,
    enabled: bool | None = None,
    max_per_day: int | None = None,
    daily_budget: float | None = None,
    cost: float | None = None,
    base_propensity: float | None = None,
    priority: int | None = None,
    display_name: str | None = None,
    description: str | None = None,
    applicable_when: list[Condition] | None = None,
    force: bool = False,
    reason: str | None = None,
) -> CatalogueChangeResult:
    """Change, disable or enable a catalogue treatment (WRITE: a new version).

    Capacity, budget, cost, prior, applicability or enabled; fields left None are
    unchanged. A capacity or budget below what is booked today is refused
    (CAPACITY) unless force is true.

    Args:
        treatment_key: The treatment.
        ctx: Configuration and ledger.
        approved_by: Who approved it (needs the catalogue role when configured).
        login: The approver logged in (UI login: the role must be configured).
        enabled: False disables it, True enables it.
        max_per_day: New daily capacity.
        daily_budget: New daily budget in pounds.
        cost: New cost per contact in pounds.
        base_propensity: New P(accept) prior.
        priority: New priority.
        display_name: New name.
        description: New description.
        applicable_when: New applicability conditions.
        force: Apply a limit below today's bookings.
        reason: Why.
    """
    args = ChangeTreatmentArgs(
        treatment_key=treatment_key, enabled=enabled, max_per_day=max_per_day,
        daily_budget=daily_budget, cost=cost, base_propensity=base_propensity,
        priority=priority, display_name=display_name, description=description,
        applicable_when=applicable_when, force=force, reason=reason,
    )  # fmt: skip
    return commit_change(args.change(), ctx, approved_by, login=login)


def rollback_catalogue(
    ctx: ToolContext,
    approved_by: str,
    login: bool = False,
    version: int | None = None,
    reason: str | None = None,
) -> CatalogueChangeResult:
    """Roll the catalogue back to an earlier version (WRITE: a new version).

    Args:
        ctx: Configuration and ledger.
        approved_by: Who approved it (needs the catalogue role when configured).
        login: The approver logged in (UI login: the role must be configured).
        version: The version to go back to (None: the one before).
        reason: Why.
    """
    change = RollbackArgs(version=version, reason=reason).change()
    return commit_change(change, ctx, approved_by, login=login)
