"""The ledger's outcome verbs: what a backend's outcome tables answer.

Its own module (the values it takes and gives are in :mod:`tools.ledger.outcomes`,
which re-exports it), so the ledger's protocol, which every process loads, does not
load the outcome values a process that reads or writes no outcome never uses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tools.ledger.outcomes import (
        BookingFacts,
        CellCount,
        NewOutcome,
        OutcomeGroup,
        OutcomeWrite,
        StoredOutcome,
    )


class OutcomeVerbs(Protocol):
    """The ledger's outcome verbs (part of :class:`tools.ledger.LedgerStore`)."""

    def record_outcomes(self, outcomes: Sequence[NewOutcome]) -> OutcomeWrite:
        """Record outcomes of bookings: all in one transaction, or none.

        Each booking must exist, be active and be the customer's booking of the
        treatment the row names, else :class:`OutcomeRefused` (its index) and
        nothing is written. A booking has one outcome: the same outcome again is
        left as it is (idempotent re-import); a different one replaces it. The
        counts of the cells the outcomes leave and enter change in the same
        transaction, and ``version`` grows when anything changed. Two rows of one
        write for the same booking: the last wins.
        """

    def outcome_bookings(
        self, allocation_ids: Collection[int]
    ) -> dict[int, BookingFacts]:
        """What outcomes need of these bookings (those that exist), by id; no lock."""

    def outcomes_version(self) -> int:
        """How many outcome writes changed anything (0: none); one indexed read."""

    def outcome_counts(self) -> list[CellCount]:
        """Every cell's trials and acceptances (small: treatments x 18 at most)."""

    def get_outcomes(self, allocation_ids: Collection[int]) -> list[StoredOutcome]:
        """The outcomes of these bookings (those that have one), by booking id."""

    def outcome_groups(
        self, since: date | None = None, until: date | None = None
    ) -> list[OutcomeGroup]:
        """Outcomes dated ``since``..``until`` (inclusive), aggregated."""
