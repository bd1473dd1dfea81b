"""What an outcome write does, decided from what the store read: pure, no SQL.

Both backends read, inside their write transaction, the bookings the rows name and
the outcomes those bookings already have, and hand them to :func:`plan_write`; it
checks every row against its booking (raising :class:`OutcomeRefused` for the first
that fails, so nothing is written), drops the rows that change nothing and gives the
rows to insert, the outcomes they replace and the change of each cell's counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tools.ledger.outcomes import (
    TRIAL_STATUSES,
    BookingFacts,
    Cell,
    NewOutcome,
    OutcomeRefused,
    StoredOutcome,
)


@dataclass
class WritePlan:
    """The rows to insert, the outcomes they replace, the counts' change."""

    insert: list[tuple[NewOutcome, BookingFacts]] = field(default_factory=list)
    replace: list[int] = field(default_factory=list)  # allocation ids to delete
    deltas: dict[Cell, list[int]] = field(default_factory=dict)  # [trials, accepted]
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """Whether the write changes anything."""
        return bool(self.insert)

    def count(self, cell: Cell, status: str, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) one outcome from its cell's counts."""
        if status not in TRIAL_STATUSES:
            return
        d = self.deltas.setdefault(cell, [0, 0])
        d[0] += sign
        d[1] += sign * (status == "accepted")


def _problem(row: NewOutcome, booking: BookingFacts | None) -> str | None:
    if booking is None:
        return f"no booking #{row.allocation_id} in the ledger"
    if booking.status != "active":
        return f"booking #{row.allocation_id} was released: it has no outcome"
    if (booking.customer_id, booking.treatment_key) != (
        row.customer_id,
        row.treatment_key,
    ):
        return (
            f"booking #{row.allocation_id} is {booking.customer_id}'s "
            f"{booking.treatment_key}, not {row.customer_id}'s {row.treatment_key}"
        )
    if row.on < booking.day:
        return (
            f"outcome date {row.on} is before booking #{row.allocation_id}'s day "
            f"{booking.day}"
        )
    return None


def same(old: StoredOutcome, new: NewOutcome) -> bool:
    """Whether ``new`` says what ``old`` already says (a re-import)."""
    return (old.status, old.on, old.value) == (new.status, new.on, new.value)


def plan_write(
    rows: Sequence[NewOutcome],
    bookings: Mapping[int, BookingFacts],
    existing: Mapping[int, StoredOutcome],
) -> WritePlan:
    """What writing ``rows`` does, given their bookings and their outcomes so far.

    Raises:
        OutcomeRefused: The first row whose booking is missing, released, another
            customer's or treatment's, or later than the outcome's date.
    """
    last: dict[int, int] = {}
    for i, row in enumerate(rows):
        problem = _problem(row, bookings.get(row.allocation_id))
        if problem is not None:
            raise OutcomeRefused(i, problem)
        last[row.allocation_id] = i
    plan = WritePlan()
    for allocation_id, i in last.items():
        row, old = rows[i], existing.get(allocation_id)
        if old is not None and same(old, row):
            plan.unchanged += 1
            continue
        if old is not None:
            plan.replace.append(allocation_id)
            plan.count(old.cell, old.status, -1)
        plan.insert.append((row, bookings[allocation_id]))
        plan.count(row.cell, row.status, 1)
    plan.unchanged += len(rows) - len(last)
    return plan
