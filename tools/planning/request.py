"""What the analyst asks a plan for: the day, a scope and changes to the limits."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from tools.config import Channel, CVMConfig, Purpose
from tools.errors import ToolInputError
from tools.fields import Amount, Count, Day
from tools.lazy_model import LazyModel


class PlanScope(LazyModel):
    """Which customers and treatments a plan may use (empty = all)."""

    model_config = ConfigDict(extra="forbid")

    customers: list[str] = Field(default_factory=list, description="Customer ids.")
    among: str | None = Field(
        None,
        pattern=r"^L[0-9a-f]{10}$",
        description="The customer list (a find_customers list_id) the customers "
        "are, as it read when the plan was made.",
    )
    without_customers: list[str] = Field(
        default_factory=list, description="Customer ids left out of the plan."
    )
    treatments: list[str] = Field(default_factory=list, description="Treatment keys.")
    channels: list[Channel] = Field(default_factory=list)
    purposes: list[Purpose] = Field(
        default_factory=list, description="e.g. ['marketing'] for a retention campaign."
    )


class PlanRequest(LazyModel):
    """A plan's day, scope and the limits changed from the configuration.

    ``capacity`` replaces a treatment's ``max_per_day``; ``budget`` caps the whole
    plan's cost; ``channel_budgets`` and ``treatment_budgets`` cap spend per channel
    or treatment today; ``without_channels`` leaves channels out entirely.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    day: Day | None = None  # 1900-2100, as every stored day
    scope: PlanScope = Field(default_factory=PlanScope)
    capacity: dict[str, Count] = Field(default_factory=dict)
    without_channels: list[Channel] = Field(default_factory=list)
    budget: Amount | None = None
    channel_budgets: dict[Channel, Amount] = Field(default_factory=dict)
    treatment_budgets: dict[str, Amount] = Field(default_factory=dict)

    def check(self, config: CVMConfig) -> PlanRequest:
        """Raise ``ToolInputError`` naming any unknown treatment or bad number."""
        known = set(config.treatments)
        for where, keys in (
            ("scope.treatments", self.scope.treatments),
            ("capacity", list(self.capacity)),
            ("treatment_budgets", list(self.treatment_budgets)),
        ):
            bad = [k for k in keys if k not in known]
            if bad:
                raise ToolInputError(
                    f"{where}: unknown treatment {bad[0]!r} "
                    f"(known: {', '.join(sorted(known))})"
                )
        for key, n in self.capacity.items():
            if n < 0:
                raise ToolInputError(f"capacity {key}={n}: must be 0 or more")
        budgets: dict[str, float] = {**self.treatment_budgets}
        budgets.update({str(k): v for k, v in self.channel_budgets.items()})
        for name, value in budgets.items():
            if not value >= 0:
                raise ToolInputError(f"budget for {name}: must be 0 or more")
        return self

    def beyond_configuration(self, config: CVMConfig) -> bool:
        """Whether a limit is above the configured one (extra slots or budget).

        Such a plan is for comparison (a what-if), never for booking.
        """
        for key, n in self.capacity.items():
            cons = config.constraints.get(key)
            if cons is not None and n > cons.max_per_day:
                return True
        for key, pounds in self.treatment_budgets.items():
            cons = config.constraints.get(key)
            budget = cons.daily_budget if cons is not None else None
            if budget is not None and pounds > budget:
                return True
        return False

    def treatment_mask(self, config: CVMConfig) -> list[bool]:
        """Per configured treatment: whether this plan may use it."""
        scope = self.scope
        out = []
        for key, t in config.treatments.items():
            ok = key != "ignore" and t.enabled
            ok &= not scope.treatments or key in scope.treatments
            ok &= not scope.channels or t.channel in scope.channels
            ok &= not scope.purposes or t.purpose in scope.purposes
            ok &= t.channel not in self.without_channels
            out.append(ok)
        return out

    def changes(self) -> dict[str, object]:
        """The non-default parts, for display (what this plan changed)."""
        return self.model_dump(mode="json", exclude_defaults=True)
