"""The Catalogue tool: the treatments the operator can deliver."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.context import ToolContext


class CatalogueItem(BaseModel):
    """One treatment of the catalogue."""

    treatment_key: str
    display_name: str
    description: str
    channel: str
    purpose: str
    cost: float = Field(description="Cost per contact in pounds.")
    enabled: bool
    max_per_day: int | None = Field(description="Daily capacity (None: no limit).")


class Catalogue(BaseModel):
    """Every treatment in the configuration, in configuration order."""

    treatments: list[CatalogueItem]


def list_treatments(ctx: ToolContext) -> Catalogue:
    """List the treatment catalogue (key, channel, purpose, cost, daily capacity).

    Not whether one is lawful for a customer: that is recommend_treatment.

    Args:
        ctx: The configuration in force.
    """
    config = ctx.config
    return Catalogue(
        treatments=[
            CatalogueItem(
                treatment_key=key,
                display_name=t.display_name,
                description=t.description,
                channel=t.channel,
                purpose=t.purpose,
                cost=t.cost,
                enabled=t.enabled,
                max_per_day=(
                    config.constraints[key].max_per_day
                    if key in config.constraints
                    else None
                ),
            )
            for key, t in config.treatments.items()
        ]
    )
