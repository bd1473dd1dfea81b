"""Outcomes of bookings as the ledger holds them: typed values and the store's verbs.

A booking can get one outcome: ``accepted``, ``declined``, ``no_response`` or
``unreachable``, the date it happened and, if known, the value it realised. The
outcome lives beside its booking, in the same store (table ``outcomes``), with the
learning cell the customer was in when it was recorded (value band, churn band, and
whether a journey signal that raises the treatment's P was held) and the P(accept)
the policy in force gave the booking then (for calibration).

The learned acceptance reads a small table of counts per treatment x cell
(``outcome_counts``: trials and acceptances), updated in the same transaction as the
outcomes, so learning never re-reads the outcomes; ``outcome_meta.version`` counts
the writes that changed anything (a cheap head, like the catalogue's).

An unreachable customer was never offered anything: the outcome is kept and
reported, but it is no trial of the treatment (not counted in ``outcome_counts``).
:mod:`tools.outcomes` gives these values their meaning (validation, the cells, the
tool, the import); backends only keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

# the verbs, in their own module (the ledger's protocol loads them, not these values)
from tools.ledger.outcome_verbs import OutcomeVerbs as OutcomeVerbs

OutcomeStatus = Literal["accepted", "declined", "no_response", "unreachable"]
STATUSES: tuple[OutcomeStatus, ...] = (
    "accepted",
    "declined",
    "no_response",
    "unreachable",
)
TRIAL_STATUSES = frozenset({"accepted", "declined", "no_response"})


class OutcomeRefused(Exception):
    """A row of an outcome write that the ledger refuses; nothing was written.

    Attributes:
        index: The row's position in the write (0-based).
        problem: What is wrong, one short line (no booking, a released booking, the
            booking is not the one the row names).
    """

    def __init__(self, index: int, problem: str) -> None:
        self.index, self.problem = index, problem
        super().__init__(f"row {index}: {problem}")


@dataclass(frozen=True)
class Cell:
    """Where an outcome counts: treatment x value band x churn band x signal held."""

    treatment_key: str
    value_level: int  # 0 low, 1 medium, 2 high (the kernel's bands)
    churn_level: int  # 0 low, 1 medium, 2 high
    fit: bool  # a journey signal that raises this treatment's P was held


@dataclass(frozen=True)
class BookingFacts:
    """What an outcome needs of its booking."""

    customer_id: str
    treatment_key: str
    channel: str
    day: date
    status: str  # active / released
    plan_id: str | None


@dataclass(frozen=True)
class NewOutcome:
    """An outcome to record for a booking (the caller resolved its cell and P)."""

    allocation_id: int
    customer_id: str  # as the caller read the booking: the store checks it
    treatment_key: str
    status: OutcomeStatus
    on: date
    value: float | None
    recorded_at: str  # ISO instant, seconds
    recorded_by: str
    cell: Cell
    p_expected: float  # P(accept) under the policy in force when recorded


@dataclass(frozen=True)
class StoredOutcome:
    """One outcome as stored, with its booking's channel, day and plan."""

    allocation_id: int
    customer_id: str
    treatment_key: str
    channel: str
    booked_day: date
    status: OutcomeStatus
    on: date
    value: float | None
    recorded_at: str
    recorded_by: str
    cell: Cell
    p_expected: float
    plan_id: str | None


@dataclass(frozen=True)
class OutcomeWrite:
    """What an outcome write did (per row: new, replaced or already so)."""

    recorded: int  # new outcomes
    replaced: int  # outcomes changed (a later status, a corrected value or date)
    unchanged: int  # the same outcome again (a re-import): nothing written
    version: int  # ``outcome_meta.version`` after the write


@dataclass(frozen=True)
class CellCount:
    """Trials and acceptances of one cell (``outcome_counts``)."""

    cell: Cell
    trials: int
    accepted: int


@dataclass(frozen=True)
class OutcomeGroup:
    """Outcomes aggregated by treatment, channel, cell, plan and status."""

    treatment_key: str
    channel: str
    value_level: int
    churn_level: int
    plan_id: str | None
    status: OutcomeStatus
    count: int
    value: float  # realised value summed (unknown values count 0)
    valued: int  # outcomes with a realised value
    p_expected: float  # P(accept) summed (expected acceptances)
