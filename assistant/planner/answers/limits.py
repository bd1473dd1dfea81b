"""Answers about other options: why not X, and the best option under limits."""

from __future__ import annotations

from assistant.planner.answers.common import excluded, how_to_book, not_applicable
from assistant.planner.intent import Ask, Results
from assistant.views.text import CHANNEL_NAMES, money
from tools.recommendation import Alternative, Recommendation
from tools.treatment import BASELINE


def why_not(ask: Ask, customer: str | None, results: Results) -> str:
    """Whether the treatment or channels asked about are allowed, and their value."""
    rec: Recommendation = results.one("recommend_treatment")
    cid, top = rec.customer_id, rec.top
    u = ask.u
    # "why this one and not a SMS?": the channel the question rules out is the one
    # it asks about
    channels = u.channels or u.excluded_channels
    if not u.treatments and not channels:
        return (
            f"The recommendation for {cid} is **{top.display_name}** "
            f"({money(top.score.expected_value)}). Which treatment or channel do you "
            'mean? Ask e.g. "why not SMS?" or "why not Data Boost?".'
        )
    if u.treatments:
        out = [f"**{ask.name(u.treatments[0])} for {cid}:**"]
        out += _option_lines(ask, u.treatments, rec)
        if u.treatments[0] != top.treatment_key:
            out += [
                "",
                f"The recommendation stays **{top.display_name}** "
                f"({money(top.score.expected_value)}).",
            ]
        return "\n".join(out)
    alts = results.all("find_alternative_treatment")
    asked = channels[: max(1, len(alts))]
    return "\n\n".join(
        _on_channel(ask, rec, c, alts[i] if i < len(alts) else None)
        for i, c in enumerate(asked)
    )


def _on_channel(
    ask: Ask, rec: Recommendation, channel: str, alt: Alternative | None
) -> str:
    """The options on one channel for the customer, and the best lawful of them."""
    cid, top = rec.customer_id, rec.top
    keys = [k for k, t in ask.config.treatments.items() if t.channel == channel]
    what = CHANNEL_NAMES.get(channel, channel)
    out = [f"**{what} for {cid}:**", *_option_lines(ask, keys, rec)]
    best = alt.alternative if alt is not None else None
    if alt is None:
        return "\n".join(out)
    if best and best.treatment_key not in (BASELINE, top.treatment_key):
        out += [
            "",
            f"The best lawful {what} option is **{best.display_name}** "
            f"({money(best.score.expected_value)}, {money(alt.ev_given_up)} "
            f"below {top.display_name}). Say **book {best.display_name}** to "
            f"propose it instead, or stay with {top.display_name}.",
        ]
    elif not best or best.treatment_key == BASELINE:
        out += [
            "",
            f"No {what} treatment is allowed and worth doing for {cid}; the "
            f"recommendation stays **{top.display_name}**.",
        ]
    return "\n".join(out)


def _given_up(alt: Alternative) -> str:
    """What the alternative gives up against the first choice (or that it is it)."""
    first = alt.first_choice.display_name
    if (
        alt.alternative
        and alt.alternative.treatment_key == alt.first_choice.treatment_key
    ):
        return f"it is the recommendation itself ({first} already fits)."
    return f"{money(alt.ev_given_up)} less than {first}."


def alternative(ask: Ask, customer: str | None, results: Results) -> str:
    """The best option within the analyst's limits, and what it gives up."""
    alt: Alternative = results.one("find_alternative_treatment")
    u = ask.u
    limits = [f"without {CHANNEL_NAMES.get(c, c)} contact" for c in u.excluded_channels]
    if u.max_cost is not None:
        limits.append(f"costing at most {money(u.max_cost)}")
    scope = " and ".join(limits) or f"other than {alt.first_choice.display_name}"
    best, cid = alt.alternative, alt.customer_id
    if not best or best.treatment_key == BASELINE:
        return (
            f"Nothing {scope} is worth doing for {cid}: the best remaining option "
            "is no action."
        )
    return "\n".join(
        [
            f"**{cid}, {scope}: {best.display_name}** "
            f"({CHANNEL_NAMES[best.channel]}, {best.purpose}).",
            f"Expected value {money(best.score.expected_value)}, cost "
            f"{money(best.score.cost)}; " + _given_up(alt),
            "",
            "Why:",
            *[f"- {r}" for r in best.reasons],
            "",
            f"When: {best.next_contact.note}.",
            how_to_book(ask, cid, best.treatment_key, best.display_name),
        ]
    )


def _option_lines(ask: Ask, keys: list[str], rec: Recommendation) -> list[str]:
    """One line per treatment asked about.

    The pick, not allowed (with its rule), lawful but not recommended, or allowed
    with its value.
    """
    top = rec.top
    ranked = {r.treatment_key: r for r in rec.ranked}
    hard, soft = excluded(rec), not_applicable(rec)
    lines = []
    for key in keys:
        name = ask.name(key)
        if key == top.treatment_key:
            lines.append(
                f"- **{name} is the recommendation** "
                f"({money(top.score.expected_value)})."
            )
        elif key in hard:
            lines.append(f"- **{name}: not allowed.** {hard[key]}")
        elif key in soft:
            lines.append(
                f"- **{name}: lawful but not recommended** (APPLICABILITY: "
                f"{soft[key]}). You can still book it by name."
            )
        elif key in ranked:
            ev = ranked[key].score.expected_value
            lines.append(
                f"- **{name}: allowed**, expected value {money(ev)}, "
                f"{money(top.score.expected_value - ev)} below {top.display_name}."
            )
    return lines
