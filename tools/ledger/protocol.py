"""The ledger store: every way the product reads and writes its ledger, as domain verbs.

A backend is one module implementing :class:`LedgerStore` (SQLite first:
:class:`tools.ledger.sqlite.SQLiteLedger`; PostgreSQL next). Each verb states what
it guarantees, so a second backend can give the same: which verbs are one
transaction, what they lock, what is idempotent. Callers never see SQL,
connections or rows; rules are applied by the one booking writer
(:mod:`tools.ledger.writer`) through :meth:`LedgerStore.book`.

Shared guarantees:

* One active booking per customer x treatment x day (a unique constraint).
* The per-day usage counters (bookings and spend per treatment) always equal the
  active bookings: they change in the same transaction as the bookings.
* A write either commits whole or not at all; a storage fault (read-only, full or
  failing disk, a ledger lost under the process) is
  :class:`tools.errors.LedgerUnavailable` (rule LEDGER) with nothing written.
* Reads that return several things (counters and history, a page and its count)
  read them from one snapshot.

Outcomes of bookings are verbs too (:class:`tools.ledger.outcomes.OutcomeVerbs`,
their tables made by each backend's outcome module on first use).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tools.ledger.outcome_verbs import OutcomeVerbs

if TYPE_CHECKING:  # the values of the verbs: loaded by the backends that use them
    from tools.eligibility import Booking
    from tools.ledger.approvals import (
        ApprovalStatus,
        NewApprovalRequest,
        StoredApprovalRequest,
    )
    from tools.ledger.catalogue import (
        CatalogueAudit,
        CatalogueEdit,
        CatalogueHead,
        StoredCatalogue,
    )
    from tools.ledger.model import (
        AuditEntry,
        BackupInfo,
        BookingPage,
        BookingQuery,
        BookingScope,
        DayState,
        Judge,
        NewPlan,
        PlanRow,
        StoredAudit,
        StoredBooking,
        StoredPlan,
    )


class LedgerStore(OutcomeVerbs, Protocol):
    """The ledger's verbs (bookings, day state, plans, audit, care; outcomes)."""

    @property
    def location(self) -> str:
        """Where the ledger is (a path or a URL without secrets), for messages."""

    # --- bookings -------------------------------------------------------------

    def book(self, scope: BookingScope, judge: Judge) -> list[int]:
        """The booking transaction: read, judge, write, all in one.

        Reads the :class:`DayState` of ``scope`` (day counters, the customers'
        history since ``scope.history_since``, the newest booked day and, for a
        plan, its header and rows already marked), calls ``judge`` with it, inserts
        the bookings it returns and marks the plan rows it booked (with the new
        allocation id) or refused (``refused:<rule>``), then commits. Nothing that
        ``judge`` read can change before the commit: SQLite holds the file's write
        lock from the first read; PostgreSQL must lock the counter rows of
        ``scope.treatments`` for ``scope.day`` (created first if missing) and the
        customers of ``scope.customer_ids`` (advisory locks in sorted order) before
        reading, or run SERIALIZABLE and retry. ``judge`` is pure and may be called
        again on a retry; if it raises, nothing is written and the error
        propagates. A plan row is marked at most once (only while unmarked), so
        concurrent bookings of one plan book each row once.

        Returns:
            The new allocation ids, in the order of ``judge``'s bookings.
        """

    def release(
        self, allocation_id: int, at: datetime, by: str
    ) -> StoredBooking | None:
        """Release an active booking (one transaction; idempotent).

        Returns:
            The booking as it was before (its status says whether this call
            released it or it was already released), or None if there is none.
        """

    def reset_day(self, day: date, at: datetime, by: str) -> int:
        """Release every active booking of a day (one transaction); how many."""

    def get_booking(self, allocation_id: int) -> StoredBooking | None:
        """One booking by id, active or released."""

    def list_bookings(self, query: BookingQuery) -> BookingPage:
        """Bookings matching ``query``, newest (highest id) first, one page.

        With ``query.count``, the total matching (page and limit aside), read in
        the same snapshot as the page.
        """

    def day_state(
        self, day: date, customer_ids: Collection[str] = (), since: date | None = None
    ) -> DayState:
        """Counters of ``day`` and these customers' active bookings from ``since``.

        A consistent snapshot without locks (for recommending and planning; the
        booking transaction reads its own).
        """

    def bookings_since(
        self, since: date, until: date
    ) -> dict[str, tuple[Booking, ...]]:
        """Every customer's active bookings from ``since`` to ``until``, by customer."""

    def newest_day(self) -> date | None:
        """The latest day any booking (active or released) is for."""

    # --- plans ------------------------------------------------------------------

    def save_plan(self, plan: NewPlan) -> str:
        """Store a plan and its rows in one transaction; returns its new id.

        Ids are ``P<yyyymmdd>-<n>``, ``n`` counting the day's plans (assigned
        inside the transaction, so two writers never get the same id).
        """

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        """A stored plan by id."""

    def latest_plan(self) -> StoredPlan | None:
        """The most recently created plan (hypothetical or not)."""

    def plan_rows(self, plan_id: str) -> list[PlanRow]:
        """A plan's rows in booking order: standard customers first, then by seq."""

    def revise_plan(self, plan_id: str, revise: Callable[[str], str]) -> bool:
        """Rewrite a plan's document in one transaction (False: no such plan).

        ``revise`` gets the stored body, read under the write lock, and returns the
        new one (it may raise: then nothing is written). For what is measured after
        the plan (its held-out customers' outcomes with no contact); the plan's
        rows and bookings are never changed here.
        """

    # --- audit ------------------------------------------------------------------

    def write_audit(self, entry: AuditEntry, keep_since: datetime) -> None:
        """Store one audit record and drop those older than ``keep_since``.

        One transaction.
        """

    def read_audit(
        self, customer_id: str | None = None, limit: int = 200
    ) -> list[StoredAudit]:
        """Audit records, newest first, optionally one customer's."""

    def purge_audit(self, before: datetime) -> int:
        """Delete audit records older than ``before`` (one transaction); how many."""

    def erase_customer(self, customer_id: str) -> tuple[int, int]:
        """Erase a customer from the audit records (one transaction).

        Deletes the records of turns about the customer (their transcript and
        model-call record) and replaces the id wherever another record quotes it
        (question or record) with ``[erased]``. Bookings are kept: the ledger must
        keep who was contacted with what, when and on whose approval.

        Returns:
            (records deleted, records anonymised).
        """

    # --- catalogue versions ------------------------------------------------------

    def catalogue_head(self) -> CatalogueHead | None:
        """The catalogue version in force (the newest), None when none is stored.

        Read on every tool call: one indexed read, no lock.
        """

    def catalogue_version(self, version: int | None = None) -> StoredCatalogue | None:
        """One catalogue version (None: the one in force), or None if there is none."""

    def catalogue_history(self, limit: int = 50) -> list[StoredCatalogue]:
        """Catalogue versions, newest first, at most ``limit``."""

    def change_catalogue(
        self, edit: CatalogueEdit, audit: CatalogueAudit, keep_since: datetime
    ) -> list[StoredCatalogue]:
        """Append catalogue versions and their audit record: read, edit, insert, commit.

        ``edit`` gets the version in force (None when none is stored) and returns
        the versions to append, numbered from the head's + 1; ``audit`` gets the
        versions appended and returns the change's audit record, inserted in the
        same transaction (audit records older than ``keep_since`` are dropped, as
        :meth:`write_audit` does): a change is never stored without its record.
        Nothing it read can change before the commit: SQLite holds the write lock
        from the first read; PostgreSQL must lock first (``LOCK TABLE
        catalogue_versions IN EXCLUSIVE MODE`` or an advisory lock) or run
        SERIALIZABLE and retry; ``version`` is the primary key, so two writers
        never append the same number and a change is never lost. ``edit`` and
        ``audit`` are pure and may be called again on a retry; if either raises,
        or the audit record cannot be written, nothing is written and the error
        propagates.

        Returns:
            The versions appended, in order.
        """

    # --- second approvals of big plans ----------------------------------------------

    def request_approval(self, request: NewApprovalRequest) -> StoredApprovalRequest:
        """Record a pending second-approval request for a plan (one transaction).

        At most one request per plan is pending (a unique constraint): when one
        already is, it is returned unchanged and nothing is written (idempotent).
        """

    def approval_requests(
        self, plan_id: str | None = None, pending_only: bool = True, limit: int = 50
    ) -> list[StoredApprovalRequest]:
        """Requests (pending only, or all), oldest first, optionally one plan's."""

    def settle_approval(
        self,
        request_id: int,
        status: ApprovalStatus,
        by: str | None,
        at: datetime,
        note: str = "",
        expect: ApprovalStatus = "pending",
    ) -> StoredApprovalRequest | None:
        """Move a request from ``expect`` to ``status`` (one transaction).

        A compare-and-set: it changes only while the request is still in
        ``expect``, so of two analysts approving at once exactly one settles it.

        Returns:
            The request as it was before (its status says whether this call
            settled it), or None if there is none by that id.
        """

    # --- care -------------------------------------------------------------------

    def backup(self, dest: Path) -> BackupInfo:
        """Copy the ledger to a new file ``dest``: one consistent moment.

        Taken while bookings go on; never overwrites a file; nothing is left
        behind on failure.
        """

    def restore(self, src: Path) -> BackupInfo:
        """Replace the ledger's content with a backup's.

        The backup is checked whole first: nothing changes if it is not a sound
        ledger.
        """

    def verify(self) -> list[str]:
        """Problems found, empty when sound.

        Storage integrity, counters against bookings, plan rows marked booked
        without their booking.
        """

    def close(self) -> None:
        """Release this thread's connection (the store stays usable)."""
