"""The planner's rows for campaign plans: plan, compare, what-ifs, book, approve.

"Who should we call today?" / "plan today's retention campaign" make a plan; "how
much value does the plan add over booking one by one?" compares it with the
baselines; "what if we had 10 more marketing call-back slots?", "plan without the
call centre", "cut the SMS budget to £200" and "what is one more call-centre slot
worth?" re-plan with one change; "book the plan" proposes booking that plan id (a
WRITE held for the analyst's confirmation: it books nothing); the analyst's "yes"
(or Approve) books exactly that plan, "no" drops it (:mod:`assistant.approvals`).
The calls are in :mod:`assistant.planner.plan_calls`, the answers in
:mod:`assistant.planner.answers.plans`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.planner import explain_calls, plan_calls
from assistant.planner.answers import plan_explain, plans
from assistant.planner.answers.scenarios import chosen_plan
from assistant.planner.intent import Ask, Call, Intent, call
from assistant.planner.utterance import Utterance
from assistant.planner.what_if import stated_budget, what_if_calls
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.planning.compare import PlanComparison
    from tools.planning.whatif import WhatIf

_PLAN = compiled(
    r"\bwho (should|shall|do|can|could) (we|i) (call|contact|ring|reach|target|text|"
    r"e-?mail)\b|\bwho to (call|contact)\b|\bplan (for )?(today|tomorrow|the day)\b|"
    r"\b(plan|optimi[sz]e|build|make|draw up|put together|create)( me| us)? "
    r"(a |an |the |today'?s |our |this week'?s )?(\w+ )?(campaign|plan)\b|"
    r"\bcampaign plan\b|\bbest use of (today'?s |our )?capacity\b|"
    r"\bshow (me )?the plan\b|\bwhat('s| is) the plan\b",
    re.I,
)
_COMPARE = compiled(
    r"\b(one by one|1 by 1|first[- ]come|baseline|greedy|without (a|the) plan|"
    r"customer by customer)\b",
    re.I,
)
BOOK_PLAN = compiled(
    r"^\W*(please\W+)?(book|approve|run|execute|launch) (the |this |that |today'?s )?"
    r"((\w+ )?campaign|((retention|marketing|service|campaign|day'?s|whole) )?plan)"
    r"\b|\bbook (plan )?P\d{8}-\d+",
    re.I,
)


# who a plan takes and leaves out, and why: "who's out, and why?", "who is in and who
# is out?", "how many are out?", "who didn't make the cut?", "exclusion reasons"
_IN = (
    r"(?:in|out)(?: (?:of )?(?:the|this|today'?s) (?:plan|campaign))?"
    r"(?=\s*(?:[?,.!;]|$|and\b|or\b))"  # "who's in?", not "who is in the segment"
)
_IN_OUT = compiled(
    rf"\bwho(?:'s|s|se| is| are)? {_IN}|"
    rf"\bhow many (?:customers |people )?(?:are |were |got |get )?{_IN}|"
    r"\bwho(?:'s|s|se)? (?:is |are |was |were |got |gets |been )?(?:left out|"
    r"excluded|dropped|not contacted|not in)\b|"
    r"\bwho (?:did ?n'?t|did not|does ?n'?t|does not|won'?t|will not) (?:make|get) "
    r"(?:it|the cut|in)\b|\bexclusion reasons?\b|\breasons? for (?:the )?exclusions?\b|"
    r"\b(?:customers|people|ones?) (?:left out|excluded|dropped)\b|"
    r"\b(?:just )?(?:outside|below|under) the cut-?off\b|\b(?:nearest|near) misses\b|"
    r"\bjust missed\b|\bnot covered\b|\b(?:did you|you) leave out\b|"
    r"\b(?:which|what) treatments?\b.{0,30}\b(?:in|used in|does) (?:the |this )?plan\b|"
    r"\b(?:covered|reached|included) (?:by|in) (?:it|the plan|this plan)\b|"
    r"\bhow many (?:are we|r we|do we|will we) "
    r"(?:hit\w*|reach\w*|contact\w*|cover\w*)\b|"
    r"\bhow (?:you|did you|do you) (?:decided?|chose|choose|pick(?:ed)?) "
    r"(?:which|who)\b|"
    r"\b(?:why|reasons?)\b.{0,40}\b(?:left out|excluded|dropped)\b|"
    r"\b(?:left out|excluded|dropped)\b.{0,40}\b(?:why|reasons?)\b",
    re.I,
)
# one customer's place in the plan: "why is U126 not in the plan?", "why's U128 not
# in it", "is U131 in today's campaign?", "why was U127 left out?"
_CUSTOMER_IN_PLAN = compiled(
    r"\b(?:not |n't |isn'?t |wasn'?t |aren'?t )?(?:in|on|part of|included in) "
    r"(?:the |this |that |today'?s |our )?(?:plan|campaign|it|there)\b(?!\s+\w)|"
    r"\bin (?:the |this )?(?:plan|campaign) and not\b|"
    r"\b(?:left out|excluded|dropped|missed out|not (?:picked|chosen|selected))\b|"
    r"\bmake (?:it|the cut)\b",
    re.I,
)
# the plan by treatment: "what's the split by treatment?", "breakdown per treatment"
_SPLIT = compiled(
    r"\b(?:split|break\s?down)\s+(?:\w+\s+)?(?:by|per)\s+treatments?\b|"
    r"\bbreak\b.{0,20}\bdown (?:by|per) treatments?\b|"
    r"\b(?:customers|cost|value|numbers?)\s+per\s+treatment\b",
    re.I,
)
# the plan's totals: "what's the total expected value and what does it cost?"
_TOTALS = compiled(
    r"\btotal (?:expected )?(?:value|ev|cost|spend)\b|"
    r"\b(?:what|how much) (?:does|will|would|did) (?:it|the plan|this plan|that plan|"
    r"the campaign|this|that|it all) (?:all )?cost\b|"
    r"\b(?:what|how much)(?:'s| is) (?:it|the plan|the campaign) (?:going to )?cost|"
    r"\b(?:spend|spent|costing|cost) (?:in total|all together|altogether)\b|"
    r"\bhow much is it (?:all )?costing\b|\bbringing in\b|"
    r"\bhow much of the budget\b|"
    r"\b(?:what|how much) (?:value|revenue|money) (?:would|will|does|did|could) "
    r"(?:that|it|this|the plan|the campaign) (?:bring|make|earn|add|generate)\b",
    re.I,
)
# not the plan's in and out: a customer ("him"), a what-if, a booking, the base
_NOT_EXPLAIN = compiled(
    r"\b(?:he|she|him|her|his|this customer|that customer|the customer|what if|"
    r"suppose|imagine|without|instead|book(?:ed|ing|ings)?|base|segment|outcomes?|"
    r"realised|realized|accepted|response|at risk)\b",
    re.I,
)

_APPROVES = compiled(
    r"\b(?:yes|yep|yeah|ok|okay|agreed|proceed|go ahead|approved?|confirm(?:ed)?)\b",
    re.I,
)


def _explains_plan(u: Utterance, ask: Ask) -> bool:
    """Who is in and out of the plan in focus, why, and its totals.

    Only with a plan in focus and no customer, treatment or channel named; never a
    what-if, a budget, a booking order or a question about one customer. The totals
    ("what does it cost?") only right after the plan was shown or named.
    """
    session = ask.session
    one = len(u.customers) in (1, 2) and not (u.channels or u.treatments)
    if session.plan_id and one and _CUSTOMER_IN_PLAN.search(u.norm):
        return True  # "why is U126 not in the plan?" (not "… excluded from SMS?")
    if not session.plan_id or u.customers or u.treatments or u.channels:
        return False
    text = f"{u.text}\n{u.norm}"
    if _NOT_EXPLAIN.search(text) or stated_budget(u.text) is not None:
        return False
    if BOOK_PLAN.search(u.text) or (
        what_if_calls(u.text, session, ask.config) is not None  # [] too: "cut by"
    ):
        return False
    if session.pending is not None and _APPROVES.search(text):
        return False  # "agreed, please proceed, and the total cost?": a yes first
    if _IN_OUT.search(text) or _SPLIT.search(text):
        return True
    plan_said = re.search(r"\b(?:plan|campaign)\b", text, re.I) is not None
    return bool(_TOTALS.search(text)) and (
        plan_said or session.focus.last_offer == "plan"
    )


def _is_plan(u: Utterance, ask: Ask) -> bool:
    """Asks for a plan, read on the corrected text ("who shld we call today")."""
    return bool(_PLAN.search(u.norm)) and not u.customers


def _is_compare(u: Utterance, ask: Ask) -> bool:
    """The plan against booking one by one ("hows that vs booking 1 by 1")."""
    if not _COMPARE.search(u.text):
        return False
    if re.search(r"\bplan\b", u.text, re.I):
        return True
    versus = re.search(r"\b(vs|versus|compared?|against|than)\b", u.text, re.I)
    return ask.session.plan_id is not None and versus is not None


def propose_plan(ask: Ask, customer: str | None) -> Call | None:
    """After a scenario is chosen or a customer left out: book that plan (held).

    "go with the 2nd scenario", "drop U124 from it": the plan becomes the pending
    action, shown for the analyst's confirmation; nothing is booked here.
    """
    comparison: PlanComparison | None = ask.results.one("compare_plans")
    if comparison is not None:
        choice = chosen_plan(ask, comparison)
        if choice is None or choice.hypothetical:
            return None
        return call("book_plan", plan_id=choice.plan_id)
    changes: list[WhatIf] = ask.results.all("plan_what_if")
    if len(changes) == 1 and changes[0].change.without_customers:
        return call("book_plan", plan_id=changes[0].after_id)
    return None


PLAN_INTENTS: list[Intent] = [
    Intent(
        name="plan_explain",
        cues=(),
        when=_explains_plan,
        bonus=lambda u, ask: 8.0,
        calls=explain_calls.explain_plan,
        answer=plan_explain.answer_explain,
        needs_customer=False,
        priority=3,
        examples=(
            "who's out, and why?",
            "who is in and who is out?",
            "what's the total expected value and what does it cost?",
        ),
    ),
    Intent(
        name="plan_book",
        cues=(),
        when=lambda u, ask: bool(BOOK_PLAN.search(u.text)) and not u.treatments,
        bonus=lambda u, ask: 9.0,
        calls=plan_calls.book_plan,
        follow_up=plan_calls.book_planned,
        answer=plans.answer_book,
        needs_customer=False,
        priority=4,
        examples=("book the plan", "book today's plan"),
    ),
    Intent(
        name="plan_what_if",
        cues=(),
        when=lambda u, ask: what_if_calls(u.text, ask.session, ask.config) is not None,
        bonus=lambda u, ask: 7.0,
        calls=plan_calls.what_if,
        proposes=propose_plan,
        answer=plans.answer_what_if,
        needs_customer=False,
        priority=3,
        examples=(
            "what if we had 10 more marketing call-back slots?",
            "plan without the call centre",
            "cut the SMS budget to £200",
            "what is one more call-centre slot worth?",
        ),
    ),
    Intent(
        name="plan_compare",
        cues=(),
        when=_is_compare,
        bonus=lambda u, ask: 6.0,
        calls=plan_calls.latest_plan,
        answer=plans.answer_compare,
        needs_customer=False,
        priority=3,
        examples=("how much value does the plan add over booking one by one?",),
    ),
    Intent(
        name="plan",
        cues=(),
        when=_is_plan,
        bonus=lambda u, ask: 6.0,
        calls=plan_calls.make_plan,
        follow_up=plan_calls.plan_found,
        answer=plans.answer_plan,
        needs_customer=False,
        priority=2,
        examples=("who should we call today?", "plan today's retention campaign"),
    ),
]
