"""Answers about the decision: recommend, explain, cost, options, choose, compare."""

from __future__ import annotations

from assistant.planner.answers.common import (
    excluded_lines,
    how_to_book,
    lawful,
    option_line,
    score_line,
)
from assistant.planner.answers.ledger import no_option_on
from assistant.planner.book_calls import option_on_channel
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import Alternative, RankedTreatment, Recommendation
from tools.treatment import BASELINE


def _rec(results: Results) -> Recommendation:
    rec: Recommendation = results.one("recommend_treatment")
    return rec


def recommend(ask: Ask, customer: str | None, results: Results) -> str:
    """The recommendation with its score, reasons, timing and exclusions."""
    rec = _rec(results)
    top, cid = rec.top, rec.customer_id
    rules = " ".join(e.rule for x in rec.excluded if x.hard for e in x.exclusions)
    notes = []
    if "OBJECTION" in rules:
        notes.append(
            f"{cid} refused marketing on every channel (OBJECTION): only "
            "service and billing actions are considered."
        )
    if "VULNERABLE" in rules:
        notes.append(
            f"{cid} is flagged vulnerable (VULNERABLE): no automated "
            "marketing; route any sales conversation to a specialist."
        )
    if "SUITABILITY" in rules:
        notes.append(
            f"{cid} has an open service problem (SUITABILITY): no marketing until "
            "it is fixed."
        )
    if rec.data_note:
        notes.append(rec.data_note)
    booked = ", ".join(
        f"{b.display_name} (#{b.allocation_id})" for b in rec.booked_today
    )
    others = lawful(rec)
    if top.treatment_key == BASELINE and booked:
        out = [
            f"**{cid}: already booked today: {booked}.** Nothing else is worth "
            "more than it costs right now."
        ]
    elif top.treatment_key == BASELINE:
        out = [
            f"**{cid}: no action recommended.** No lawful treatment is worth more "
            "than it costs right now."
        ]
        if others:
            out.append(
                "Best contact options, all below doing nothing: "
                + ", ".join(option_line(r) for r in others[:3])
                + "."
            )
    else:
        out = [
            f"**{cid}: recommend {top.display_name}** "
            f"({CHANNEL_NAMES[top.channel]}, {top.purpose}).",
            score_line(top),
            "",
            "Why:",
            *[f"- {r}" for r in top.reasons],
            "",
            f"When: {top.next_contact.note}.",
        ]
        if others[1:]:
            out.append(
                "Also lawful: " + ", ".join(option_line(r) for r in others[1:4]) + "."
            )
        if booked:
            out.append(f"Already booked today: {booked}.")
    out += notes + excluded_lines(rec)
    if top.treatment_key != BASELINE:
        out += [
            "",
            how_to_book(ask, cid, top.treatment_key, top.display_name)
            + " Or ask why, what it costs, for the top 3 options, or for an "
            "alternative.",
        ]
    return "\n".join(out)


def explain(ask: Ask, customer: str | None, results: Results) -> str:
    """Why the proposal (or the alternative searched last) is the one."""
    alt: Alternative | None = results.one("find_alternative_treatment")
    if alt is not None and alt.alternative is not None:
        best, first = alt.alternative, alt.first_choice
        return "\n".join(
            [
                f"**Why {best.display_name} for {alt.customer_id}:**",
                *[f"- {r}" for r in best.reasons],
                "",
                score_line(best),
                f"It is the best option within your limits; it gives up "
                f"{money(alt.ev_given_up)} against {first.display_name} "
                f"({money(first.score.expected_value)}).",
            ]
        )
    rec = _rec(results)
    top = rec.top
    subject = _subject(ask, rec)
    lines = [
        f"**Why {subject.display_name} for {rec.customer_id}:**",
        *[f"- {r}" for r in subject.reasons],
        "",
        score_line(subject),
    ]
    if subject is top and len(rec.ranked) > 1:
        second = rec.ranked[1]
        gap = top.score.expected_value - second.score.expected_value
        lines.append(
            f"It beats the runner-up, {second.display_name} "
            f"({money(second.score.expected_value)}), by {money(gap)}."
        )
    elif subject is not top:
        lines.append(
            f"It is the alternative to {top.display_name} "
            f"({money(top.score.expected_value)}), the top pick."
        )
    return "\n".join(lines + excluded_lines(rec))


def _subject(ask: Ask, rec: Recommendation) -> RankedTreatment:
    """The option a follow-up is about: one named, else the proposal, else the top."""
    held = ask.held if ask.held and ask.held_for == rec.customer_id else None
    keys = ask.u.treatments or ([held.treatment_key] if held else [])
    return next((r for r in rec.ranked if r.treatment_key in keys), rec.top)


def cost(ask: Ask, customer: str | None, results: Results) -> str:
    """What the recommendation (or the option named) costs and is worth."""
    rec = _rec(results)
    r = _subject(ask, rec)
    if r.treatment_key == BASELINE:
        options = lawful(rec)
        cheapest = min(options, key=lambda x: x.score.cost) if options else None
        other = (
            f"{option_line(cheapest)} at {money(cheapest.score.cost)} per contact"
            if cheapest
            else "none: no treatment is lawful"
        )
        return (
            f"**{rec.customer_id}: no action is recommended, so it costs nothing** "
            f"(£0.00). The cheapest contact option would be {other}."
        )
    s = r.score
    return "\n".join(
        [
            f"**{r.display_name} for {rec.customer_id} costs {money(s.cost)} per "
            f"contact** ({CHANNEL_NAMES[r.channel]}).",
            f"For that it is expected to earn {money(s.expected_value)} net: "
            f"P(accept) {s.propensity:.2f} × {money(s.value)} margin at risk − "
            f"{money(s.cost)}.",
            "Ask for **cheaper options** or **the top 3 options** to compare costs.",
        ]
    )


def options(ask: Ask, customer: str | None, results: Results) -> str:
    """The top-N lawful options with values and costs (cheaper ones when asked)."""
    rec = _rec(results)
    ranked = lawful(rec)
    cheaper = ask.u.has(r"\b(cheap|cheaper|cheapest|less expensive|lower cost)\b")
    title = f"**Top options for {rec.customer_id}**"
    if cheaper:
        ceiling = _subject(ask, rec).score.cost
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
    return _subject(ask, rec)


def choose(ask: Ask, customer: str | None, results: Results) -> str:
    """The option the analyst picked, proposed for booking (held, not booked)."""
    rec = _rec(results)
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


def _riskier(ask: Ask, churn: dict[str, float]) -> list[str]:
    """The answer to "who is more likely to churn?" when that is the question."""
    asks = ask.u.has(r"\bchurn|\bat risk\b|\brisk(ier|iest)?\b|\blikely to (leave|go)")
    if not asks or len(churn) < 2:
        return []
    ranked = sorted(churn.items(), key=lambda kv: -kv[1])
    (first, high), (_, second) = ranked[0], ranked[1]
    if high == second:
        return [f"Equally likely to churn: churn score {high:.2f} each.", ""]
    rest = ", ".join(f"{c} {v:.2f}" for c, v in ranked[1:])
    return [
        f"**{first} is more likely to churn:** churn score {high:.2f} ({rest}).",
        "",
    ]


def compare(ask: Ask, customer: str | None, results: Results) -> str:
    """Each customer's recommendation side by side (never dropping one)."""
    rows = [
        "| customer | recommendation | channel | expected value | cost | churn score |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    churn: dict[str, float] = {}
    for cid in ask.customers:
        mine = results.for_customer(cid)
        rec: Recommendation | None = mine.one("recommend_treatment")
        record = mine.one("get_customer_data")
        score = f"{record.churn.score:.2f}" if record is not None else "?"
        if record is not None:
            churn[cid] = record.churn.score
        if rec is None:
            notes.append(f"- {cid}: {mine.failure() or 'no answer'}")
            rows.append(f"| {cid} | could not be evaluated | | | | {score} |")
            continue
        t = rec.top
        rows.append(
            f"| {cid} | {t.display_name} | {CHANNEL_NAMES[t.channel]} | "
            f"{money(t.score.expected_value)} | {money(t.score.cost)} | {score} |"
        )
        why = t.reasons[0] if t.reasons else "no contact is worth its cost"
        notes.append(f"- **{cid}**: {why}")
    ask.session.focus.customers = list(ask.customers)
    ask.session.focus.compared = list(ask.customers)
    return "\n".join(
        [
            f"**{', '.join(ask.customers)} compared:**",
            *_riskier(ask, churn),
            *rows,
            "",
            *notes,
            "",
            "Ask about one customer to propose a booking.",
        ]
    )
