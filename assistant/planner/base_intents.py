"""The planner's rows for questions across customers: find, count, summarise.

"Which customers are at the highest churn risk?", "who's flagged vulnerable",
"list everyone with churn above 0.5", "how many high-value customers can't receive
marketing?", "of those, who can we email?", "segment breakdown pls" →
``find_customers`` / ``summarise_base`` with typed filters read from the message
(:mod:`assistant.planner.base_filters`); "of those" narrows the last list shown
(its handle, ``session.focus.found_list``: the ids stay server-side). These never
ask "which customer?". The reply is a table with how many match and are shown.
The calls are in :mod:`assistant.planner.base_calls`, the answers in
:mod:`assistant.planner.answers.base_find`.
"""

from __future__ import annotations

from assistant.planner.answers.base_find import answer_find, summary_or_figures
from assistant.planner.base_calls import (
    consent_instead,
    find,
    follows_a_search,
    summarise,
)
from assistant.planner.base_filters import has_condition, read_filters
from assistant.planner.base_words import NO_MARKETING
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.questions import counts_last_list
from assistant.planner.utterance import Utterance
from tools.patterns import compiled

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


_HYPOTHETICAL = compiled(
    r"\b(suppose|supposing|what if|imagine|if we (had|got|have|cut|added|lost|gave))\b"
)
_WHO = compiled(
    r"\b(who|whom|which|how many|any ?one|any ?body|every ?one|customers|people)\b"
)


_OPTIONS = compiled(
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
