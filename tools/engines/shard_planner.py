"""One shard's side of ``cvm plan --engine ray`` (a Ray actor).

The actor reads one Parquet shard (:mod:`tools.engines.shards`), runs the kernel on
it and keeps its lawful pairs (:func:`tools.planning.candidates.pair_columns`, the
local engine's definition). Placed at its offsets in the whole problem, it holds
its positive-EV pairs as a :class:`tools.planning.pair_block.PairBlock` (what the
local solver sees), answers the driver's coordination calls, then sets its held-out
customers apart, explores, totals and lists its part of the plan with the local
engine's own functions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from tools.config import CVMConfig
from tools.engines.baselines_ray import BaselineSteps, Room, first_come_in
from tools.engines.shards import Shard, ShardSource
from tools.kernel.batch import decide_where
from tools.learning_config import Experiment
from tools.ledger.model import PlanRowInput
from tools.planning.candidates import pair_columns
from tools.planning.explore import Explored, explore_choice, explored_picks, plan_draws
from tools.planning.fixed import fixed
from tools.planning.holdout import (
    CHALLENGER,
    CHAMPION,
    HELD_OUT,
    arms,
    pair_index,
)
from tools.planning.holdout_plan import held_out_rows
from tools.planning.limits import PlanLimits
from tools.planning.model import HeldOut
from tools.planning.pair_block import PairBlock
from tools.planning.problem import UNASSIGNED, FloatArray, IntArray, PlanProblem
from tools.planning.record import plan_rows
from tools.planning.totals import PlanTotals, slot_gains

POSITIVE = 1e-9  # the solver's "worth choosing at all" (tools.planning.solve)


class ShardPlanner(BaselineSteps):
    """One shard's pairs, its block of the plan and its part of the result."""

    def __init__(
        self,
        shard: Shard,
        config: CVMConfig,
        allowed: np.ndarray,
        wanted: set[str],
        blocked: tuple[set[str], dict[str, set[int]]],
        day: date,
        experiment: Experiment,
    ) -> None:
        source = ShardSource(shard)
        try:
            d = decide_where(source, config)  # type: ignore[arg-type]
        finally:
            source.close()
        keys = tuple(config.treatments)
        self.cols = pair_columns([d], keys, allowed, wanted, blocked)
        self.keys = keys
        # each customer's arm: the plans' hash of id and day, as locally
        self.arm = arms(self.cols.customer_ids, day, experiment)
        self.block: PairBlock | None = None
        self.explored: Explored | None = None
        self.members: np.ndarray | None = None  # who may explore (None: all)

    def _worth(self, ev: FloatArray, pair_customer: IntArray) -> np.ndarray:
        """Pairs the optimiser chooses among: positive, not the challenger's."""
        return (ev > POSITIVE) & (self.arm[pair_customer] != CHALLENGER)

    def sizes(self) -> tuple[int, int, int, int]:
        """Customers with a pair, pairs, customers in scope, pairs worth choosing.

        Pairs worth choosing are the optimiser's: positive, of a customer outside
        the challenger arm (the challenger's customers go by its rule).
        """
        c = self.cols
        positive = int(np.count_nonzero(self._worth(c.ev, c.pair_customer)))
        return len(c.customer_ids), len(c.ev), c.in_scope, positive

    def place(self, offsets: tuple[int, int, int], lim: PlanLimits) -> None:
        """Become the block at these (customer, pair, positive pair) offsets."""
        c = self.cols
        self.problem = PlanProblem(
            customer_ids=c.customer_ids,
            high_value=c.high_value,
            treatments=self.keys,
            pair_customer=c.pair_customer,
            pair_treatment=c.pair_treatment,
            ev=c.ev,
            cost=lim.cost[c.pair_treatment],
            cap_all=lim.cap_all,
            cap_std=lim.cap_std,
            groups=lim.groups,
        )
        self.cust_off, self.pair_off, positive_off = offsets
        worth = self._worth(self.problem.ev, self.problem.pair_customer)
        self.kept = np.flatnonzero(worth)
        work = self.problem.restrict(worth)
        self.block = PairBlock(work, self.cust_off, positive_off)
        self.choice = np.full(self.problem.n_customers, UNASSIGNED, dtype=np.int64)

    def whole(self) -> PlanProblem:
        """The shard's problem (a small plan is solved on the driver)."""
        return self.problem

    def call(self, method: str, *args: Any) -> Any:
        """``PairBlock.method(*args)`` on this shard's block."""
        return getattr(self.block, method)(*args)

    def settle(self) -> None:
        """Take the block's picks as the shard's choice (pairs of the shard)."""
        assert self.block is not None
        pick = self.block.pick
        self.choice = np.where(
            pick == UNASSIGNED, UNASSIGNED, self.kept[np.maximum(pick, 0)]
        )

    def hold_out(self) -> tuple[list[HeldOut], int, int]:
        """Set this shard's held-out customers apart (never booked), as locally.

        Each customer's arm is the plans' hash of id and day
        (:func:`tools.planning.holdout.arms`, drawn when the shard was read); only
        the champion arm explores after.

        Returns:
            The held-out rows (customer order), their expected value (fixed
            point) and how many they are.
        """
        p, arm = self.problem, self.arm
        self.members = arm == CHAMPION
        chosen = self.choice != UNASSIGNED
        held = self.choice[chosen & (arm == HELD_OUT)]
        self.choice = np.where(arm == HELD_OUT, UNASSIGNED, self.choice)
        return held_out_rows(p, held), fixed(p.ev[held]), len(held)

    def challenge(self, room: Room) -> tuple[Room, int, int]:
        """Plan this shard's challenger customers by its rule with the room left.

        First-come in id order (:func:`tools.planning.baselines.first_come`) on the
        challenger's share of every limit, as locally
        (:mod:`tools.planning.holdout_plan`): the shards are id ranges, so each
        starts with the room the shards before it left.

        Returns:
            The room it leaves, the value it booked (fixed point) and how many.
        """
        p = self.problem
        theirs = self.arm == CHALLENGER
        picks, left = first_come_in(p.restrict(theirs[p.pair_customer]), room)
        took = picks != UNASSIGNED
        chosen = pair_index(p, theirs)[picks[took]]
        self.choice[np.flatnonzero(took)] = chosen
        return left, fixed(p.ev[chosen]), len(chosen)

    def offered(self) -> tuple[IntArray, list[int]]:
        """Per treatment: customers holding a pair, and what all its pairs cost."""
        p = self.problem
        tr = p.pair_treatment
        holders = np.bincount(tr, minlength=len(p.treatments)).astype(np.int64)
        return holders, [fixed(p.cost[tr == i]) for i in range(len(p.treatments))]

    def explore(
        self, epsilon: float, ok: np.ndarray, seed: str, n: int
    ) -> tuple[int, float]:
        """Explore this shard's customers (their slice of the plan's draws).

        Returns:
            How many were explored, and the smallest policy probability.
        """
        p = self.problem
        lo = self.cust_off
        coin, draw = plan_draws(seed, n, lo, lo + p.n_customers)
        ex = explore_choice(p, self.choice, epsilon, ok, coin, draw, self.members)
        self.explored, self.choice = ex, ex.choice
        p_min = float(ex.policy_p.min()) if len(ex.policy_p) else 1.0
        return int(ex.explored.sum()), p_min

    def picks(self) -> list[tuple[str, str, float, bool]]:
        """The explored plan's lines for the decision log (DEBUG on the driver)."""
        if self.explored is None:
            return []
        return list(explored_picks(self.problem, self.explored))

    def totals(self) -> PlanTotals:
        """This shard's part of the plan's totals."""
        return PlanTotals.of(self.problem, self.choice)

    def slot_gains(self, full: np.ndarray, room: FloatArray) -> FloatArray:
        """This shard's best move into each full treatment."""
        return slot_gains(self.problem, self.choice, full, room)

    def rows(self) -> list[PlanRowInput]:
        """The shard's planned bookings (customer order)."""
        return plan_rows(self.problem, self.choice)


def joined(parts: list[PlanProblem]) -> PlanProblem:
    """The shards' problems as one (shards in id order: the local problem)."""
    first = parts[0]
    cust = np.cumsum([0] + [q.n_customers for q in parts])
    return PlanProblem(
        customer_ids=np.concatenate([q.customer_ids for q in parts]),
        high_value=np.concatenate([q.high_value for q in parts]),
        treatments=first.treatments,
        pair_customer=np.concatenate(
            [q.pair_customer + cust[k] for k, q in enumerate(parts)]
        ),
        pair_treatment=np.concatenate([q.pair_treatment for q in parts]),
        ev=np.concatenate([q.ev for q in parts]),
        cost=np.concatenate([q.cost for q in parts]),
        cap_all=first.cap_all,
        cap_std=first.cap_std,
        groups=first.groups,
    )
