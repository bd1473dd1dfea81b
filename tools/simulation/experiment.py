"""A simulated month of plans with control groups, left in a ledger for ``cvm report``.

``cvm simulate --ledger DIR`` runs, besides the policy comparison, one world in which
each day's plan is split into arms exactly as real plans are
(:mod:`tools.planning.holdout`: the hash of customer id and day):

1. every customer's arm for the day: held out, challenger or champion;
2. the champion (``ours``: the kernel with learned P, planned by the solver)
   chooses among the customers of the champion and held-out arms who may be
   contacted, on ``1 - challenger_share`` of every limit; the held-out arm's chosen
   customers are set apart, never contacted (as :func:`tools.planning.plan
   .make_plan` does);
3. the challenger (``seed-rules``, the original system's rule) chooses among its
   arm's customers on ``challenger_share`` of every limit;
4. each contact's outcome is drawn from the hidden model (the same uniform number
   per customer-day as the comparison); ours learns from the champion's outcomes;
5. the held-out customers' outcome *with no contact* is what the hidden model says
   of no contact: the no-action baseline is never accepted and realises nothing
   (:mod:`tools.simulation.hidden`), so ``converted`` False, ``realised_value`` 0,
   recorded on the plan's held-out rows. A real team would measure this afterwards
   (organic take-up); the simulator knows it, so the uplift of treated over held
   out is estimated, not assumed;
6. the day's plan, bookings and outcomes go to the ledger
   (:mod:`tools.simulation.ledger_out`).

The days are dated so that the last is today (the ledger's day): ``cvm report`` on
the state dir then shows the month, champion vs challenger and treated vs held out,
with 95% intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from tools.errors import ToolInputError
from tools.kernel.learned import fit
from tools.kernel.treatments import treatments
from tools.learning_config import Experiment
from tools.ledger import LedgerStore, open_ledger
from tools.planning.holdout import CHALLENGER, CHAMPION, HASH_RULE, HELD_OUT, arms
from tools.planning.model import HeldOut, PlanArms
from tools.simulation.hidden import HiddenModel
from tools.simulation.ledger_out import DayContacts, write_day
from tools.simulation.policies import NONE, Choice, Policy, make
from tools.simulation.population import Population

# With no contact the hidden model's baseline is never accepted (hidden.py).
NO_CONTACT_CONVERTED, NO_CONTACT_VALUE = False, 0.0


class LedgerRun(BaseModel):
    """What the experiment left in the ledger."""

    ledger: str
    first_day: date
    last_day: date
    holdout_share: float
    challenger_share: float
    plans: int
    bookings: int
    accepted: int
    held_out: int


def empty_ledger(state_dir: Path) -> LedgerStore:
    """The ledger of ``state_dir``, refused (one line) if it holds bookings."""
    ledger = open_ledger(state_dir)
    if ledger.newest_day() is not None:
        raise ToolInputError(
            f"--ledger {state_dir}: the ledger there already holds bookings; "
            "give an empty or new directory"
        )
    return ledger


def _contacts(
    pop: Population,
    fits: np.ndarray,
    rows: np.ndarray,
    act: np.ndarray,
    ev: np.ndarray,
    p: np.ndarray,
    yes: np.ndarray,
) -> DayContacts:
    d = pop.prior
    return DayContacts(
        customer_id=np.asarray(d.customer_id)[rows].astype(str),
        treatment=act,
        expected_value=ev,
        p_expected=p,
        high_value=np.asarray(d.high_value)[rows],
        accepted=yes,
        value=np.where(yes, pop.value[rows, act], 0.0),
        value_level=d.value_level[rows],
        churn_level=d.churn_level[rows],
        fit=fits[rows, act],
    )


@dataclass
class _World:
    """The experiment's world: the two arms' policies and who rests until when."""

    pop: Population
    hidden: HiddenModel
    experiment: Experiment
    seed: int
    champion: Policy
    challenger: Policy
    rest_days: int
    accepted_rest_days: int
    ids: np.ndarray = field(init=False)
    fits: np.ndarray = field(init=False)
    rest_until: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Customer ids, each pair's learning signal, nobody resting."""
        d = self.pop.prior
        self.ids = np.asarray(d.customer_id).astype(str)
        self.fits = fit(d.p_journey, treatments(self.pop.config).base)
        self.rest_until = np.zeros(self.pop.n, dtype=np.int64)


@dataclass(frozen=True)
class _Day:
    """One day of the experiment, ready for the ledger."""

    contacts: DayContacts
    arms: PlanArms
    held: list[HeldOut]
    customers: int  # who could be contacted


def _one_day(w: _World, d: int, day: date) -> _Day:
    """Arms, choices, outcomes and learning of day ``d`` (see the module, 1-5)."""
    pop, c_share = w.pop, w.experiment.challenger_share
    arm = arms(w.ids, day, w.experiment)
    eligible = w.rest_until <= d
    u = np.random.default_rng([w.seed, d, 1]).random(pop.n)  # as the comparison
    rng = np.random.default_rng([w.seed, d, 3])
    mine = w.champion.choose(eligible & (arm != CHALLENGER), rng)
    held = (mine.action != NONE) & (arm == HELD_OUT)
    contact = (mine.action != NONE) & (arm == CHAMPION)
    theirs = mine.action  # no challenger: nobody in its arm
    if c_share > 0:
        theirs = w.challenger.choose(eligible & (arm == CHALLENGER), rng).action
    contact_c = (theirs != NONE) & (arm == CHALLENGER)
    action = np.where(contact, mine.action, np.where(contact_c, theirs, NONE))
    rows = np.flatnonzero(action != NONE)
    act = action[rows]
    yes = w.hidden.accepted(rows, act, u[rows])
    champ = contact[rows]
    assert mine.model_value is not None  # ours has a reward model
    ev = np.where(
        champ, mine.model_value[rows, act], pop.prior.expected_value[rows, act]
    )
    p = np.where(champ, mine.predicted[rows], pop.prior.propensity[rows, act])
    w.champion.learn(rows[champ], act[champ], yes[champ])
    w.rest_until[rows] = d + np.where(yes, w.accepted_rest_days, w.rest_days)
    held_rows = _held_rows(w, mine, held)
    record = PlanArms(
        holdout_share=w.experiment.holdout_share,
        challenger_share=c_share,
        challenger=w.experiment.challenger,
        rule=HASH_RULE,
        held_out=len(held_rows),
        held_out_value=round(sum(h.expected_value for h in held_rows), 2),
        challenger_assigned=int(contact_c.sum()),
        challenger_value=round(float(ev[~champ].sum()), 2),
    )
    contacts = _contacts(pop, w.fits, rows, act, ev, p, yes)
    return _Day(contacts, record, held_rows, int(eligible.sum()))


def _held_rows(w: _World, mine: Choice, held: np.ndarray) -> list[HeldOut]:
    """The held out with what they did with no contact (the hidden baseline)."""
    assert mine.model_value is not None
    return [
        HeldOut(
            customer_id=str(w.ids[i]),
            treatment_key=w.pop.treatments[mine.action[i]],
            expected_value=round(float(mine.model_value[i, mine.action[i]]), 2),
            converted=NO_CONTACT_CONVERTED,
            realised_value=NO_CONTACT_VALUE,
        )
        for i in np.flatnonzero(held).tolist()
    ]


def run_experiment(
    pop: Population,
    hidden: HiddenModel,
    ledger: LedgerStore,
    last_day: date,
    experiment: Experiment,
    *,
    days: int,
    seed: int,
    capacity_scale: float = 1.0,
    rest_days: int = 7,
    accepted_rest_days: int = 30,
) -> LedgerRun:
    """Run the arms day by day and write each day to ``ledger`` (see the module)."""
    c_share = experiment.challenger_share
    world = _World(
        pop,
        hidden,
        experiment,
        seed,
        make("ours", pop, capacity_scale * (1.0 - c_share), 0.0, "lagrangian"),
        make("seed-rules", pop, capacity_scale * max(c_share, 1e-9)),
        rest_days,
        accepted_rest_days,
    )
    first = last_day - timedelta(days=days - 1)
    run = LedgerRun(
        ledger=ledger.location,
        first_day=first,
        last_day=last_day,
        holdout_share=experiment.holdout_share,
        challenger_share=c_share,
        plans=0,
        bookings=0,
        accepted=0,
        held_out=0,
    )
    for d in range(days):
        day = first + timedelta(days=d)
        one = _one_day(world, d, day)
        write_day(
            ledger, pop.config, day, one.contacts, one.arms, one.held, one.customers
        )
        run.plans += 1
        run.bookings += len(one.contacts.customer_id)
        run.accepted += int(one.contacts.accepted.sum())
        run.held_out += len(one.held)
    return run


def simulate_to_ledger(
    population: Population,
    state_dir: Path,
    experiment: Experiment,
    today: date,
    *,
    days: int,
    seed: int,
    capacity_scale: float = 1.0,
) -> LedgerRun:
    """The experiment on ``population`` (the hidden model of ``seed``), ending today.

    Raises:
        ToolInputError: The state dir's ledger already holds bookings.
    """
    ledger = empty_ledger(state_dir)
    hidden = HiddenModel.draw(population, seed)
    return run_experiment(
        population,
        hidden,
        ledger,
        today,
        experiment,
        days=days,
        seed=seed,
        capacity_scale=capacity_scale,
    )


__all__ = ["LedgerRun", "empty_ledger", "run_experiment", "simulate_to_ledger"]
