"""Writing the scenarios of a conversation side by side, or the one chosen.

"Which scenario wins on net value?" → a table of the plans (what each changed,
contacts, cost, expected value net of cost, contacts by channel) and the bookable
one worth the most. "Go with the 2nd scenario" → that plan becomes the plan, its
booking proposed for confirmation (nothing is booked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.intent import Ask, Results
from assistant.planner.scenarios import asks_choice, picked

if TYPE_CHECKING:
    from tools.planning.compare import PlanComparison, Scenario


def change_words(s: Scenario, first: bool) -> str:
    """What a scenario changed, in words."""
    c = s.changes
    parts: list[str] = []
    if c.get("budget") is not None:
        parts.append(f"budget £{float(str(c['budget'])):,.0f}")
    scope = c.get("scope")
    if isinstance(scope, dict) and scope.get("without_customers"):
        parts.append("without " + ", ".join(scope["without_customers"]))
    if isinstance(scope, dict) and scope.get("purposes"):
        parts.append(", ".join(scope["purposes"]) + " only")
    if c.get("without_channels"):
        parts.append("no " + ", ".join(c["without_channels"]))  # type: ignore[arg-type]
    capacity = c.get("capacity")
    if isinstance(capacity, dict) and capacity:
        parts.append("slots " + ", ".join(f"{k} {n}" for k, n in capacity.items()))
    budgets = c.get("channel_budgets")
    if isinstance(budgets, dict) and budgets:
        parts.append(", ".join(f"{k} budget £{v:,.0f}" for k, v in budgets.items()))
    words = "; ".join(parts) or ("as configured" if first else "no change")
    return words + (" (hypothetical)" if s.hypothetical else "")


def table(rows: list[tuple[int, Scenario]]) -> str:
    """The scenarios as a markdown table (numbered as in the conversation)."""
    lines = [
        "| # | plan | change | contacts | cost | expected value (net) | by channel |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, s in rows:
        channels = ", ".join(f"{k} {v:,}" for k, v in s.by_channel.items()) or "none"
        lines.append(
            f"| {n} | {s.plan_id} | {change_words(s, n == 1)} | {s.contacts:,} | "
            f"£{s.cost:,.2f} | £{s.expected_value:,.2f} | {channels} |"
        )
    return "\n".join(lines)


def compared(ask: Ask, comparison: PlanComparison) -> str:
    """The scenarios the message points at (at least two), and which wins."""
    every = comparison.scenarios
    chosen = picked(ask.u.text, every)
    if len(chosen) < 2:  # "compare that": with the original (or the latest)
        other = every[0] if chosen[0] is not every[0] else every[-1]
        chosen = [s for s in every if s is other or s in chosen]
    rows = [(every.index(s) + 1, s) for s in chosen]
    bookable = [s for s in chosen if not s.hypothetical] or chosen
    best = max(bookable, key=lambda s: s.expected_value)
    runner = sorted(chosen, key=lambda s: -s.expected_value)
    lead = ""
    if len(runner) > 1 and runner[0] is best:
        gap = best.expected_value - runner[1].expected_value
        lead = f", £{gap:,.2f} more than the next"
    note = (
        " Extra slots are hypothetical: such a plan cannot be booked today."
        if any(s.hypothetical for s in chosen)
        else ""
    )
    return (
        f"**{len(rows)} scenarios of this conversation** (expected value is net of "
        "the contacts' cost):\n\n"
        + table(rows)
        + f"\n\n**Best on net value: scenario {every.index(best) + 1} "
        f"({best.plan_id})**, £{best.expected_value:,.2f}{lead}.{note} Say *go "
        f"with scenario {every.index(best) + 1}* to make it the plan (nothing is "
        "booked)."
    )


def chosen_plan(ask: Ask, comparison: PlanComparison) -> Scenario | None:
    """The one scenario a choice points at (None: not exactly one)."""
    if not asks_choice(ask.u.text):
        return None
    found = picked(ask.u.text, comparison.scenarios)
    return found[0] if len(found) == 1 else None


def scenarios_answer(ask: Ask, results: Results) -> str:
    """The comparison, or the scenario chosen and its booking proposed."""
    comparison: PlanComparison | None = results.one("compare_plans")
    if comparison is None:
        failure = results.failure("compare_plans")
        return (
            f"I could not compare the scenarios: {failure}"
            if failure
            else (
                "There is only one plan in this conversation so far: ask a what-if "
                "first (e.g. 'what if the budget were £1.5k?')."
            )
        )
    if not asks_choice(ask.u.text):
        return compared(ask, comparison)
    choice = chosen_plan(ask, comparison)
    if choice is None:
        return compared(ask, comparison) + (
            "\n\nWhich one? Say e.g. *go with scenario 2*."
        )
    n = comparison.scenarios.index(choice) + 1
    head = table([(n, choice)])
    if choice.hypothetical:
        return (
            f"Scenario {n} ({choice.plan_id}) assumes capacity we do not have "
            f"today, so it cannot be booked; the plan stays as it was.\n\n{head}"
        )
    ask.session.plan_id = choice.plan_id
    held = results.held("book_plan")
    wait = (
        f"\n\n{held.title}: waiting for your approval (nothing is booked yet)."
        if held is not None
        else ""
    )
    return f"Scenario {n} ({choice.plan_id}) is now the plan.\n\n{head}{wait}"
