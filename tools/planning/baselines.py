"""What booking without a plan gets: first-come in id order, and greedy by EV.

Both are sequential rules (each booking takes what is still free when its turn
comes). They run over windows: every booking in a window is decided against the room
left at its start, in one vectorised step, and the window is accepted up to the first
booking that would overflow a limit (counted cumulatively in order). Up to there the
result is exactly the sequential rule's; the rest is decided again with the limit that
filled now closed. Windows grow while nothing fills.
"""

from __future__ import annotations

import numpy as np

from tools.planning.problem import (
    UNASSIGNED,
    BoolArray,
    FloatArray,
    IntArray,
    PlanProblem,
    best_per_customer,
)

_FIRST_WINDOW = 4096


class _Room:
    """Slack of every limit while bookings are taken in order."""

    def __init__(self, problem: PlanProblem) -> None:
        self.p = problem
        self.all = problem.cap_all.astype(np.float64).copy()
        self.std = problem.cap_std.astype(np.float64).copy()
        self.grp = np.array([g.bound for g in problem.groups], dtype=np.float64)
        t = len(problem.treatments)
        self.member = np.zeros((len(problem.groups), t), dtype=bool)
        for g, group in enumerate(problem.groups):
            self.member[g, list(group.treatments)] = True

    def fits(self, pairs: IntArray) -> BoolArray:
        """Whether each pair, on its own, fits in what is left."""
        p = self.p
        tr = p.pair_treatment[pairs]
        ok = self.all[tr] >= 1
        ok &= p.high_value[p.pair_customer[pairs]] | (self.std[tr] >= 1)
        for g in range(len(p.groups)):
            ok &= ~self.member[g, tr] | (p.cost[pairs] <= self.grp[g] + 1e-9)
        return ok

    def first_overflow(self, picks: IntArray) -> int:
        """Index of the first pick (in order) that no longer fits, or ``len``."""
        p = self.p
        if len(picks) == 0:
            return 0
        tr = p.pair_treatment[picks]
        std = ~p.high_value[p.pair_customer[picks]]
        cut = len(picks)
        for i in np.unique(tr):
            mine = tr == i
            over = np.flatnonzero(mine & (np.cumsum(mine) > self.all[i]))
            if len(over):
                cut = min(cut, int(over[0]))
            mine_std = mine & std
            over = np.flatnonzero(mine_std & (np.cumsum(mine_std) > self.std[i]))
            if len(over):
                cut = min(cut, int(over[0]))
        for g in range(len(p.groups)):
            inside = self.member[g, tr]
            spent = np.cumsum(np.where(inside, p.cost[picks], 0.0))
            over = np.flatnonzero(inside & (spent > self.grp[g] + 1e-9))
            if len(over):
                cut = min(cut, int(over[0]))
        return cut

    def take(self, pairs: IntArray) -> None:
        """Book these pairs."""
        p = self.p
        t = len(p.treatments)
        tr = p.pair_treatment[pairs]
        self.all -= np.bincount(tr, minlength=t)
        std = ~p.high_value[p.pair_customer[pairs]]
        self.std -= np.bincount(tr[std], minlength=t)
        spend = np.bincount(tr, weights=p.cost[pairs], minlength=t)
        if len(p.groups):
            self.grp -= self.member.astype(np.float64) @ spend

    def full(self) -> bool:
        """Whether nothing more can be booked."""
        return not np.any(self.all >= 1)


def first_come(problem: PlanProblem) -> IntArray:
    """Customers in id order, each booking its best-EV option still free.

    This is what booking customer by customer does today: every recommendation takes
    the best lawful treatment with capacity left when the analyst gets to it.
    """
    p = problem
    pick = np.full(p.n_customers, UNASSIGNED, dtype=np.int64)
    room = _Room(p)
    bounds = np.searchsorted(p.pair_customer, np.arange(p.n_customers + 1))
    c, window = 0, _FIRST_WINDOW
    while c < p.n_customers and not room.full():
        end = min(c + window, p.n_customers)
        pairs = np.arange(bounds[c], bounds[end])
        score: FloatArray = np.where(room.fits(pairs), p.ev[pairs], -np.inf)
        _, got = best_per_customer(score, p.pair_customer[pairs], p.n_customers)
        who = np.flatnonzero(got != UNASSIGNED)  # ascending customer = booking order
        picks = pairs[got[who]]
        cut = room.first_overflow(picks)
        if cut < len(picks):
            end = int(who[cut])  # decide that customer again, with the limit full
        else:
            window *= 2
        pick[who[:cut]] = picks[:cut]
        room.take(picks[:cut])
        c = end
    return pick


def greedy_by_value(problem: PlanProblem) -> IntArray:
    """All pairs by EV, highest first, each booked if its customer and room are free."""
    p = problem
    pick = np.full(p.n_customers, UNASSIGNED, dtype=np.int64)
    order = np.lexsort((np.arange(p.n_pairs), -p.ev))
    order = order[p.ev[order] > 1e-9]
    room = _Room(p)
    start, window = 0, _FIRST_WINDOW
    while start < len(order) and not room.full():
        seg = order[start : start + window]
        ok = (pick[p.pair_customer[seg]] == UNASSIGNED) & room.fits(seg)
        idx = np.flatnonzero(ok)
        _, first = np.unique(p.pair_customer[seg[idx]], return_index=True)
        idx = idx[np.sort(first)]
        picks = seg[idx]
        cut = room.first_overflow(picks)
        if cut < len(picks):
            end = start + int(idx[cut])
        else:
            end, window = start + len(seg), window * 2
        pick[p.pair_customer[picks[:cut]]] = picks[:cut]
        room.take(picks[:cut])
        start = end
    return pick
