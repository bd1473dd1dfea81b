"""Write a simulated day into a ledger: its plan, bookings and outcomes.

One day of :mod:`tools.simulation.experiment` becomes what the product would hold
after a real day: a stored plan (its arms and held-out rows, each held-out row with
what it did with no contact), the plan's bookings (one booking transaction, each
marking its plan row) and their outcomes (one outcome transaction, with the cell
and the P(accept) the policy gave the booking). Only the ledger's own verbs are
used (:class:`tools.ledger.LedgerStore`: ``save_plan``, ``book``,
``record_outcomes``); the simulator's world has already applied its rules
(capacity, rest days), so the judge books every row as planned. Nothing here sees
the hidden response model: the outcomes arrive as plain columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import numpy as np

from tools.config import CVMConfig
from tools.ledger import LedgerStore
from tools.ledger.model import (
    BookingScope,
    DayState,
    Judgement,
    NewBooking,
    PlanRowInput,
)
from tools.ledger.outcomes import Cell, NewOutcome, OutcomeStatus
from tools.planning.model import Baselines, HeldOut, Plan, PlanArms, TreatmentLine
from tools.planning.request import PlanRequest
from tools.planning.store import PlanStore

WHO = "simulation"


@dataclass(frozen=True)
class DayContacts:
    """The day's contacts of one plan (champion and challenger), as columns.

    Attributes:
        customer_id: Who (str).
        treatment: Treatment index (config order).
        expected_value: The planning policy's expected value of the pair, pounds.
        p_expected: The P(accept) the policy gave the pair.
        high_value: Whether the customer is high-value.
        accepted: The outcome drawn.
        value: Pounds realised (0 unless accepted).
        value_level: Value band (0 low, 1 medium, 2 high).
        churn_level: Churn band.
        fit: Whether a journey signal raising the treatment's P is held.
    """

    customer_id: np.ndarray
    treatment: np.ndarray
    expected_value: np.ndarray
    p_expected: np.ndarray
    high_value: np.ndarray
    accepted: np.ndarray
    value: np.ndarray
    value_level: np.ndarray
    churn_level: np.ndarray
    fit: np.ndarray


def _lines(config: CVMConfig, c: DayContacts) -> dict[str, TreatmentLine]:
    keys = list(config.treatments)
    out = {}
    for t in np.unique(c.treatment).tolist():
        mine = c.treatment == t
        spec = config.treatments[keys[t]]
        out[keys[t]] = TreatmentLine(
            display_name=spec.display_name,
            channel=spec.channel,
            count=int(mine.sum()),
            capacity=None,
            value=round(float(c.expected_value[mine].sum()), 2),
            spend=round(spec.cost * int(mine.sum()), 2),
            shadow_price=0.0,
        )
    return out


def _plan(
    config: CVMConfig,
    day: date,
    c: DayContacts,
    arms: PlanArms,
    held: list[HeldOut],
    customers: int,
) -> Plan:
    value = round(float(c.expected_value.sum()), 2)
    lines = _lines(config, c)
    return Plan(
        created_at=datetime.combine(day, time(8, 0), tzinfo=timezone.utc),
        day=day,
        request=PlanRequest(day=day),
        solver="simulation (champion: ours; challenger: seed-rules)",
        customers=customers,
        candidates=len(c.customer_id) + len(held),
        assigned=len(c.customer_id),
        expected_value=value,
        upper_bound=value,
        gap=0.0,
        spend=round(sum(line.spend for line in lines.values()), 2),
        by_treatment=lines,
        baselines=Baselines(first_come=0.0, greedy_by_value=0.0),
        arms=arms,
        held_out_rows=held,
    )


def write_day(
    ledger: LedgerStore,
    config: CVMConfig,
    day: date,
    contacts: DayContacts,
    arms: PlanArms,
    held: list[HeldOut],
    customers: int,
) -> tuple[str, list[int]]:
    """Store the day's plan, book its rows and record their outcomes.

    Args:
        ledger: Where to write (an empty ledger: see the experiment).
        config: The configuration (treatments' channels, purposes, costs).
        day: The simulated day.
        contacts: The day's contacts and their outcomes.
        arms: The plan's arms record.
        held: The held-out rows, each with its outcome measured with no contact.
        customers: Customers in scope that day.

    Returns:
        The plan id and the new allocation ids, in ``contacts`` order.
    """
    keys = list(config.treatments)
    ids = [str(x) for x in contacts.customer_id.tolist()]
    treats = [keys[t] for t in contacts.treatment.tolist()]
    rows: list[PlanRowInput] = [
        (cid, key, float(ev), float(config.treatments[key].cost), bool(hv))
        for cid, key, ev, hv in zip(
            ids, treats, contacts.expected_value, contacts.high_value, strict=True
        )
    ]
    plan = PlanStore(ledger).save(
        _plan(config, day, contacts, arms, held, customers), rows
    )
    at = datetime.combine(day, time(9, 0), tzinfo=timezone.utc)
    allocation_ids = _book(ledger, config, plan.plan_id, at, rows)
    stamp = at.replace(hour=20).isoformat(timespec="seconds")
    outcomes = _outcomes(allocation_ids, day, stamp, contacts, ids, treats)
    if outcomes:
        ledger.record_outcomes(outcomes)
    return plan.plan_id, allocation_ids


def _book(
    ledger: LedgerStore,
    config: CVMConfig,
    plan_id: str,
    at: datetime,
    rows: list[PlanRowInput],
) -> list[int]:
    """Book the plan's rows in one transaction, each marking its plan row."""
    day = at.date()
    seqs = {(r.customer_id, r.treatment_key): r.seq for r in ledger.plan_rows(plan_id)}
    bookings = [
        NewBooking(
            customer_id=cid,
            treatment_key=key,
            channel=config.treatments[key].channel,
            purpose=config.treatments[key].purpose,
            day=day,
            created_at=at,
            approved_by=WHO,
            cost=float(config.treatments[key].cost),
            high_value=bool(hv),
            rules=(),
            plan_seq=seqs[(cid, key)],
            catalogue_version=config.catalogue_version,
        )
        for cid, key, _ev, _cost, hv in rows
    ]
    if not bookings:
        return []

    def judge(_state: DayState) -> Judgement:
        return Judgement(bookings=bookings)

    scope = BookingScope(
        day=day,
        customer_ids=tuple(sorted({b.customer_id for b in bookings})),
        treatments=tuple(sorted({b.treatment_key for b in bookings})),
        history_since=day,
        plan_id=plan_id,
        plan_seqs=tuple(seqs.values()),
    )
    return ledger.book(scope, judge)


def _outcomes(
    allocation_ids: list[int],
    day: date,
    stamp: str,
    c: DayContacts,
    ids: list[str],
    treats: list[str],
) -> list[NewOutcome]:
    """The bookings' outcomes, with the cell and the P the policy gave each."""
    return [
        NewOutcome(
            allocation_id=aid,
            customer_id=cid,
            treatment_key=key,
            status=_status(bool(yes)),
            on=day,
            value=round(float(v), 2) if yes else None,
            recorded_at=stamp,
            recorded_by=WHO,
            cell=Cell(key, int(vl), int(cl), bool(f)),
            p_expected=float(p),
        )
        for aid, cid, key, yes, v, vl, cl, f, p in zip(
            allocation_ids,
            ids,
            treats,
            c.accepted,
            c.value,
            c.value_level,
            c.churn_level,
            c.fit,
            c.p_expected,
            strict=True,
        )
    ]


def _status(accepted: bool) -> OutcomeStatus:
    return "accepted" if accepted else "declined"
