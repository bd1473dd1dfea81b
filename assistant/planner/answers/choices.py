"""Answers about a customer's options: the top N shown, and the one chosen."""

from __future__ import annotations

from assistant.planner.answers.booking import no_option_on
from assistant.planner.answers.common import (
    excluded_lines,
    how_to_book,
    lawful,
    option_meant,
    recommendation_in,
)
from assistant.planner.book_calls import option_on_channel
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import RankedTreatment, Recommendation
from tools.treatment import BASELINE


def options(ask: Ask, customer: str | None, results: Results) -> str:
    """The top-N lawful options with values and costs (cheaper ones when asked)."""
    rec = recommendation_in(results)
    ranked = lawful(rec)
    cheaper = ask.u.has(r"\b(cheap|cheaper|cheapest|less expensive|lower cost)\b")
    title = f"**Top options for {rec.customer_id}**"
    if cheaper:
        ceiling = option_meant(ask, rec).score.cost
        ranked = sorted(
            [r for r in ranked if r.score.cost < ceiling] or ranked,
            key=lambda r: (r.score.cost, -r.score.expected_value),
        )
        title = (
            f"**Cheaper options for {rec.customer_id}** (below "
            f"{money(ceiling)} per contact, cheapest first)"
        )
    shown = ranked[: ask.u.count or 3]
    focus = ask.session.focus
    focus.options = [r.treatment_key for r in shown]
    focus.options_for = rec.customer_id
    focus.last_list = "options"
    if not shown:
        return f"No lawful treatment for {rec.customer_id}: " + "; ".join(
            line[2:] for line in excluded_lines(rec)[2:]
        )
    rows = [
        "| # | treatment | channel | expected value | cost |",
        "|---|---|---|---|---|",
    ]
    for i, r in enumerate(shown, 1):
        rows.append(
            f"| {i} | {r.display_name} | {CHANNEL_NAMES[r.channel]} | "
            f"{money(r.score.expected_value)} | {money(r.score.cost)} |"
        )
    tail = []
    if rec.top.treatment_key == BASELINE:
        tail.append("All are worth less than doing nothing (£0.00).")
    if ask.u.count and ask.u.count > len(shown):
        tail.append(f"Only {len(shown)} lawful option(s) exist.")
    tail.append("Say **go with the second one** (or its name) to choose one.")
    return "\n".join([title, *rows, "", *tail])


def chosen(ask: Ask, rec: Recommendation) -> RankedTreatment | None:
    """The option the analyst picked: named, by ordinal in the list, or cheapest."""
    focus, u = ask.session.focus, ask.u
    listed = focus.options if focus.options_for == rec.customer_id else []
    ranked = {r.treatment_key: r for r in rec.ranked}
    if u.treatments:
        return ranked.get(u.treatments[0])
    if len(u.channels) == 1 and u.ordinal is None:  # "the sms one"
        return option_on_channel(ask, rec, u.channels[0])
    pool = [ranked[k] for k in listed if k in ranked] or lawful(rec)
    if u.ordinal == 0:
        return min(pool, key=lambda r: r.score.cost) if pool else None
    if u.ordinal is not None:
        index = u.ordinal - 1 if u.ordinal > 0 else len(pool) + u.ordinal
        return pool[index] if 0 <= index < len(pool) else None
    offered = ask.session.offered_option(rec.customer_id, ask.u.text)
    if offered in ranked:  # "ok go with that one" after an alternative was shown
        return ranked[offered]
    return option_meant(ask, rec)


def choose(ask: Ask, customer: str | None, results: Results) -> str:
    """The option the analyst picked, proposed for booking (held, not booked)."""
    rec = recommendation_in(results)
    pick = chosen(ask, rec)
    if pick is None and len(ask.u.channels) == 1 and ask.u.ordinal is None:
        return no_option_on(ask, rec.customer_id, ask.u.channels[0])
    if pick is None:
        focus = ask.session.focus
        listed = focus.options if focus.options_for == rec.customer_id else []
        return (
            f"There is no such option for {rec.customer_id}: the list has "
            f"{len(listed) or len(lawful(rec))}. Ask for the top 3 options to see them."
        )
    if pick.treatment_key == BASELINE:
        return (
            f"{rec.customer_id}: no action is the choice, so there is nothing to book."
        )
    ask.session.focus.options_for = rec.customer_id
    return "\n".join(
        [
            f"**{rec.customer_id}: {pick.display_name}** "
            f"({CHANNEL_NAMES[pick.channel]}, {money(pick.score.expected_value)}, "
            f"cost {money(pick.score.cost)}).",
            f"When: {pick.next_contact.note}.",
            "Nothing is booked yet. "
            + how_to_book(ask, rec.customer_id, pick.treatment_key, pick.display_name),
        ]
    )
