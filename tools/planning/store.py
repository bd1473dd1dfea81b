"""Plans kept in the ledger, next to the bookings they lead to, as :class:`Plan` models.

The ledger store keeps each plan's JSON document and rows
(:meth:`tools.ledger.protocol.LedgerStore.save_plan` and friends); this reads and
writes them as the planner's typed plans. A plan whose limits go beyond the
configuration (a what-if with extra slots or budget) is stored flagged hypothetical:
the booking writer refuses to book it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tools.errors import ToolInputError
from tools.ledger import LedgerStore, NewPlan
from tools.ledger.model import PlanRow, PlanRowInput
from tools.planning.model import Plan

if TYPE_CHECKING:
    from tools.context import ToolContext

__all__ = ["PlanRow", "PlanStore", "plan_store"]


class PlanStore:
    """Plans of one ledger.

    Args:
        ledger: The ledger store that holds the plans.
    """

    def __init__(self, ledger: LedgerStore) -> None:
        self.ledger = ledger

    def save(self, plan: Plan, rows: list[PlanRowInput]) -> Plan:
        """Store a plan (its id is assigned here) and its assignment rows."""
        plan_id = self.ledger.save_plan(
            NewPlan(
                day=plan.day,
                created_at=plan.created_at,
                parent_id=plan.parent_id,
                hypothetical=plan.hypothetical,
                body=lambda new_id: plan.model_copy(
                    update={"plan_id": new_id}
                ).model_dump_json(),
                rows=rows,
            )
        )
        return plan.model_copy(update={"plan_id": plan_id})

    def get(self, plan_id: str) -> Plan:
        """A stored plan; ``ToolInputError`` if there is none by that id."""
        found = self.ledger.get_plan(plan_id.strip())
        if found is None:
            raise ToolInputError(f"There is no plan {plan_id!r}.")
        return Plan.model_validate_json(found.body)

    def latest(self) -> Plan | None:
        """The most recent plan, if any."""
        found = self.ledger.latest_plan()
        return Plan.model_validate_json(found.body) if found else None

    def rows(self, plan_id: str) -> list[PlanRow]:
        """A plan's assignment rows in booking order (standard customers first)."""
        return self.ledger.plan_rows(plan_id)

    def iter_rows(self, plan_id: str) -> Iterator[PlanRow]:
        """The rows, one by one (for exports)."""
        yield from self.rows(plan_id)


def plan_store(ctx: ToolContext) -> PlanStore:
    """The plan store of a context's ledger."""
    return PlanStore(ctx.ledger)
