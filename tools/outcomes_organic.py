"""What the held-out customers did with no contact (their organic outcomes).

A plan's holdout (:mod:`tools.planning.holdout`) is never contacted, so no booking
carries its outcome; the uplift of treated over held out
(:mod:`tools.outcomes_arms`) needs what those customers did on their own: whether
they converted (took up what the plan would have offered, through no contact of
ours) and the value they realised, if known. Both are recorded on the plan's
held-out rows (:class:`tools.planning.model.HeldOut`), in one ledger transaction per
plan (:meth:`tools.ledger.protocol.LedgerStore.revise_plan`): every row is checked
first (the customer was held out by that plan, the status and value are readable)
and the first bad one is named with nothing recorded. Recording the same outcome
again changes nothing; a different one replaces it.

``cvm organic-outcome PLAN CUSTOMER converted|not_converted [--value V] --yes``
records one; ``cvm import-organic FILE [--plan PLAN]`` a CSV or Parquet file
(columns ``customer_id``, ``converted``, optional ``value`` and ``plan_id``: one
plan per file).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.files import shorten
from tools.outcomes import OutcomeInputError
from tools.outcomes_import import amount_of, read_table
from tools.planning.model import HeldOut, Plan

log = logging.getLogger(__name__)

STATUSES = ("converted", "not_converted")
_WORDS = {
    **dict.fromkeys(("converted", "yes", "y", "true", "1"), True),
    **dict.fromkeys(("not_converted", "no", "n", "false", "0"), False),
}


@dataclass(frozen=True)
class OrganicInput:
    """One held-out customer's outcome with no contact, as given."""

    customer_id: str
    status: str  # converted / not_converted (a file may say yes / no, 1 / 0)
    value: float | None
    where: str  # how to name it in an error: "U124", "FILE: row 7"


class OrganicResult(BaseModel):
    """What a recording of organic outcomes did."""

    plan_id: str
    rows: int
    recorded: int
    replaced: int
    unchanged: int
    held_out: int  # customers the plan held out
    measured: int  # of them with an organic outcome now


def converted_of(o: OrganicInput) -> bool:
    """The input's status as converted or not (the problem with it otherwise)."""
    word = "_".join(str(o.status).strip().lower().split())
    if word not in _WORDS:
        raise OutcomeInputError(
            o.where,
            f"status '{str(o.status)[:40]}' is not converted or not_converted",
        )
    return _WORDS[word]


def _update(
    plan: Plan, inputs: Sequence[OrganicInput], checked: list[bool]
) -> tuple[Plan, list[int]]:
    """The plan with these outcomes on its held-out rows; counts per change."""
    rows = list(plan.held_out_rows)
    at = {h.customer_id: i for i, h in enumerate(rows)}
    counts = [0, 0, 0]  # recorded, replaced, unchanged
    for o, converted in zip(inputs, checked, strict=True):
        i = at.get(o.customer_id)
        if i is None:
            raise OutcomeInputError(
                o.where, f"{o.customer_id} was not held out by plan {plan.plan_id}"
            )
        old: HeldOut = rows[i]
        change = 0 if old.converted is None else 1
        if old.converted == converted and old.realised_value == o.value:
            change = 2
        counts[change] += 1
        rows[i] = old.model_copy(
            update={"converted": converted, "realised_value": o.value}
        )
    return plan.model_copy(update={"held_out_rows": rows}), counts


def record_organic(
    plan_id: str, inputs: Sequence[OrganicInput], ctx: ToolContext, source: str = ""
) -> OrganicResult:
    """Record held-out customers' organic outcomes on their plan: all, or none.

    ``source`` names where the plan id came from in an error (``FILE: ``).

    Raises:
        ToolInputError: No such plan; a customer it did not hold out, named twice,
            or a bad status or value (:class:`OutcomeInputError`, naming the
            input); nothing was recorded.
        LedgerUnavailable: The ledger cannot be written (rule LEDGER).
    """
    checked = [converted_of(o) for o in inputs]
    seen: set[str] = set()
    for o in inputs:
        if o.customer_id in seen:
            raise OutcomeInputError(o.where, f"{o.customer_id} is given twice")
        seen.add(o.customer_id)
        if o.value is not None and not (-1e9 <= o.value <= 1e9):  # also NaN
            raise OutcomeInputError(o.where, f"value {o.value} is not an amount")
    done: list[Plan] = []
    counts: list[int] = [0, 0, 0]

    def revise(body: str) -> str:
        plan, got = _update(Plan.model_validate_json(body), inputs, checked)
        done.append(plan)
        counts[:] = got
        return plan.model_dump_json()

    if not ctx.ledger.revise_plan(plan_id, revise):
        raise ToolInputError(
            f"{source}there is no plan {shorten(plan_id, 40)}; nothing was recorded"
        )
    plan = done[-1]
    result = OrganicResult(
        plan_id=plan_id,
        rows=len(inputs),
        recorded=counts[0],
        replaced=counts[1],
        unchanged=counts[2],
        held_out=len(plan.held_out_rows),
        measured=sum(h.converted is not None for h in plan.held_out_rows),
    )
    log.info(
        "organic outcomes plan=%s recorded=%d replaced=%d unchanged=%d",
        plan_id,
        result.recorded,
        result.replaced,
        result.unchanged,
    )
    return result


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def read_organic(
    path: Path, plan_id: str | None
) -> tuple[str, str, list[OrganicInput]]:
    """A file's name (as errors print it), the one plan it is for, its rows.

    Raises:
        ToolInputError: A bad file (missing, unreadable, no rows, a column
            missing), no plan (neither ``plan_id`` column nor ``plan_id`` given),
            two plans in one file, or a row's value malformed (named).
    """
    name, at, data = read_table(path, ("customer_id", "converted"))
    plan_col, value = at.get("plan_id"), at.get("value")
    if plan_id is None and plan_col is None:
        raise ToolInputError(f"{name}: no 'plan_id' column: give the plan (--plan)")
    inputs = []
    for n, r in enumerate(data, start=1):
        where = f"{name}: row {n}"
        row_plan = None if plan_col is None else _text(r[plan_col])
        if plan_id is None:
            plan_id = row_plan
        if row_plan and row_plan != plan_id:
            raise OutcomeInputError(
                where,
                f"plan {shorten(row_plan, 40)} is not {plan_id} (one plan per file)",
            )
        customer = _text(r[at["customer_id"]])
        if not customer:
            raise OutcomeInputError(where, "no customer_id")
        inputs.append(
            OrganicInput(
                customer,
                _text(r[at["converted"]]),
                amount_of(where, None if value is None else r[value]),
                where,
            )
        )
    if not plan_id:
        raise ToolInputError(f"{name}: no plan_id in its first row: give --plan")
    return name, plan_id, inputs


def import_organic(
    path: str | Path, ctx: ToolContext, plan_id: str | None = None
) -> OrganicResult:
    """Record a file's organic outcomes in one transaction, or none.

    Raises:
        ToolInputError: A bad file, plan or row (named); nothing was recorded.
        LedgerUnavailable: The ledger cannot be written (rule LEDGER).
    """
    name, plan, inputs = read_organic(Path(path), plan_id)
    return record_organic(plan, inputs, ctx, f"{name}: ")
