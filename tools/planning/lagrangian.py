"""Lagrangian dual decomposition for large bases, then a repair to feasibility.

Every coupled limit gets a price: per treatment a price on all its slots (``mu``) and
an extra price on the slots standard customers may use (``nu``, the high-value
reservation), per shared budget a price per pound (``lam``). Given prices, each
customer independently takes its best option net of prices (or nothing): one
vectorised pass over the pair columns. The prices are updated block by block
(Gauss–Seidel): for one treatment, the best prices given all the others are exact
order statistics of the customers' gains (a greedy over a nested capacity), for a
budget a bisection. Any prices give an upper bound (the dual value), so the gap of
the repaired assignment is always known. Everything is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.planning.exact import Prices
from tools.planning.problem import (
    UNASSIGNED,
    BoolArray,
    FloatArray,
    IntArray,
    PlanProblem,
    best_per_customer,
    segment_starts,
    usage,
)

MAX_SWEEPS = 40
REL_TOL = 1e-7
FILL_LIMIT = 500_000
_BISECT_STEPS = 40


@dataclass(frozen=True)
class LagrangianResult:
    """The repaired assignment, its value, the dual bound and the prices."""

    choice: IntArray
    value: float
    bound: float
    prices: Prices
    sweeps: int


class _State:
    """Prices and the column data the sweeps read."""

    def __init__(self, problem: PlanProblem) -> None:
        self.p = problem
        t = len(problem.treatments)
        self.std = ~problem.pair_high_value()
        self.mu = np.zeros(t)
        self.nu = np.zeros(t)
        self.lam = np.zeros(len(problem.groups))
        self.in_group = np.zeros((len(problem.groups), t))
        for g, group in enumerate(problem.groups):
            self.in_group[g, list(group.treatments)] = 1.0
        self.by_treatment = [
            np.flatnonzero(problem.pair_treatment == i) for i in range(t)
        ]
        _, starts = segment_starts(problem.pair_customer)
        sizes = np.diff(np.r_[starts, problem.n_pairs])
        self.segment = np.repeat(np.arange(len(starts)), sizes)
        # treatments x customers, -inf where there is no pair: "best but one" is fast
        self.dense = np.full((t, len(starts)), -np.inf)

    def net(self) -> FloatArray:
        """Each pair's EV net of the prices of the limits it uses."""
        p = self.p
        per_cost = self.lam @ self.in_group if len(self.lam) else np.zeros_like(self.mu)
        tr = p.pair_treatment
        return p.ev - self.mu[tr] - self.nu[tr] * self.std - per_cost[tr] * p.cost

    def sync(self, net: FloatArray) -> None:
        """Copy every pair's net value into the dense customer x treatment table."""
        self.dense[self.p.pair_treatment, self.segment] = net

    def refresh(self, net: FloatArray, i: int) -> None:
        """Update, in place, the net values of treatment ``i``'s pairs only."""
        own = self.by_treatment[i]
        p = self.p
        per_cost = self.lam @ self.in_group[:, i] if len(self.lam) else 0.0
        net[own] = (
            p.ev[own] - self.mu[i] - self.nu[i] * self.std[own] - per_cost * p.cost[own]
        )
        self.dense[i, self.segment[own]] = net[own]

    def dual(self, net: FloatArray) -> float:
        """The dual value: an upper bound on any feasible assignment's value."""
        best, _ = best_per_customer(net, self.p.pair_customer, self.p.n_customers)
        total = float(best.sum())
        for i in range(len(self.mu)):
            if self.mu[i] > 0:
                total += self.mu[i] * self.p.cap_all[i]
            if self.nu[i] > 0:
                total += self.nu[i] * self.p.cap_std[i]
        total += float(self.lam @ np.array([g.bound for g in self.p.groups]))
        return total

    def update_treatment(self, i: int, net: FloatArray) -> None:
        """Best (mu, nu) of treatment ``i`` with every other price fixed."""
        p = self.p
        cap, cap_std = p.cap_all[i], p.cap_std[i]
        if math.isinf(cap) and math.isinf(cap_std):
            return
        own = self.by_treatment[i]
        if len(own) == 0:
            self.mu[i] = self.nu[i] = 0.0
            return
        other = np.zeros(self.dense.shape[1])  # each customer's best option but this
        for j in range(len(self.dense)):
            if j != i:
                np.maximum(other, self.dense[j], out=other)
        gain = net[own] + self.mu[i] + self.nu[i] * self.std[own]
        gain -= other[self.segment[own]]
        std = self.std[own]
        g_std = np.sort(gain[std & (gain > 0)])[::-1]
        g_high = gain[~std & (gain > 0)]
        s_cap = len(g_std) if math.isinf(cap_std) else int(cap_std)
        merged = np.sort(np.r_[g_high, g_std[:s_cap]])[::-1]
        c_cap = len(merged) if math.isinf(cap) else int(cap)
        mu = float(merged[c_cap]) if len(merged) > c_cap else 0.0
        top_std = g_std[:s_cap]
        if c_cap >= len(merged):
            std_taken = len(top_std)
        elif c_cap == 0:
            std_taken = 0
        else:  # the greedy takes high-value customers first among equal gains
            v = merged[c_cap - 1]
            above = int(np.count_nonzero(merged > v))
            tied_high = int(np.count_nonzero(g_high == v))
            tied_std = int(np.count_nonzero(top_std == v))
            std_taken = int(np.count_nonzero(top_std > v)) + min(
                tied_std, max(0, c_cap - above - tied_high)
            )
        nu = 0.0
        if std_taken >= s_cap and len(g_std) > s_cap:
            nu = max(0.0, float(g_std[s_cap]) - mu)
        self.mu[i], self.nu[i] = max(mu, 0.0), nu

    def update_group(self, g: int) -> None:
        """Smallest price per pound of budget ``g`` that keeps its spend in bound."""
        p = self.p
        group = p.groups[g]
        members = np.isin(p.pair_treatment, np.array(group.treatments))
        self.lam[g] = 0.0
        if self._spend(g, members) <= group.bound + 1e-9:
            return
        lo, hi = 0.0, float(np.max(p.ev[members] / np.maximum(p.cost[members], 1e-9)))
        for _ in range(_BISECT_STEPS):
            self.lam[g] = (lo + hi) / 2
            if self._spend(g, members) <= group.bound + 1e-9:
                hi = self.lam[g]
            else:
                lo = self.lam[g]
        self.lam[g] = hi

    def _spend(self, g: int, members: BoolArray) -> float:
        _, pick = best_per_customer(
            self.net(), self.p.pair_customer, self.p.n_customers
        )
        chosen = pick[pick != UNASSIGNED]
        return float(self.p.cost[chosen][members[chosen]].sum())

    def prices(self) -> Prices:
        """The current prices."""
        return Prices(self.mu.copy(), self.nu.copy(), self.lam.copy())


def _top2_regret(net: FloatArray, problem: PlanProblem, pick: IntArray) -> FloatArray:
    """Per customer: net of the chosen pair minus the best other option (floor 0)."""
    masked = net.copy()
    chosen = pick[pick != UNASSIGNED]
    masked[chosen] = -np.inf
    second, _ = best_per_customer(masked, problem.pair_customer, problem.n_customers)
    first = np.zeros(problem.n_customers)
    first[problem.pair_customer[chosen]] = net[chosen]
    return first - second


def _keep_best(
    idx: IntArray, score: FloatArray, customers: IntArray, keep: int
) -> IntArray:
    """The pairs in ``idx`` beyond the best ``keep`` by score (ties: lower customer)."""
    if len(idx) <= keep:
        return idx[:0]
    order = np.lexsort((customers, -score))
    return idx[order[keep:]]


def repair(problem: PlanProblem, net: FloatArray) -> IntArray:
    """Make the price-driven choice feasible, then fill any slack left greedily.

    Over-full limits drop the choices that lose least by moving to their next best
    option (their regret); those customers then take their next best option, until
    nothing is over-full.
    """
    net = net.copy()
    _, pick = best_per_customer(net, problem.pair_customer, problem.n_customers)
    std = ~problem.high_value
    for _ in range(10_000):
        banned: list[IntArray] = []
        regret = _top2_regret(net, problem, pick)
        chosen = pick[pick != UNASSIGNED]
        tr = problem.pair_treatment[chosen]
        cust = problem.pair_customer[chosen]
        dropped = np.zeros(len(chosen), dtype=bool)
        for i in range(len(problem.treatments)):
            mine = tr == i
            if not mine.any():
                continue
            sel = np.flatnonzero(mine & std[cust])
            if len(sel) > problem.cap_std[i]:
                out = _keep_best(
                    sel, regret[cust[sel]], cust[sel], int(problem.cap_std[i])
                )
                dropped[out] = True
            sel = np.flatnonzero(mine & ~dropped)
            if len(sel) > problem.cap_all[i]:
                out = _keep_best(
                    sel, regret[cust[sel]], cust[sel], int(problem.cap_all[i])
                )
                dropped[out] = True
        for group in problem.groups:
            sel = np.flatnonzero(np.isin(tr, np.array(group.treatments)) & ~dropped)
            cost = problem.cost[chosen[sel]]
            if cost.sum() <= group.bound + 1e-9:
                continue
            order = np.lexsort((cust[sel], -regret[cust[sel]] / np.maximum(cost, 1e-9)))
            fits = np.cumsum(cost[order]) <= group.bound + 1e-9
            dropped[sel[order[~fits]]] = True
        if not dropped.any():
            break
        banned.append(chosen[dropped])
        bad = np.concatenate(banned)
        net[bad] = -np.inf
        affected = np.zeros(problem.n_customers, dtype=bool)
        affected[problem.pair_customer[bad]] = True
        rows = affected[problem.pair_customer]
        _, new_pick = best_per_customer(
            net[rows], problem.pair_customer[rows], problem.n_customers
        )
        local = np.flatnonzero(rows)
        pick[affected] = np.where(
            new_pick[affected] == UNASSIGNED,
            UNASSIGNED,
            local[np.maximum(new_pick[affected], 0)],
        )
    return _fill(problem, pick, np.isfinite(net))


def _fill(problem: PlanProblem, pick: IntArray, allowed: BoolArray) -> IntArray:
    """Greedy upgrades into whatever slack remains, best gain first."""
    chosen = pick[pick != UNASSIGNED]
    use = usage(problem, chosen)
    slack_all = problem.cap_all - use.all
    slack_std = problem.cap_std - use.std
    slack_grp = np.array([g.bound for g in problem.groups]) - use.groups
    current = np.zeros(problem.n_customers)
    current[problem.pair_customer[chosen]] = problem.ev[chosen]
    gain = problem.ev - current[problem.pair_customer]
    open_t = slack_all >= 1
    cand = np.flatnonzero(allowed & (gain > 1e-9) & open_t[problem.pair_treatment])
    if len(cand) == 0:
        return pick
    cand = cand[np.lexsort((cand, -gain[cand]))][:FILL_LIMIT]
    groups_of = [
        [g for g, grp in enumerate(problem.groups) if i in grp.treatments]
        for i in range(len(problem.treatments))
    ]
    pick = pick.copy()
    hv = problem.high_value
    for p in cand.tolist():
        c = int(problem.pair_customer[p])
        old = int(pick[c])
        if old != UNASSIGNED and problem.ev[old] >= problem.ev[p]:
            continue
        t = int(problem.pair_treatment[p])
        if slack_all[t] < 1 or (not hv[c] and slack_std[t] < 1):
            continue
        cost = float(problem.cost[p])
        old_t = int(problem.pair_treatment[old]) if old != UNASSIGNED else -1
        old_cost = float(problem.cost[old]) if old != UNASSIGNED else 0.0
        refund = [
            old_cost if old_t >= 0 and g in groups_of[old_t] else 0.0
            for g in range(len(problem.groups))
        ]
        if any(slack_grp[g] + refund[g] < cost - 1e-9 for g in groups_of[t]):
            continue
        slack_all[t] -= 1
        slack_std[t] -= 0 if hv[c] else 1
        for g in groups_of[t]:
            slack_grp[g] -= cost
        if old_t >= 0:
            slack_all[old_t] += 1
            slack_std[old_t] += 0 if hv[c] else 1
            for g in groups_of[old_t]:
                slack_grp[g] += old_cost
        pick[c] = p
    return pick


def solve_lagrangian(
    problem: PlanProblem, max_sweeps: int = MAX_SWEEPS
) -> LagrangianResult:
    """Price the limits to (near) the dual optimum, then repair to feasibility.

    Args:
        problem: The problem (pairs with non-positive EV are never chosen).
        max_sweeps: Most passes over all price blocks.

    Returns:
        A feasible assignment, its value, the best dual bound seen and the prices.
    """
    state = _State(problem)
    net = state.net()
    state.sync(net)
    best_bound = state.dual(net)
    best_prices = state.prices()
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007 - reported below
        for i in range(len(problem.treatments)):
            state.update_treatment(i, net)
            state.refresh(net, i)
        for g in range(len(problem.groups)):
            state.update_group(g)
            net = state.net()
            state.sync(net)
        bound = state.dual(net)
        improved = best_bound - bound
        if bound < best_bound:
            best_bound, best_prices = bound, state.prices()
        if improved <= REL_TOL * max(abs(best_bound), 1.0):
            break
    state.mu, state.nu, state.lam = best_prices.all, best_prices.std, best_prices.groups
    pick = repair(problem, state.net())
    value = float(problem.ev[pick[pick != UNASSIGNED]].sum())
    return LagrangianResult(pick, value, max(best_bound, value), best_prices, sweeps)
