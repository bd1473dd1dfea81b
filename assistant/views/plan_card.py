"""How a campaign plan is shown: a short answer, a card, a chart, a CSV.

Pure functions of the stored :class:`tools.planning.model.Plan`; the UI adds the
Book plan button and the download, the offline planner uses the answers.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from assistant.views.text import money
from tools.planning.model import Plan

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from tools.planning.booking import PlanBooking
    from tools.planning.store import PlanRow
    from tools.planning.whatif import WhatIf


def _uplift(plan: Plan, base: float) -> str:
    if base <= 0:
        return "n/a"
    return f"+{plan.planned_value / base - 1:.1%}"


def scope_words(plan: Plan, list_words: str | None = None) -> str:
    """Whom a plan among a list is for ("the 1,291 customers of your list (...)").

    Empty for a plan over the whole base (or other customers named by id).
    """
    scope = plan.request.scope
    if not scope.among:
        return ""
    n = len(scope.customers)
    said = f" ({list_words})" if list_words else f" {scope.among}"
    return f"the {n:,} customer{'s' if n != 1 else ''} of your list{said}"


def plan_answer(plan: Plan, list_words: str | None = None) -> str:
    """The plan in a few sentences: value, gap, volumes, baselines, what next.

    Args:
        plan: The plan.
        list_words: The condition of the list it is among, in words, if known.
    """
    among = scope_words(plan, list_words)
    busy = sorted(
        ((k, v) for k, v in plan.by_treatment.items() if v.count),
        key=lambda kv: -kv[1].value,
    )
    volumes = ", ".join(f"{v.display_name} {v.count:,}" for _, v in busy[:6])
    if len(busy) > 6:
        volumes += f" and {len(busy) - 6} more"
    full = [v.display_name for _, v in busy if v.shadow_price > 0]
    lines = [
        f"Plan {plan.plan_id} for {plan.day:%a %d %b}"
        + (f", among {among}" if among else "")
        + f": contact {plan.assigned:,} of "
        f"{plan.customers:,} customers for an expected value of "
        f"{money(plan.expected_value)} (upper bound {money(plan.upper_bound)}, gap "
        f"{plan.gap:.2%}: {'proven optimal' if plan.gap < 1e-6 else plan.solver}).",
        f"Volumes: {volumes or 'nobody is worth contacting today'}.",
        f"Booking one by one in id order would get {money(plan.baselines.first_come)}"
        f" ({_uplift(plan, plan.baselines.first_come)} with the plan"
        f"{' before its holdout' if plan.arms and plan.arms.held_out else ''}); "
        "greedy by "
        f"value {money(plan.baselines.greedy_by_value)} "
        f"({_uplift(plan, plan.baselines.greedy_by_value)}).",
    ]
    if plan.arms is not None:
        lines.append(arms_line(plan))
    if full:
        lines.append(f"Full today: {', '.join(full)} (one more slot is worth more).")
    if plan.assigned:
        lines.append(
            f"Say 'book the plan' to book it ({plan.assigned:,} bookings, "
            f"{money(plan.spend)}); I will ask you to approve plan {plan.plan_id}."
        )
    return "\n".join(lines)


def arms_line(plan: Plan) -> str:
    """How many the plan holds out (no contact) and gives the challenger."""
    a = plan.arms
    if a is None:
        return ""
    text = (
        f"Held out at random ({a.holdout_share:.1%}, no contact, to measure uplift): "
        f"{a.held_out:,} customers ({money(a.held_out_value)} expected value)."
    )
    if a.challenger_share:
        text += (
            f" Challenger ({a.challenger.replace('_', ' ')}, {a.challenger_share:.0%}"
            f" of customers and slots): {a.challenger_assigned:,} bookings "
            f"({money(a.challenger_value)})."
        )
    return text


def plan_card(plan: Plan) -> str:
    """Markdown: totals, the table by treatment and the baselines."""
    lines = [
        f"### Plan {plan.plan_id} — {plan.day:%a %d %b %Y}",
        f"**{money(plan.expected_value)}** expected from **{plan.assigned:,}** of "
        f"{plan.customers:,} customers · bound {money(plan.upper_bound)} · gap "
        f"{plan.gap:.3%} · {plan.solver} · spend {money(plan.spend)}",
        *([f"Among {scope_words(plan)}."] if plan.request.scope.among else []),
        "",
        "| Treatment | Planned | Capacity left | Value | One more slot |",
        "|---|---:|---:|---:|---:|",
    ]
    for _, v in sorted(plan.by_treatment.items(), key=lambda kv: -kv[1].value):
        cap = "unlimited" if v.capacity is None else f"{v.capacity:,}"
        lines.append(
            f"| {v.display_name} | {v.count:,} | {cap} | {money(v.value)} | "
            f"{money(v.shadow_price)} |"
        )
    b = plan.baselines
    lines += [
        "",
        "| Compared with | Value | Customers | Plan adds |",
        "|---|---:|---:|---:|",
        f"| First come, in id order | {money(b.first_come)} | "
        f"{b.first_come_assigned:,} | {_uplift(plan, b.first_come)} |",
        f"| Greedy by value | {money(b.greedy_by_value)} | {b.greedy_assigned:,} | "
        f"{_uplift(plan, b.greedy_by_value)} |",
    ]
    if plan.arms is not None:
        lines += ["", arms_line(plan)]
    if plan.parent_id:
        lines.append(f"\nWhat-if of plan {plan.parent_id}: {plan.request.changes()}")
    return "\n".join(lines)


def plan_chart(plan: Plan) -> go.Figure:
    """Volume against capacity left, and value, per treatment."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from assistant.views.charts import DATA, REMAINING, USED, themed

    items = [(k, v) for k, v in plan.by_treatment.items() if v.count or v.capacity]
    names = [v.display_name for _, v in items]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=("Planned vs capacity left", "Expected value (£)"),
    )
    fig.add_trace(
        go.Bar(
            x=names, y=[v.count for _, v in items], name="planned", marker_color=USED
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=[v.capacity if v.capacity is not None else v.count for _, v in items],
            name="capacity left",
            opacity=0.35,
            marker_color=REMAINING,
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(x=names, y=[v.value for _, v in items], name="value", marker_color=DATA),
        row=1,
        col=2,
    )
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(barmode="overlay", height=380, margin={"t": 40, "b": 10})
    return themed(fig)


def assignment_csv(rows: list[PlanRow]) -> bytes:
    """The plan's bookings as CSV: customer, treatment, EV, cost."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["customer_id", "treatment_key", "expected_value", "cost"])
    for r in sorted(rows, key=lambda r: r.seq):
        w.writerow(
            [r.customer_id, r.treatment_key, f"{r.expected_value:.2f}", f"{r.cost:.2f}"]
        )
    return out.getvalue().encode()


def what_if_answer(w: WhatIf) -> str:
    """A what-if's answer: Δ value and Δ volume per treatment and channel."""
    sign = "+" if w.delta_value >= 0 else "−"
    lines = [
        f"With that change (plan {w.after_id}, compared with {w.before_id}): "
        f"expected value {money(w.after_value)}, {sign}{money(abs(w.delta_value))} "
        f"({money(w.before_value)} before; gap {w.after_gap:.2%}).",
    ]
    if w.by_treatment:
        parts = [
            f"{k} {d.count:+,} ({'+' if d.value >= 0 else '−'}{money(abs(d.value))})"
            for k, d in w.by_treatment.items()
        ]
        lines.append("By treatment: " + "; ".join(parts) + ".")
        lines.append(
            "By channel: "
            + "; ".join(f"{c} {d.count:+,}" for c, d in w.by_channel.items())
            + "."
        )
    else:
        lines.append("Nothing moves: the plan is the same.")
    return "\n".join(lines)


def booking_answer(b: PlanBooking) -> str:
    """What booking a plan did: booked, already booked, refused by rule."""
    refused = ", ".join(f"{n:,} by {rule}" for rule, n in b.refused.items())
    text = (
        f"Plan {b.plan_id}: booked {b.booked:,} (approved by {b.approved_by})"
        + (f", {b.already_booked:,} were already booked" if b.already_booked else "")
        + (f"; refused {refused}" if refused else "; nothing refused")
        + ". Every booking was checked against the contact rules and capacity "
        "when it was made."
    )
    if b.refusals:
        r = b.refusals[0]
        text += (
            f" For example {r.customer_id} × {r.treatment_key}: {r.rule} ({r.reason})."
        )
    return text
