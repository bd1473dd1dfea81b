"""Answers to questions across customers: who matches, how many, and a breakdown.

Every list says how many match and how many are shown ("3 match of 12; showing
3"), and how to see more of them, export them all, or narrow them ("of those").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.planner.base_filters import has_condition
from assistant.views.text import money
from tools.patterns import compiled

if TYPE_CHECKING:
    from assistant.planner.intent import Ask, Results
    from tools.base_queries import BaseSummary, CustomerList, FindArgs

_METRICS = {
    "churn": ("churn score", lambda v: f"{v:.2f}"),
    "revenue": ("monthly revenue", lambda v: f"{money(v)}/month"),
    "tenure": ("tenure", lambda v: f"{v:g} months"),
    "bill": ("latest bill", lambda v: money(v)),
    "data_gb": ("data use", lambda v: f"{v:g} GB"),
    "expected_value": ("expected value", lambda v: money(v)),
}
_OPS = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}
_ORDER = {
    "churn": "churn score",
    "expected_value": "expected value of the best lawful action",
    "value": "monthly revenue",
}
MAX_ROWS = 100  # find_customers shows at most this many rows
REST_WORDS = compiled(r"\b(rest|others|remaining|everyone else|other ones)\b")
CHANNEL_VERBS = {"email": "e-mailed", "sms": "texted", "call": "called"}


def _reach(f: FindArgs) -> str:
    channel = f.reachable_channel or ""
    verb = CHANNEL_VERBS.get(channel, f"reached by {channel}")
    purpose = f" for {f.reachable_purpose}" if f.reachable_purpose else ""
    return f"who {'can' if f.reachable else 'cannot'} lawfully be {verb}{purpose}"


def describe(f: FindArgs) -> str:
    """The filters in words ("high-value customers with bill shock who ...")."""
    parts = []
    if f.value_band:
        parts.append(f"{f.value_band}-value")
    if f.churn_band:
        parts.append(f"{f.churn_band}-churn")
    if f.segment:
        parts.append(f.segment.replace("_", " "))
    if f.vulnerable is not None:
        parts.append("vulnerable" if f.vulnerable else "non-vulnerable")
    more = []
    if f.plan:
        more.append(f"on a {f.plan!r} plan")
    if f.region:
        more.append(f"in the {f.region} region")
    for t in f.thresholds:
        name, shown = _METRICS[t.metric]
        more.append(f"with {name} {_OPS[t.op]} {shown(t.value)}")
    if f.signals:
        more.append("with " + " and ".join(s.replace("_", " ") for s in f.signals))
    if f.without_signals:
        more.append(
            "with no " + " and no ".join(s.replace("_", " ") for s in f.without_signals)
        )
    if f.complained is not None:
        more.append(
            "with a complaint (a negative contact) on record"
            if f.complained
            else "with no complaint (no negative contact) on record"
        )
    if f.consent_channel:
        has = "with" if f.consent_granted else "without"
        more.append(f"{has} {f.consent_channel} {f.consent_purpose} consent")
    if f.objects_to_marketing is not None:
        more.append(
            "with no marketing consent on any channel (objecting to all marketing)"
            if f.objects_to_marketing
            else "who do not object to marketing"
        )
    if f.marketing_allowed is False:
        more.append("who cannot lawfully receive any marketing")
    if f.reachable_channel:
        more.append(_reach(f))
    if f.recommended:
        more.append(f"whose best action is {f.recommended}")
    if f.any_of:
        from tools.base_queries import FindArgs

        either = [
            describe(FindArgs.model_validate(c.model_dump()))
            .removesuffix(" customers")
            .replace(" customers ", " ")
            .replace("customers ", "")
            .strip()
            for c in f.any_of
        ]
        more.append("who are " + " or ".join(f"({e})" for e in either))
    return " ".join([*parts, "customers", *more])


def table(rows: CustomerList) -> str:
    """The customers as a markdown table."""
    lines = [
        "| # | customer | segment | plan | churn | value | best action | EV "
        "| signals |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(rows.rows, 1):
        signals = ", ".join(s.replace("_", " ") for s in r.signals[:3])
        lines.append(
            f"| {n} | {r.customer_id} | {r.segment.replace('_', ' ')} | {r.plan} | "
            f"{r.churn_score:.2f} ({r.churn_band}) | {money(r.monthly_revenue)}/mo "
            f"({r.value_band}) | {r.recommended} | {money(r.expected_value)} | "
            f"{signals or '-'} |"
        )
    return "\n".join(lines)


def counts(found: CustomerList) -> str:
    """How many match and how many are shown ("3 match of 12; showing 3")."""
    return f"{found.matched:,} match of {found.total:,}; showing {found.shown:,}"


def more_hint(found: CustomerList, narrowed: bool) -> str:
    """How to get every customer on the list, or narrow it."""
    hints = []
    if found.matched > found.shown < MAX_ROWS:
        hints.append('For more, say "show all of them" (up to 100 rows).')
    if found.matched > found.shown:
        hints.append(
            f'All {found.matched:,} to a file: say "export that list" '
            f"(or `cvm export list {found.list_id}`)."
        )
    if not narrowed:
        hints.append('Narrow it with "of those, who can we email?".')
    return " ".join(hints)


def find_answer(ask: Ask, f: FindArgs, found: CustomerList) -> str:
    """A count and/or a ranked table of the customers found."""
    who = describe(f)
    hint = more_hint(found, bool(f.among))
    if f.objects_to_marketing:
        hint = (
            "Without marketing consent on one channel only: ask e.g. "
            '"who has no email marketing consent?". ' + hint
        )
    if f.among and REST_WORDS.search(ask.u.norm):
        who += (
            " (among the customers of the list before the last answer; the last "
            "answer's customers are not taken out)"
        )
    elif f.among:
        who += " (among the customers listed before)"
    order = _ORDER[found.order_by]
    if f.among and not has_condition(f) and "how many" in ask.u.norm:
        return (
            f"**{found.matched:,}** customer{'s' if found.matched != 1 else ''} on "
            f"the last list (of {found.total:,} "
            'in the base). Say "show all of them" to see them again.'
        )
    if "how many" in ask.u.norm:
        text = f"**{found.matched:,}** of {found.total:,} customers match: {who}."
        if found.rows:
            text += (
                f"\n\nThe first {found.shown:,} by {order} "
                f"({counts(found)}):\n\n{table(found)}\n\n{hint}"
            )
        return text
    if not found.rows:
        return f"No {who} in the base of {found.total:,}."
    return (
        f"{who[0].upper() + who[1:]}, highest {order} first "
        f"({counts(found)}):\n\n{table(found)}\n\n{hint} "
        'Ask about any of them (e.g. "what should we offer '
        f'{found.rows[0].customer_id}?").'
    )


def summary_answer(ask: Ask, customer: str | None, results: Results) -> str:
    """Counts and EV by segment, signal, best action and excluding rule."""
    s: BaseSummary | None = results.one("summarise_base")
    if s is None:
        return f"I could not summarise the base: {results.failure() or 'no result'}."

    def block(title: str, groups: list[Any], partition: bool, n: int = 8) -> str:
        shown = groups[:n]
        rows = [f"| {title} | customers | EV of best actions |", "|---|---|---|"]
        rows += [
            f"| {g.key.replace('_', ' ')} | {g.customers:,} "
            f"| {money(g.expected_value)} |"
            for g in shown
        ]
        rest = groups[len(shown) :]
        if rest and partition:  # groups of a partition add up
            rows.append(
                f"| {len(rest)} more | {sum(g.customers for g in rest):,} "
                f"| {money(sum(g.expected_value for g in rest))} |"
            )
        elif rest:
            rows.append(f"| {len(rest)} more (overlapping) | | |")
        return "\n".join(rows)

    narrowed = any(
        isinstance(r.arguments, dict) and r.arguments.get("among")
        for r in results.records
    )
    scope = "customers on the last list" if narrowed else "customers"
    return "\n\n".join(
        [
            f"**{s.customers:,}** {scope} (of {s.total:,} in the base); the best "
            f"lawful action for each is worth **{money(s.expected_value)}** in "
            "expected value.",
            block("segment", s.by_segment, True),
            block("best action", s.by_recommended, True),
            block("signal", s.by_signal, False),
            block("excluded by rule (≥1 treatment)", s.excluded_by_rule, False),
        ]
    )
