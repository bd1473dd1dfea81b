"""Which tools answer a question across customers, and the filters they get.

"of those" narrows the last list shown (its handle, ``session.focus.found_list``);
"and above 0.8?" asks the last question again with its metric and a new value; an
average or a total asked is ``base_figures``; a condition on the last list that
was not read calls nothing (the answer says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.planner.base_filters import asks_grouping, has_condition, read_filters
from assistant.planner.figures import figures_asked, unread_measure
from assistant.planner.intent import Ask, Call, Results, call
from assistant.planner.questions import counts_last_list
from assistant.planner.thresholds import thresholds_in
from assistant.planner.utterance import Utterance
from tools.patterns import compiled

if TYPE_CHECKING:  # (imported when a question across customers is read)
    from tools.base_queries import CustomerList, FindArgs
    from tools.base_queries.models import CustomerRow, Threshold

_THEM = compiled(r"\b(them|those|these)\b")


REST = compiled(
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
        or _SPLIT_THAT.search(u.norm)
        or counts_last_list(u, ask)
        or (_THEM.search(u.norm) and not u.has(r"\b(everyone|all customers)\b"))
    ):
        return found
    return None


# "split that by segment", "break those down by plan": the list just shown, grouped
_SPLIT_THAT = compiled(
    r"\b(?:split|break(?:\s+down)?|breakdown of|group|slice|divide|segment)\s+"
    r"(?:that|those|them|these|it|this)(?:\s+(?:list|lot|group|down|up))?\s+"
    r"(?:down\s+)?(?:by|per|into|across)\b"
)


_METRIC_WORD = {
    "churn": "churn",
    "revenue": "revenue",
    "tenure": "tenure",
    "bill": "bill",
    "data_gb": "data use",
    "expected_value": "expected value",
}


_BARE_COMPARISON = compiled(
    r"\b(above|over|more than|greater than|higher than|below|under|less than|"
    r"lower than|at least|at most)\b"
)


_SAME = compiled(r"\bsame (question|again|for)\b|^\W*(and|what about|how about)\b")


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


def in_top(ask: Ask, f: FindArgs, found: CustomerList) -> list[CustomerRow] | None:
    """The found rows within the top N the message narrowed (None: not a top N)."""
    top = ask.session.focus.found_tops.get(f.among or "")
    if top is None or f.order_by != top[0]:
        return None
    metric = _METRIC[top[0]]
    return [r for r in found.rows if metric(r) >= top[2]]


def within_top(ask: Ask, f: FindArgs, found: CustomerList) -> CustomerList:
    """The found rows within the top N narrowed, and the new list's top (if any).

    A top N shown is remembered by its handle (order, N, the N-th row's value), so
    that "of those" keeps to those N rows; rows past the N-th value are dropped.
    """
    focus = ask.session.focus
    rows = in_top(ask, f, found)
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


_ASKS_WHO = compiled(
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


def figures(ask: Ask, f: FindArgs) -> list[Call] | None:
    """base_figures when the message asks for an average or a total (else None).

    "average monthly bill across the base", "avg churn with a complaint vs without":
    the answer is the figure, not a list. An average of something the store cannot
    add up asks nothing (the answer says what can be). ``f``: the message's filters.
    """
    if unread_measure(ask.u):
        return []
    asked = figures_asked(ask.u, f, ask.session.focus.found_list)
    if asked is None:
        return None
    return [call("base_figures", **asked.model_dump(exclude_defaults=True))]


def find(ask: Ask, customer: str | None) -> list[Call]:
    """find_customers with the filters the message names (none if unread)."""
    f = filters(ask)
    arithmetic = figures(ask, f)  # [] is an answer too: nothing can be added up
    return _matching(ask, f) if arithmetic is None else arithmetic


def _matching(ask: Ask, f: FindArgs) -> list[Call]:
    """find_customers with filters ``f`` (none when a condition was not read)."""
    if unread_condition(ask, f):
        return []
    return [call("find_customers", **f.model_dump(exclude_defaults=True))]


def summarise(ask: Ask, customer: str | None) -> list[Call]:
    """summarise_base (the whole base, or the last list when narrowed).

    An average or a total asked ("average bill by plan") is base_figures.
    """
    f = filters(ask)
    arithmetic = figures(ask, f)
    if arithmetic is not None:
        return arithmetic
    if has_condition(f) and not asks_grouping(ask.u):
        # "how many have churn over 0.6?", "of those, how many over £80?": the
        # customers who match (of the last list when narrowed), counted
        return _matching(ask, f)
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
    args = find_args(ask.results)
    if found is None or args is None or not args.reachable:
        return []
    kept = in_top(ask, args, found)
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


def find_args(results: Results, n: int = 0) -> FindArgs | None:
    """The arguments of the n-th successful find_customers call of the turn."""
    from tools.base_queries import FindArgs

    records = [r for r in results.records if r.name == "find_customers" and r.ok]
    if len(records) <= n or not isinstance(records[n].arguments, dict):
        return None
    return FindArgs.model_validate(records[n].arguments)
