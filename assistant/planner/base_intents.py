"""The planner's rows for questions across customers: find, count, summarise.

"Which customers are at the highest churn risk?", "who's flagged vulnerable",
"list everyone with churn above 0.5", "how many high-value customers can't receive
marketing?", "of those, who can we email?", "segment breakdown pls" →
``find_customers`` / ``summarise_base`` with typed filters read from the message
(:mod:`assistant.planner.base_filters`); "of those" narrows the last list shown
(its handle, ``session.focus.found_list``: the ids stay server-side). These never
ask "which customer?". The reply is a table with how many match and are shown.
"""

from __future__ import annotations

import re

from assistant.planner.answers.base import describe, find_answer, summary_answer
from assistant.planner.answers.figures import figures_answer
from assistant.planner.base_filters import (
    NO_MARKETING,
    asks_grouping,
    has_condition,
    read_filters,
    unapplied,
)
from assistant.planner.figures import figures_asked, unread_measure
from assistant.planner.intent import Ask, Call, Intent, Results, call, cue
from assistant.planner.questions import counts_last_list
from assistant.planner.thresholds import thresholds_in
from assistant.planner.utterance import Utterance
from tools.base_queries import CustomerList, FindArgs
from tools.base_queries.models import CustomerRow, Threshold

_ACROSS = (
    r"\bwhich ([\w-]+ ){0,2}customers\b",
    r"\bwho are (our|the)\b.*\bcustomers\b",
    r"\b(list|show|find|give me|get)( me)? (the |all |our )?(\w+ )?customers\b",
    r"\bhow many ([\w-]+ ){0,3}customers\b",
    NO_MARKETING,
    r"\bhow many (have|are|can|of (them|those|these))\b",
    r"\b(top|best|first) \d+\b.*\b(by|for|customers|expected value|ev)\b",
    r"\b(highest|most) (churn|at risk|valuable|expected value)\b",
    r"\bcustomers (with|who|that|at|on|in|over|above|under|below|spending)\b",
    r"\bat (the )?highest (churn )?risk\b",
    r"\b(list|show|find|give me|get|pull)( me| up| out)? (everyone|everybody|"
    r"anyone|people|all(?! (the |today'?s |of )?(bookings?|allocations?|treatments?|"
    r"offers?|plans?|campaigns?|options?|actions?|channels?)\b))\b",
    r"\b(everyone|everybody|anyone|all customers|people) (with|who|on|in|over|above|"
    r"under|below|that|spending|paying)\b",
    r"\bwho('s| is| are)( flagged| marked| listed)? (as )?(vulnerable|at risk|"
    r"high[- ]value|objecting|over|on|in)\b",
    r"\bwho (has|have|had|objects?|pays?|spends?|is paying)\b",
    r"\b(which|who|how many) of (them|those|these)\b",
    r"\bwho (can|could|can'?t|cannot|could not) (we|i|be) (e-?mail|text|sms|call|"
    r"ring|phone|contact|reach|push)",
)
_BREAKDOWN = (
    r"\b(summar(is|iz)e|overview of|break ?down( of)?|profile of) (the |our )?"
    r"(customer )?base\b",
    r"\bbase (summary|overview|breakdown)\b",
    r"\b(summar(is|iz)e|overview of) (all |our |the )?customers\b",
    r"\b(segment|signal|value|churn|treatment|action)s? (breakdown|split|mix|"
    r"distribution|counts)\b",
    r"\bbreak(down)?( it| them| those| that| the base| the list)?( down)? by\b",
    r"\b(breakdown|summary|overview|summar(is|iz)e)\b.*\b(those|them|that list)\b",
)
_THEM = re.compile(r"\b(them|those|these)\b")


REST = re.compile(
    r"\b(of|among|from|for) (the )?(rest|others|remaining( ones)?|other ones)\b|"
    r"\beveryone else\b|\bthe rest of (them|those|the list)\b"
)


def narrowed(ask: Ask) -> str | None:
    """The last list's handle when the message narrows it ("of those", "them").

    "of the rest" after a narrowed list narrows the list before it again (the
    answer says that the last answer's customers are not taken out).
    """
    focus = ask.session.focus
    found = focus.found_list
    if not found:
        return None
    u = ask.u
    if REST.search(u.norm):
        return focus.found_parent or found
    if (
        u.narrows
        or counts_last_list(u, ask)
        or (_THEM.search(u.norm) and not u.has(r"\b(everyone|all customers)\b"))
    ):
        return found
    return None


_METRIC_WORD = {
    "churn": "churn",
    "revenue": "revenue",
    "tenure": "tenure",
    "bill": "bill",
    "data_gb": "data use",
    "expected_value": "expected value",
}
_BARE_COMPARISON = re.compile(
    r"\b(above|over|more than|greater than|higher than|below|under|less than|"
    r"lower than|at least|at most)\b"
)
_SAME = re.compile(r"\bsame (question|again|for)\b|^\W*(and|what about|how about)\b")


def follows_a_search(u: Utterance, ask: Ask) -> bool:
    """The message follows a question across customers with a new condition.

    "And above 0.8?" (the last question's metric), "what about SMS opt outs, same
    question": the same question again with the condition changed.
    """
    if ask.session.focus.last_list != "customers" or u.customers:
        return False
    if inherited_thresholds(u, ask):
        return True
    return bool(_SAME.search(u.norm)) and has_condition(read_filters(u, ask.config))


def inherited_thresholds(u: Utterance, ask: Ask) -> list[Threshold]:
    """The last question's metric with this message's value ("and above 0.8?")."""
    focus = ask.session.focus
    if u.thresholds or focus.last_list != "customers" or not focus.found_metric:
        return []
    m = _BARE_COMPARISON.search(u.norm)
    if m is None:
        return []
    word = _METRIC_WORD[focus.found_metric]
    return thresholds_in(f"{u.norm[: m.start()]}{word} {u.norm[m.start() :]}")


def filters(ask: Ask) -> FindArgs:
    """The find_customers filters of the message, narrowing the last list if asked.

    Narrowing a top N ("top five ... any of them vulnerable?") looks at that
    list's first N in its order (the answer keeps those of the N shown).
    """
    f = read_filters(ask.u, ask.config)
    among = narrowed(ask)
    if follows_a_search(ask.u, ask):  # the same question: its scope, new condition
        inherited = inherited_thresholds(ask.u, ask)
        if inherited:
            f = f.model_copy(update={"thresholds": inherited})
        among = among or ask.session.focus.found_parent
    if not among:
        return f
    top = ask.session.focus.found_tops.get(among)
    if top is not None:
        return f.model_copy(
            update={"among": among, "order_by": top[0], "limit": top[1]}
        )
    return f.model_copy(update={"among": among})


_METRIC = {
    "churn": lambda r: r.churn_score,
    "expected_value": lambda r: r.expected_value,
    "value": lambda r: r.monthly_revenue,
}


def _in_top(ask: Ask, f: FindArgs, found: CustomerList) -> list[CustomerRow] | None:
    """The found rows within the top N the message narrowed (None: not a top N)."""
    top = ask.session.focus.found_tops.get(f.among or "")
    if top is None or f.order_by != top[0]:
        return None
    metric = _METRIC[top[0]]
    return [r for r in found.rows if metric(r) >= top[2]]


def _within_top(ask: Ask, f: FindArgs, found: CustomerList) -> CustomerList:
    """The found rows within the top N narrowed, and the new list's top (if any).

    A top N shown is remembered by its handle (order, N, the N-th row's value), so
    that "of those" keeps to those N rows; rows past the N-th value are dropped.
    """
    focus = ask.session.focus
    rows = _in_top(ask, f, found)
    if rows is not None:
        top = focus.found_tops[f.among or ""]
        found = found.model_copy(
            update={"rows": rows, "matched": len(rows), "shown": len(rows)}
        )
        focus.found = [r.customer_id for r in rows]
        focus.found_tops[found.list_id] = top
    elif ask.u.count and found.matched > found.shown and found.rows:
        last = _METRIC[found.order_by](found.rows[-1])
        focus.found_tops[found.list_id] = (found.order_by, found.shown, last)
    return found


_ASKS_WHO = re.compile(
    r"\b(who|which|any|anyone|do|does|did|are|is|have|has|had|were|was|can|could)\b"
)


def unread_condition(ask: Ask, f: FindArgs) -> bool:
    """A question about the last list whose condition was not read.

    "do any of them have open bookings?" would otherwise show the same list again,
    as if every customer on it matched: it is answered honestly instead.
    """
    u = ask.u
    return bool(
        f.among
        and not has_condition(f)
        and u.count is None
        and not counts_last_list(u, ask)
        and (
            u.has(r"\b(average|avg|mean|median|sum|totals?)\b")
            or (
                bool(_ASKS_WHO.search(u.norm))
                and not u.has(r"\b(show|list|give|display|see)\b")
            )
        )
    )


def figures(ask: Ask) -> list[Call] | None:
    """base_figures when the message asks for an average or a total (else None).

    "average monthly bill across the base", "avg churn with a complaint vs without":
    the answer is the figure, not a list. An average of something the store cannot
    add up asks nothing (the answer says what can be).
    """
    if unread_measure(ask.u):
        return []
    f = filters(ask)
    asked = figures_asked(ask.u, f, ask.session.focus.found_list)
    if asked is None:
        return None
    return [call("base_figures", **asked.model_dump(exclude_defaults=True))]


def find(ask: Ask, customer: str | None) -> list[Call]:
    """find_customers with the filters the message names (none if unread)."""
    arithmetic = figures(ask)
    if arithmetic is not None:
        return arithmetic
    f = filters(ask)
    if unread_condition(ask, f):
        return []
    return [call("find_customers", **f.model_dump(exclude_defaults=True))]


def _unread(ask: Ask) -> str:
    """What to say when the condition asked about the last list was not read."""
    u = ask.u
    nearest = ""
    if u.has(r"\b(average|avg|mean|median|sum|totals?)\b"):
        return (
            "I can't work out averages or totals over a list of customers here. "
            "Each customer's bills are in their record (\"show U124's bills\"), "
            'the list itself goes to a spreadsheet with "export that list" '
            '(monthly revenue included), and "breakdown by segment" counts the '
            "customers and the value of their best actions."
        )
    if u.has(r"\bbook(ed|ings?)?\b|\ballocat"):
        nearest = (
            ' Bookings are kept apart from the list: say "show today\'s bookings".'
        )
    elif u.has(r"\bplan\b|\bcampaign\b"):
        nearest = (
            ' A plan is kept apart from the list: say "who should we call today?" to '
            "see the plan."
        )
    return (
        "I can't tell which customers on the last list that applies to: I found no "
        "condition in it that I can check on their records, so I have not filtered "
        "the list. I can narrow it by churn or value (bands or thresholds), segment, "
        "plan, signals such as a billing dispute, poor network or bill shock, "
        "consent or lawful contact by channel, objection to marketing, vulnerability "
        'or the best action, e.g. "of those, who can we email?".' + nearest
    )


def summarise(ask: Ask, customer: str | None) -> list[Call]:
    """summarise_base (the whole base, or the last list when narrowed).

    An average or a total asked ("average bill by plan") is base_figures.
    """
    arithmetic = figures(ask)
    if arithmetic is not None:
        return arithmetic
    if has_condition(filters(ask)) and not asks_grouping(ask.u):
        # "how many have churn over 0.6?", "of those, how many over £80?": the
        # customers who match (of the last list when narrowed), counted
        return find(ask, customer)
    among = narrowed(ask)
    return [call("summarise_base", among=among)] if among else [call("summarise_base")]


_CONSENT_CHANNELS = {"email", "sms", "call", "push"}


def consent_instead(ask: Ask, customer: str | None) -> list[Call]:
    """After nobody can lawfully be reached on a channel: who has its consent.

    "who can we email?" finds the customers a treatment on e-mail is lawful for
    today; when that is nobody, the customers with e-mail marketing consent (whom a
    rule such as service before selling holds back) are the useful answer too.
    """
    if ask.results.all("find_customers")[1:]:
        return []
    found: CustomerList | None = ask.results.one("find_customers")
    args = _find_args(ask.results)
    if found is None or args is None or not args.reachable:
        return []
    kept = _in_top(ask, args, found)
    if (found.matched if kept is None else len(kept)) > 0:
        return []
    channel = args.reachable_channel
    if channel not in _CONSENT_CHANNELS:
        return []
    f = args.model_copy(
        update={
            "reachable_channel": None,
            "reachable_purpose": None,
            "consent_channel": channel,
            "consent_purpose": args.reachable_purpose or "marketing",
            "consent_granted": True,
        }
    )
    return [call("find_customers", **f.model_dump(exclude_defaults=True))]


def _find_args(results: Results, n: int = 0) -> FindArgs | None:
    """The arguments of the n-th successful find_customers call of the turn."""
    records = [r for r in results.records if r.name == "find_customers" and r.ok]
    if len(records) <= n or not isinstance(records[n].arguments, dict):
        return None
    return FindArgs.model_validate(records[n].arguments)


def not_applied(ask: Ask) -> str:
    """A line naming each part of the message that was read as no condition."""
    missed = unapplied(ask.u, ask.config)
    if not missed:
        return ""
    parts = ", ".join(f"“{m}”" for m in missed)
    return (
        f"\n\n**Not applied:** I could not read {parts} as a condition on the "
        "customers' records, so the answer is not filtered by it."
    )


def answer_find(ask: Ask, customer: str | None, results: Results) -> str:
    """A count and/or a ranked table of the customers found (or the figures)."""
    if results.called("base_figures") or unread_measure(ask.u):
        return figures_answer(ask, results)
    return _answer_find(ask, results) + not_applied(ask)


def _answer_find(ask: Ask, results: Results) -> str:
    if not results.called("find_customers"):
        return _unread(ask)
    found = results.all("find_customers")
    args = _find_args(results)
    if not found or args is None:
        return f"I could not search the base: {results.failure() or 'no result'}."
    ask.session.focus.found_metric = (
        args.thresholds[-1].metric if args.thresholds else None
    )
    consent = _find_args(results, 1)
    if len(found) > 1 and consent is not None:
        return "\n\n".join(
            [
                f"No {describe(args)} today: a contact rule (such as service before "
                "selling, a frequency cap or vulnerability) holds back every "
                "treatment on that channel for each of them.",
                find_answer(ask, consent, _within_top(ask, consent, found[1])),
            ]
        )
    return find_answer(ask, args, _within_top(ask, args, found[0]))


_HYPOTHETICAL = re.compile(
    r"\b(suppose|supposing|what if|imagine|if we (had|got|have|cut|added|lost|gave))\b"
)
_WHO = re.compile(
    r"\b(who|whom|which|how many|any ?one|any ?body|every ?one|customers|people)\b"
)


_OPTIONS = re.compile(
    r"\b(those|these|the|them|your|its|their|her|his) (\w+ )?(options|treatments|"
    r"offers|alternatives|choices|actions)\b|"
    r"\b(which|what) (option|treatment|offer)s?\b"
)


def about_options(u: Utterance) -> bool:
    """The message is about a customer's options, not a list of customers.

    "which of those options costs less than £5?" narrows the options shown.
    """
    return bool(_OPTIONS.search(u.norm)) and not u.has(r"\bcustomers\b")


def _narrows_a_list(u: Utterance, ask: Ask) -> float:
    """Slot evidence for a question across customers.

    Thresholds, "of those" while a list is shown, or a question about people with a
    condition on the customers' records ("who can we still text?", "which ones can
    we legitimately contact by email?").
    """
    about_people = (
        bool(_WHO.search(u.norm))
        and not _HYPOTHETICAL.search(u.norm)
        and has_condition(read_filters(u, ask.config))
    )
    return (
        6.0 * counts_last_list(u, ask)
        + 6.0 * follows_a_search(u, ask)
        + 3.0 * bool(u.thresholds)
        + 6.0 * bool(u.narrows and ask.session.focus.found_list)
        + 4.0 * about_people
    )


def summary_or_figures(ask: Ask, customer: str | None, results: Results) -> str:
    """The base's breakdown, or the figures an average or total asked for."""
    if results.called("base_figures") or unread_measure(ask.u):
        return figures_answer(ask, results)
    if results.called("find_customers"):  # a condition stated: who matches
        return answer_find(ask, customer, results)
    return summary_answer(ask, customer, results)


BASE_INTENTS: list[Intent] = [
    Intent(
        name="find_customers",
        cues=cue(*_ACROSS, weight=4.0)
        + cue(r"\bcustomers\b", r"\bvulnerable\b", r"\bsegment\b", weight=0.5)
        + cue(r"\bflagged\b", weight=2.0),
        bonus=_narrows_a_list,
        calls=find,
        follow_up=consent_instead,
        answer=answer_find,
        needs_customer=False,
        when=lambda u, ask: not u.customers and not about_options(u),
        priority=2,
        examples=(
            "which customers are at the highest churn risk?",
            "how many customers have bill shock?",
            "top 10 by expected value for a retention call",
            "how many high-value customers can't receive marketing?",
            "list family customers with poor network",
            "who's flagged vulnerable",
            "list everyone with churn above 0.5",
            "customers spending more than £40 a month with payment problems",
        ),
    ),
    Intent(
        name="summarise_base",
        cues=cue(*_BREAKDOWN, weight=5.0),
        calls=summarise,
        answer=summary_or_figures,
        needs_customer=False,
        priority=3,
        examples=(
            "summarise the base",
            "give me an overview of our customer base",
            "segment breakdown pls",
        ),
    ),
]
