"""The optimiser over blocks of customers gives the one-block plan bit for bit.

The Ray engine holds one block per shard; this checks the coordination itself
(prices from top gains with ties, cuts from best keys, budgets, the fill merged in
order, fixed-point sums) in this process, on synthetic problems with scarce slots,
a high-value reservation and shared budgets, split at arbitrary customers.
"""

from __future__ import annotations

import numpy as np
import pytest

from tools.planning.lagrangian import (
    Limits,
    LocalBlocks,
    solve_blocks,
    solve_lagrangian,
)
from tools.planning.pair_block import PairBlock
from tools.planning.problem import UNASSIGNED, PlanProblem, violations
from tools.planning.synthetic import random_problem


def split(problem: PlanProblem, cuts: list[int]) -> list[PairBlock]:
    """Blocks of the customers between the cuts (customer indexes)."""
    edges = [0, *cuts, problem.n_customers]
    blocks = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        a, b = np.searchsorted(problem.pair_customer, [lo, hi])
        part = PlanProblem(
            customer_ids=problem.customer_ids[lo:hi],
            high_value=problem.high_value[lo:hi],
            treatments=problem.treatments,
            pair_customer=problem.pair_customer[a:b] - lo,
            pair_treatment=problem.pair_treatment[a:b],
            ev=problem.ev[a:b],
            cost=problem.cost[a:b],
            cap_all=problem.cap_all,
            cap_std=problem.cap_std,
            groups=problem.groups,
        )
        blocks.append(PairBlock(part, lo, int(a)))
    return blocks


def solve_split(problem: PlanProblem, cuts: list[int]):  # type: ignore[no-untyped-def]
    blocks = split(problem, cuts)
    got = solve_blocks(LocalBlocks(blocks), Limits.of(problem))
    return got, np.concatenate([b.choice() for b in blocks])


@pytest.mark.parametrize(
    ("n", "kw", "cuts"),
    [
        (20_000, {}, [7_001, 7_002, 15_000]),
        (20_000, {"total_budget": 900.0}, [3, 9_999]),
        (12_000, {"capacity_scale": 3.0, "reserved_share": 0.5}, [4_000, 8_000]),
        (30_000, {"capacity_scale": 0.5, "total_budget": 4_000.0}, [1, 2, 29_990]),
    ],
)
def test_blocks_give_the_one_block_plan(n, kw, cuts):
    problem = random_problem(n, seed=n % 97, **kw).restrict(
        random_problem(n, seed=n % 97, **kw).ev > 1e-9
    )
    one = solve_lagrangian(problem)
    got, choice = solve_split(problem, cuts)
    assert np.array_equal(choice, one.choice)
    assert got.value == one.value and got.bound == one.bound
    assert np.array_equal(got.prices.all, one.prices.all)
    assert np.array_equal(got.prices.std, one.prices.std)
    assert np.array_equal(got.prices.groups, one.prices.groups)
    assert violations(problem, one.choice) == []
    assert (one.choice != UNASSIGNED).sum() > 0
    if kw.get("total_budget"):  # the budget binds: its price is positive
        assert one.prices.groups[0] > 0
    priced = np.r_[one.prices.all, one.prices.std, one.prices.groups]
    assert np.any(priced > 0)  # some limit binds


def test_ties_go_the_same_way_in_blocks():
    """EVs on a coarse grid: many equal gains at the cut of a scarce treatment."""
    base = random_problem(15_000, seed=3)
    ev = np.round(base.ev / 5.0) * 5.0
    problem = PlanProblem(
        customer_ids=base.customer_ids,
        high_value=base.high_value,
        treatments=base.treatments,
        pair_customer=base.pair_customer,
        pair_treatment=base.pair_treatment,
        ev=ev,
        cost=base.cost,
        cap_all=base.cap_all,
        cap_std=base.cap_std,
        groups=base.groups,
    ).restrict(ev > 1e-9)
    one = solve_lagrangian(problem)
    for cuts in ([5_000, 10_000], [1_234, 1_235, 14_000]):
        got, choice = solve_split(problem, cuts)
        assert np.array_equal(choice, one.choice) and got.value == one.value
