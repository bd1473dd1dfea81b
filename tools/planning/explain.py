"""Who a plan contacts, holds out and leaves out, and why: ``explain_plan`` (READ).

Contacted and held out are the plan's own record (its rows, its held-out rows).
Everyone else in the plan's scope is decided again by the one decision kernel
(:mod:`tools.kernel.batch`) with the plan's catalogue version, over the same
customer store (the same decision date), and given one reason:

* ``booked_already``: booked on the plan's day (a plan never plans them again);
* ``left_out_on_request``: the plan's request left them out (a what-if);
* ``no_lawful_action``: no treatment the plan may use passes the customer's rules
  (FREQUENCY, from the ledger, counted with them); each rule blocking any of their
  treatments counts the customer once, and their *first reason* is the rule
  blocking most of their treatments (ties: the kernel's rule order);
* ``not_worth_contacting``: a lawful treatment, none with expected value above £0;
* ``capacity_or_budget``: a lawful treatment worth contacting for, not assigned:
  the treatments they wanted that were full, and the budgets that bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

import numpy as np

from tools.config import CVMConfig
from tools.context import ToolContext, default_context
from tools.errors import ToolInputError
from tools.kernel.batch import decide_ids, iter_decisions
from tools.kernel.decisions import Decisions
from tools.kernel.rules import CUSTOMER_RULES
from tools.planning.candidates import ledger_blocks
from tools.planning.explain_model import (
    EXAMPLES,
    REASONS,
    BudgetUse,
    LeftOut,
    LimitCount,
    PlanExplanation,
    RuleCount,
)
from tools.planning.explain_parts import (
    customer_in_plan,
    decision_date,
    plan_config,
    split_by_treatment,
)
from tools.planning.model import Plan
from tools.planning.request import PlanRequest
from tools.planning.store import plan_store

# the rules a left-out customer's treatments are counted under: the kernel's hard
# rules in its order, the ledger's frequency caps, then the soft journey fit
RULES = (*CUSTOMER_RULES, "FREQUENCY", "APPLICABILITY")
SOFT = "APPLICABILITY"
_EPS = 1e-6


def _batches(
    ctx: ToolContext, config: CVMConfig, request: PlanRequest
) -> Iterable[Decisions]:
    """The kernel's decisions for the plan's customers (as the plan took them)."""
    if request.scope.customers:
        wanted = [c.strip().upper() for c in request.scope.customers]
        return [decide_ids(ctx.customers, config, wanted)]
    return iter_decisions(ctx.customers, config)


class _Tally:
    """Left-out customers counted batch by batch (the base is walked in chunks)."""

    def __init__(
        self, plan: Plan, config: CVMConfig, ctx: ToolContext, focus: str | None = None
    ) -> None:
        request = plan.request
        self.focus = focus  # the customer asked about: their reason and rules
        self.focus_reason: str | None = None
        self.focus_rules: list[str] = []
        self.keys = tuple(config.treatments)
        self.allowed = np.array(request.treatment_mask(config), dtype=bool)
        self.wanted = {c.strip().upper() for c in request.scope.customers}
        self.on_request = {c.strip().upper() for c in request.scope.without_customers}
        booked, self.freq = ledger_blocks(ctx.ledger, plan.day, config)
        self.booked = booked - self.on_request
        rows = plan_store(ctx).rows(plan.plan_id)
        self.focus_row = next((r for r in rows if r.customer_id == focus), None)
        self.focus_held = next(
            (h for h in plan.held_out_rows if h.customer_id == focus), None
        )
        self.planned = {r.customer_id for r in rows}
        self.planned |= {h.customer_id for h in plan.held_out_rows}
        self.full = _full_treatments(plan, self.keys)
        self.in_scope = 0
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {r: [] for r in REASONS}
        self.rules: Counter[str] = Counter()
        self.first: Counter[str] = Counter()
        self.wanted_full: Counter[int] = Counter()

    def add(self, d: Decisions) -> None:
        """Count one batch's customers in scope that the plan did not take."""
        cid = np.asarray(d.customer_id).astype(str)
        scope = np.ones(len(cid), dtype=bool)
        if self.wanted:
            scope &= np.isin(cid, sorted(self.wanted))
        self.in_scope += int(scope.sum())
        rest = scope & ~np.isin(cid, sorted(self.planned))
        asked = rest & np.isin(cid, sorted(self.on_request))
        booked = rest & ~asked & np.isin(cid, sorted(self.booked))
        self._note("left_out_on_request", cid[asked])
        self._note("booked_already", cid[booked])
        rest &= ~(asked | booked)
        freq = self._frequency(cid, rest)
        options = np.asarray(d.lawful, dtype=bool) & self.allowed[None, :] & ~freq
        worth = options & (np.asarray(d.expected_value) > 0)
        none = rest & ~options.any(axis=1)
        self._note("no_lawful_action", cid[none])
        self._note("not_worth_contacting", cid[rest & options.any(1) & ~worth.any(1)])
        lost = rest & worth.any(axis=1)
        self._note("capacity_or_budget", cid[lost])
        self._count_rules(d, freq, none)
        for t in np.nonzero(worth[lost].any(axis=0) & self.full)[0].tolist():
            self.wanted_full[t] += int(worth[lost][:, t].sum())

    def _note(self, reason: str, ids: np.ndarray) -> None:
        if self.focus is not None and self.focus in ids:
            self.focus_reason = reason
        self.counts[reason] += len(ids)
        room = EXAMPLES - len(self.examples[reason])
        self.examples[reason] += [str(c) for c in ids[:room]] if room > 0 else []

    def _frequency(self, cid: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """The pairs FREQUENCY blocks, ``(n, T)`` (read from the ledger)."""
        out = np.zeros((len(cid), len(self.keys)), dtype=bool)
        for row in np.nonzero(rest & np.isin(cid, sorted(self.freq)))[0].tolist():
            out[row, sorted(self.freq[str(cid[row])])] = True
        return out

    def _count_rules(self, d: Decisions, freq: np.ndarray, none: np.ndarray) -> None:
        """Per rule, the customers with no lawful action it blocks; first reasons."""
        if not none.any():
            return
        allowed = self.allowed[None, :]
        masks = [d.failed[r][none] for r in CUSTOMER_RULES]
        masks += [freq[none], ~np.asarray(d.applicable)[none]]
        per_rule = np.stack([(m & allowed).sum(axis=1) for m in masks], axis=1)
        ids = np.asarray(d.customer_id).astype(str)[none]
        if self.focus is not None and self.focus in ids:
            row = per_rule[int(np.nonzero(ids == self.focus)[0][0])]
            self.focus_rules = [RULES[k] for k in np.nonzero(row)[0].tolist()]
        for k, rule in enumerate(RULES):
            self.rules[rule] += int((per_rule[:, k] > 0).sum())
        hard = per_rule[:, :-1]  # the soft fit is a first reason only on its own
        first = np.where(hard.any(axis=1), np.argmax(hard, axis=1), len(RULES) - 1)
        self.first.update(RULES[k] for k in first.tolist())  # ties: the first rule

    def reasons(self, plan: Plan) -> list[LeftOut]:
        """The reasons with at least one customer, in :data:`REASONS` order."""
        out = []
        for reason in REASONS:
            n = self.counts[reason]
            if not n:
                continue
            item = LeftOut(reason=reason, customers=n, examples=self.examples[reason])
            if reason == "no_lawful_action":
                item.rules = [
                    RuleCount(rule=r, customers=c)
                    for r, c in sorted(self.rules.items(), key=_most)
                    if c
                ]
                item.first_reason = (
                    min(self.first.items(), key=_commonest)[0] if self.first else None
                )
            if reason == "capacity_or_budget":
                item.full = [
                    LimitCount(
                        treatment_key=self.keys[t],
                        customers=c,
                        capacity=plan.by_treatment[self.keys[t]].capacity,
                    )
                    for t, c in sorted(self.wanted_full.items(), key=_most_wanted)
                ]
                item.budgets = _bound_budgets(plan)
            out.append(item)
        return out


def _most(item: tuple[str, int]) -> tuple[bool, int, int]:
    """Hard rules first, most customers first; ties in the kernel's rule order."""
    return (item[0] == SOFT, -item[1], RULES.index(item[0]))


def _commonest(item: tuple[str, int]) -> tuple[int, int]:
    """Most customers first; ties in the kernel's rule order."""
    return (-item[1], RULES.index(item[0]))


def _most_wanted(item: tuple[int, int]) -> tuple[int, int]:
    """Most customers first; ties in the catalogue's order."""
    return (-item[1], item[0])


def _full_treatments(plan: Plan, keys: tuple[str, ...]) -> np.ndarray:
    """Per treatment, whether the plan filled every slot it had."""
    out = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        line = plan.by_treatment.get(key)
        cap = None if line is None else line.capacity
        out[i] = line is not None and cap is not None and line.count >= cap
    return out


def _bound_budgets(plan: Plan) -> list[str]:
    """The budgets the plan's solution was held by (a positive price per pound)."""
    return [key for key, price in plan.budget_prices.items() if price > _EPS]


def budget_uses(plan: Plan, config: CVMConfig) -> list[BudgetUse]:
    """The plan's total and channel budgets, what it spends of each, what is left."""
    out = []
    request = plan.request
    if request.budget is not None:
        out.append(_use("budget:total", request.budget, plan.spend))
    for channel, pounds in request.channel_budgets.items():
        spent = sum(
            line.spend for line in plan.by_treatment.values() if line.channel == channel
        )
        out.append(_use(f"budget:{channel}", pounds, spent))
    return out


def _use(key: str, pounds: float, spent: float) -> BudgetUse:
    return BudgetUse(
        key=key,
        pounds=round(pounds, 2),
        spent=round(spent, 2),
        left=round(max(0.0, pounds - spent), 2),
    )


def explain_plan(
    plan_id: str | None = None,
    ctx: ToolContext | None = None,
    customer_id: str | None = None,
) -> PlanExplanation:
    """Who a plan (null: the latest) contacts, holds out and leaves out, and why.

    Every customer in the plan's scope not contacted nor held out gets one reason:
    no lawful action (with the rule ids that block them), lawful but not worth
    contacting (best EV <= 0), lost to capacity or budget (the full treatments,
    the budgets that bound), booked already, or left out on request; with examples,
    and the plan's total expected value, cost and budgets.

    Raises:
        ToolInputError: No such plan, or no plan made yet.
    """
    ctx = ctx or default_context()
    store = plan_store(ctx)
    plan = store.get(plan_id) if plan_id else store.latest()
    if plan is None:
        raise ToolInputError("No plan yet: make one with plan_campaign first.")
    config = plan_config(ctx, plan.catalogue_version)
    focus = customer_id.strip().upper() if customer_id else None
    tally = _Tally(plan, config, ctx, focus)
    for batch in _batches(ctx, config, plan.request):
        if tuple(batch.treatments) != tally.keys:
            raise ValueError("decision batch treatments differ from the configuration")
        tally.add(batch)
    return _explanation(plan, config, tally, decision_date(ctx))


def _explanation(
    plan: Plan, config: CVMConfig, tally: _Tally, as_of: date | None
) -> PlanExplanation:
    held = len(plan.held_out_rows)
    contacted = plan.assigned
    left = sum(tally.counts.values())
    note = None
    if tally.in_scope != plan.customers:
        note = (
            f"The base changed since the plan was made: {plan.customers:,} customers "
            f"were in scope then, {tally.in_scope:,} now."
        )
    return PlanExplanation(
        plan_id=plan.plan_id,
        day=plan.day,
        catalogue_version=plan.catalogue_version,
        decision_date=as_of,
        hypothetical=plan.hypothetical,
        customers_in_scope=plan.customers if note is None else tally.in_scope,
        contacted=contacted,
        held_out=held,
        left_out=left,
        reasons=tally.reasons(plan),
        expected_value=round(plan.expected_value, 2),
        spend=round(plan.spend, 2),
        budgets=budget_uses(plan, config),
        customer=customer_in_plan(
            tally.focus,
            tally.focus_row,
            tally.focus_held,
            tally.focus_reason,
            tally.focus_rules,
        ),
        by_treatment=split_by_treatment(plan),
        note=note,
    )
