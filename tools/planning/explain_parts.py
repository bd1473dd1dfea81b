"""Parts of a plan's explanation: its configuration and date, one customer, the split.

Used by :mod:`tools.planning.explain` (``explain_plan``).
"""

from __future__ import annotations

from datetime import date

from tools.catalogue_versions import SEED_VERSION, stored_config
from tools.config import CVMConfig
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.learning_counts import with_outcomes
from tools.ledger.model import PlanRow
from tools.planning.explain_model import CustomerInPlan, TreatmentTotal
from tools.planning.model import HeldOut, Plan


def customer_in_plan(
    cid: str | None,
    row: PlanRow | None,
    held: HeldOut | None,
    reason: str | None,
    rules: list[str],
) -> CustomerInPlan | None:
    """Where the customer asked about stands: in the plan, held out, left out (why).

    ``row`` is their plan row, ``held`` their held-out row; ``reason`` and ``rules``
    what the tally found for them among the others in scope (None: not in scope).
    """
    if cid is None:
        return None
    if row is not None:
        return CustomerInPlan(
            customer_id=cid,
            status="contacted",
            treatment_key=row.treatment_key,
            expected_value=round(row.expected_value, 2),
        )
    if held is not None:
        return CustomerInPlan(
            customer_id=cid,
            status="held_out",
            treatment_key=held.treatment_key,
            expected_value=round(held.expected_value, 2),
        )
    if reason is None:
        return CustomerInPlan(customer_id=cid, status="not_in_scope")
    return CustomerInPlan(
        customer_id=cid,
        status="left_out",
        reason=reason,  # type: ignore[arg-type]
        rules=rules,
    )


def split_by_treatment(plan: Plan) -> list[TreatmentTotal]:
    """The plan's treatments with customers, cost and expected value, most first."""
    lines = [
        TreatmentTotal(
            treatment_key=key,
            display_name=line.display_name,
            customers=line.count,
            spend=round(line.spend, 2),
            expected_value=round(line.value, 2),
        )
        for key, line in plan.by_treatment.items()
        if line.count
    ]
    return sorted(lines, key=lambda t: (-t.customers, t.treatment_key))


def plan_config(ctx: ToolContext, version: int) -> CVMConfig:
    """The configuration with catalogue ``version`` (the one a plan was made on).

    Raises:
        ToolInputError: The ledger no longer holds that version.
    """
    now = ctx.config
    if now.catalogue_version == version:
        return now
    stored = ctx.ledger.catalogue_version(version)
    if stored is not None:
        config = stored_config(ctx.base_config, stored, ctx.ledger.location)
    elif version == SEED_VERSION:
        config = ctx.base_config
    else:
        raise ToolInputError(f"Catalogue version {version} is not in the ledger.")
    return with_outcomes(config, ctx.ledger)


def decision_date(ctx: ToolContext) -> date | None:
    """The date the kernel reads the store's customers as of (None: no customers)."""
    found = ctx.customers.feature_columns(["as_of"], "row_no < 1")["as_of"]
    return date.fromisoformat(str(found[0])[:10]) if len(found) else None
