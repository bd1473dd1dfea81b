"""Answers of the offline planner, written only from this turn's tool results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.models.offline_facts import write_facts, write_journey
from assistant.models.results import CHANNEL_NAMES, Results, failed, money, one
from assistant.session import Session
from tools.config import CVMConfig
from tools.treatment import BASELINE

if TYPE_CHECKING:
    from assistant.models.offline import Plan

HELP = """I can help you with:
- **Recommend**: "What should we offer U124?"
- **Explain**: "Why?", "Why not an SMS?", "What about a retention email?"
- **Alternatives**: "Something that doesn't use the call centre", "under £5"
- **Book or cancel**: "Book it", "Cancel that booking"
- **Capacity**: "How many call-backs are left today?"
- **Customer facts**: "Explain U126's contact permissions", "Show U124's bills",
  "How is U125's network?", "U124's journey"
Sample customers: U123–U133 and U999."""


def follow_up(plan: Plan, results: Results) -> list[tuple[str, dict[str, Any]]]:
    """A second round of tool calls, when the first results call for one."""
    booked = one(results, "allocate_treatment")
    if (
        plan.intent == "book"
        and booked
        and booked.get("blocked")
        and booked.get("rule") != "APPROVAL"
        and not one(results, "find_alternative_treatment")
    ):
        return [
            (
                "find_alternative_treatment",
                {
                    "customer_id": plan.customer,
                    "exclude_treatments": [plan.treatment],
                    "exclude_channels": [],
                    "max_cost": None,
                },
            )
        ]
    return []


def write(plan: Plan, results: Results, session: Session, config: CVMConfig) -> str:
    """The answer for a plan, from this turn's tool results."""

    def name(key: str | None) -> str:
        t = config.treatments.get(key or "")
        return t.display_name if t else str(key)

    if plan.intent == "help":
        return HELP
    if plan.intent == "thanks":
        return (
            "You're welcome. Ask about another customer, or say **cancel it** "
            "to undo the last booking."
        )
    if plan.intent == "unknown":
        return "I did not catch what you need. " + HELP
    if not results:
        return _no_tools(plan, name)
    first_error = failed(results[0][1])
    if first_error and plan.intent not in {"book", "cancel"}:
        return f"I could not do that: {first_error}"
    writer = {
        "recommend": _recommend,
        "why": _why,
        "why_not": _why_not,
        "alternative": _alternative,
        "book": _book,
        "cancel": _cancel,
        "capacity": _capacity,
        "facts": write_facts,
        "journey": write_journey,
    }[plan.intent]
    return writer(plan, results, session, config, name)


def _no_tools(plan: Plan, name: Any) -> str:
    if plan.intent == "book" and plan.treatment == BASELINE:
        return (
            "The recommendation is **no action**, so there is nothing to book. "
            "Ask for an alternative if you want to contact the customer anyway."
        )
    if plan.intent == "book" and plan.customer:
        return (
            "There is nothing to book yet: ask for a recommendation first, or name "
            'the treatment (e.g. "book retention_email for U124").'
        )
    if plan.intent == "cancel":
        return (
            "Which booking? There is no booking in this conversation yet; give its "
            'id, e.g. "cancel booking #3".'
        )
    return "Which customer do you mean? Give an id such as U124."


def _ranked_lines(lines: list[str], name: Any, limit: int = 3) -> str:
    parts = []
    for line in lines[:limit]:
        key, channel, _, ev = line.split("|")
        parts.append(
            f"{name(key)} ({CHANNEL_NAMES.get(channel, channel)}) {money(float(ev))}"
        )
    return ", ".join(parts)


def _excluded_text(rec: dict[str, Any], name: Any) -> list[str]:
    return [f"- {name(k)}: {why}" for k, why in rec["excluded"].items()]


def _score_line(top: dict[str, Any]) -> str:
    return (
        f"Expected value **{money(top['expected_value'])}** = P(accept) "
        f"{top['propensity']:.2f} ({top['propensity_source']}) × "
        f"{money(top['value_at_risk'])} margin at risk − {money(top['cost'])} cost."
    )


def _recommend(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    rec = one(results, "recommend_treatment") or {}
    top, cid = rec["top"], rec["customer_id"]
    excluded_rules = " ".join(rec["excluded"].values())
    lines = []
    if "OBJECTION:" in excluded_rules:
        lines.append(
            f"{cid} refused marketing on every channel (OBJECTION): only "
            "service and billing actions are considered."
        )
    if "VULNERABLE:" in excluded_rules:
        lines.append(
            f"{cid} is flagged vulnerable (VULNERABLE): no automated "
            "marketing; route any sales conversation to a specialist."
        )
    if top["treatment_key"] == BASELINE:
        head = [
            f"**{cid}: no action recommended.** No lawful treatment is worth more "
            "than it costs right now."
        ]
        if rec["runners_up"]:
            head.append(
                f"Best contact options, all below doing nothing: "
                f"{_ranked_lines(rec['runners_up'], name)}."
            )
    else:
        head = [
            f"**{cid}: recommend {name(top['treatment_key'])}** "
            f"({CHANNEL_NAMES[top['channel']]}, {top['purpose']}).",
            _score_line(top),
            "",
            "Why:",
            *[f"- {r}" for r in top["reasons"]],
            "",
            f"When: {top['next_contact']}.",
        ]
        lawful = [r for r in rec["runners_up"] if not r.startswith("ignore|")]
        if lawful:
            head.append(f"Also lawful: {_ranked_lines(lawful, name)}.")
    out = head + lines
    if rec["excluded"]:
        out += ["", "Excluded by contact rules:", *_excluded_text(rec, name)]
    if top["treatment_key"] != BASELINE:
        out += [
            "",
            f"Say **book it** to book {name(top['treatment_key'])}, or ask why, why "
            "not another channel, or for an alternative.",
        ]
    return "\n".join(out)


def _why(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    alt = one(results, "find_alternative_treatment")
    if alt and alt.get("alternative"):
        best, first = alt["alternative"], alt["first_choice"]
        return "\n".join(
            [
                f"**Why {name(best['treatment_key'])} for {alt['customer_id']}:**",
                *[f"- {r}" for r in best["reasons"]],
                "",
                _score_line(best),
                f"It is the best option within your limits; it gives up "
                f"{money(alt['ev_given_up'])} against {name(first['treatment_key'])} "
                f"({money(first['expected_value'])}).",
            ]
        )
    rec = one(results, "recommend_treatment") or {}
    top = rec["top"]
    proposal = session.proposal if session.customer_id == rec["customer_id"] else None
    subject = proposal if proposal and proposal["treatment_key"] != BASELINE else top
    lines = [
        f"**Why {name(subject['treatment_key'])} for {rec['customer_id']}:**",
        *[f"- {r}" for r in subject["reasons"]],
        "",
        _score_line(subject),
    ]
    if subject["treatment_key"] == top["treatment_key"] and rec["runners_up"]:
        key, _, _, ev = rec["runners_up"][0].split("|")
        gap = top["expected_value"] - float(ev)
        lines.append(
            f"It beats the runner-up, {name(key)} ({money(float(ev))}), "
            f"by {money(gap)}."
        )
    elif subject["treatment_key"] != top["treatment_key"]:
        lines.append(
            f"It is the alternative to {name(top['treatment_key'])} "
            f"({money(top['expected_value'])}), the top pick."
        )
    if rec["excluded"]:
        lines += ["", "Excluded by contact rules:", *_excluded_text(rec, name)]
    return "\n".join(lines)


def _why_not(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    rec = one(results, "recommend_treatment") or {}
    cid, top = rec["customer_id"], rec["top"]
    keys = (
        [plan.treatment]
        if plan.treatment
        else [k for k, t in config.treatments.items() if t.channel == plan.channel]
    )
    ranked = {
        line.split("|")[0]: float(line.split("|")[3]) for line in rec["runners_up"]
    }
    lines = []
    for key in keys:
        if key == top["treatment_key"]:
            lines.append(
                f"- **{name(key)} is the recommendation** "
                f"({money(top['expected_value'])})."
            )
        elif key in rec["excluded"]:
            lines.append(f"- **{name(key)}: not allowed.** {rec['excluded'][key]}")
        elif key in rec["not_applicable"]:
            lines.append(
                f"- **{name(key)}: lawful but not recommended** "
                f"(APPLICABILITY: {rec['not_applicable'][key]}). You can "
                "still book it by name."
            )
        elif key in ranked:
            lines.append(
                f"- **{name(key)}: allowed**, expected value "
                f"{money(ranked[key])}, {money(top['expected_value'] - ranked[key])}"
                f" below {name(top['treatment_key'])}."
            )
    what = (
        name(plan.treatment)
        if plan.treatment
        else f"{CHANNEL_NAMES[plan.channel or 'none']}"
    )
    out = [f"**{what} for {cid}:**", *lines]
    alt = one(results, "find_alternative_treatment")
    if alt is not None and not failed(alt):
        best = alt.get("alternative")
        if (
            best
            and best["treatment_key"] != BASELINE
            and best["treatment_key"] != top["treatment_key"]
        ):
            out += [
                "",
                f"The best lawful {what} option is **{name(best['treatment_key'])}** "
                f"({money(best['expected_value'])}, {money(alt['ev_given_up'])} "
                f"below {name(top['treatment_key'])}). Say **book it** to book it "
                f"instead, or stay with {name(top['treatment_key'])}.",
            ]
        elif not best or best["treatment_key"] == BASELINE:
            out += [
                "",
                f"No {what} treatment is allowed and worth doing for {cid}; the "
                f"recommendation stays **{name(top['treatment_key'])}**.",
            ]
    elif plan.treatment and plan.treatment != top["treatment_key"]:
        out += [
            "",
            f"The recommendation stays **{name(top['treatment_key'])}** "
            f"({money(top['expected_value'])}).",
        ]
    return "\n".join(out)


def _alternative(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    alt = one(results, "find_alternative_treatment") or {}
    limits = [
        f"without {CHANNEL_NAMES.get(c, c)} contact" for c in plan.exclude_channels
    ]
    if plan.max_cost is not None:
        limits.append(f"costing at most {money(plan.max_cost)}")
    scope = " and ".join(limits) or f"other than {alt['first_choice']['name']}"
    best = alt.get("alternative")
    cid = alt["customer_id"]
    if not best or best["treatment_key"] == BASELINE:
        return (
            f"Nothing {scope} is worth doing for {cid}: the best remaining option "
            "is no action."
        )
    return "\n".join(
        [
            f"**{cid}, {scope}: {name(best['treatment_key'])}** "
            f"({CHANNEL_NAMES[best['channel']]}, {best['purpose']}).",
            f"Expected value {money(best['expected_value'])}, "
            f"{money(alt['ev_given_up'])} less than {alt['first_choice']['name']}.",
            "",
            "Why:",
            *[f"- {r}" for r in best["reasons"]],
            "",
            f"When: {best['next_contact']}.",
            f"Say **book it** to book {name(best['treatment_key'])}.",
        ]
    )


def _book(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    booked = one(results, "allocate_treatment") or {}
    refusal = failed(booked)
    if refusal:
        lines = [
            f"**Not booked:** {name(plan.treatment)} for {plan.customer} was "
            f"refused. {refusal}"
        ]
        alt = one(results, "find_alternative_treatment")
        best = alt.get("alternative") if alt and not failed(alt) else None
        if best and best["treatment_key"] != BASELINE:
            lines.append(
                f"The best lawful alternative is **{name(best['treatment_key'])}** "
                f"({money(best['expected_value'])}). Say **book it** to book "
                "it instead."
            )
        return "\n".join(lines)
    avail = one(results, "check_availability") or {}
    lines = [
        f"**Booked {booked['display_name']} for {booked['customer_id']}** — "
        f"allocation #{booked['allocation_id']}, approved by {booked['approved_by']}.",
        f"When: {booked.get('next_contact', 'no contact involved')}.",
    ]
    if avail.get("max_per_day") is not None:
        lines.append(
            f"Capacity left today: {avail['remaining']} of {avail['max_per_day']}."
        )
    lines.append("Say **cancel it** to release the booking.")
    return "\n".join(lines)


def _cancel(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    released = one(results, "release_allocation") or {}
    if failed(released):
        return f"Nothing cancelled: {failed(released)}"
    return (
        f"Cancelled booking #{released['allocation_id']} "
        f"({released['display_name']} for {released['customer_id']}). "
        "Its slot is free again."
    )


def _availability_line(a: dict[str, Any]) -> str:
    if a.get("max_per_day") is None:
        return f"- {a['display_name']}: {a['used']} booked today, no daily limit"
    line = (
        f"- {a['display_name']}: **{a['remaining']} left** of {a['max_per_day']} "
        f"({a['used']} used)"
    )
    if a.get("reserved_for_high_value"):
        line += f", {a['reserved_for_high_value']} reserved for high-value customers"
    if a.get("daily_budget") is not None:
        line += f"; budget {money(a['spent'])} of {money(a['daily_budget'])} spent"
    return line


def _capacity(
    plan: Plan, results: Results, session: Session, config: CVMConfig, name: Any
) -> str:
    report = one(results, "get_constraints")
    items = (
        report["treatments"]
        if report
        else [r for n, r in results if n == "check_availability"]
    )
    day = items[0]["day"] if items else ""
    return "\n".join(
        [
            f"**Capacity today ({day}):**",
            *[
                _availability_line(a)
                for a in items
                if not (report and a["treatment_key"] == BASELINE)
            ],
        ]
    )
