"""Outcomes as rows: one definition for both backends.

How an outcome (:mod:`tools.ledger.outcomes`) is stored (:func:`new_row`, the cell
counts' change :func:`count_rows`) and read back (:func:`stored`, :func:`group`,
:func:`cell_count`, the bookings' facts :func:`facts`), and what a write reports
(:func:`written`). Backends keep their tables' types, SQL and locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tools.ledger.outcomes import (
    BookingFacts,
    Cell,
    CellCount,
    NewOutcome,
    OutcomeGroup,
    OutcomeWrite,
    StoredOutcome,
)
from tools.ledger.outcomes_write import WritePlan
from tools.ledger.rows import Dialect, day

COLUMNS = (
    "allocation_id, customer_id, treatment_key, channel, booked_day, status, "
    "outcome_on, value, recorded_at, recorded_by, value_level, churn_level, fit, "
    "p_expected, plan_id"
)
SELECT = f"SELECT {COLUMNS} FROM outcomes"
COUNTS = (
    "SELECT treatment_key, value_level, churn_level, fit, trials, accepted "
    "FROM outcome_counts WHERE trials > 0"
)
# Aggregates by treatment, channel, cell, plan and status; then WHERE, GROUP_BY.
GROUPS = (
    "SELECT treatment_key, channel, value_level, churn_level, plan_id, status, "
    "COUNT(*), COALESCE(SUM(value), 0), COUNT(value), SUM(p_expected) FROM outcomes"
)
GROUP_BY = " GROUP BY 1, 2, 3, 4, 5, 6"
# What an outcome needs of its booking (then WHERE on id) and of its plan row.
BOOKINGS = (
    "SELECT id, customer_id, treatment_key, channel, day, status FROM allocations"
)
PLANS_OF = "SELECT allocation_id, plan_id FROM plan_rows"


def stored(row: Sequence[Any]) -> StoredOutcome:
    """An ``outcomes`` row (in :data:`COLUMNS` order) as a typed value."""
    return StoredOutcome(
        allocation_id=int(row[0]),
        customer_id=row[1],
        treatment_key=row[2],
        channel=row[3],
        booked_day=day(row[4]),
        status=row[5],
        on=day(row[6]),
        value=None if row[7] is None else float(row[7]),
        recorded_at=row[8],
        recorded_by=row[9],
        cell=Cell(row[2], int(row[10]), int(row[11]), bool(row[12])),
        p_expected=float(row[13]),
        plan_id=row[14],
    )


def by_booking(rows: Iterable[Sequence[Any]]) -> dict[int, StoredOutcome]:
    """Outcome rows by their booking's id."""
    return {o.allocation_id: o for o in map(stored, rows)}


def group(r: Sequence[Any]) -> OutcomeGroup:
    """An aggregate row of :data:`GROUPS` as a typed value."""
    return OutcomeGroup(
        treatment_key=r[0],
        channel=r[1],
        value_level=int(r[2]),
        churn_level=int(r[3]),
        plan_id=r[4],
        status=r[5],
        count=int(r[6]),
        value=float(r[7]),
        valued=int(r[8]),
        p_expected=float(r[9]),
    )


def cell_count(r: Sequence[Any]) -> CellCount:
    """A row of :data:`COUNTS` as a typed value."""
    return CellCount(Cell(r[0], int(r[1]), int(r[2]), bool(r[3])), int(r[4]), int(r[5]))


def facts(
    bookings: Iterable[Sequence[Any]], plans: Mapping[Any, str]
) -> dict[int, BookingFacts]:
    """Rows of :data:`BOOKINGS` with their plans (by booking id), by booking id."""
    return {
        int(r[0]): BookingFacts(r[1], r[2], r[3], day(r[4]), r[5], plans.get(r[0]))
        for r in bookings
    }


def new_row(o: NewOutcome, b: BookingFacts, d: Dialect) -> tuple[Any, ...]:
    """An outcome's values for :data:`COLUMNS`."""
    return (
        o.allocation_id,
        o.customer_id,
        o.treatment_key,
        b.channel,
        d.day(b.day),
        o.status,
        d.day(o.on),
        o.value,
        o.recorded_at,
        o.recorded_by,
        o.cell.value_level,
        o.cell.churn_level,
        d.flag(o.cell.fit),
        o.p_expected,
        b.plan_id,
    )


def count_rows(plan: WritePlan, d: Dialect) -> list[tuple[Any, ...]]:
    """The counts' change as ``outcome_counts`` rows (cell, trials, accepted)."""
    return [
        (c.treatment_key, c.value_level, c.churn_level, d.flag(c.fit), t, a)
        for c, (t, a) in plan.deltas.items()
        if t or a
    ]


def written(plan: WritePlan, version: int) -> OutcomeWrite:
    """What a write did, given the version after it."""
    return OutcomeWrite(
        recorded=len(plan.insert) - len(plan.replace),
        replaced=len(plan.replace),
        unchanged=plan.unchanged,
        version=version,
    )
