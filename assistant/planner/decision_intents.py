"""The planner's rows for decisions about one customer: recommend, explain, options.

"What should we offer U124?", "why that one?", "how much does it cost?", "show me
the options", "the second one", "why not SMS?", "something cheaper without
calls", "compare U124 and U126": the rows of the table
(:mod:`assistant.planner.intents`) that read the recommendation of one customer
(or two, compared) and propose booking what was chosen (held for a yes).
"""

from __future__ import annotations

import re

from assistant.planner import calls
from assistant.planner.answers import choices, comparison, decision, limits
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.utterance import Utterance
from tools.patterns import compiled

# "why this one and not a SMS?": a why-not naming the channel after "not" (a cue,
# and the rule that acts on it in reading_rules)
WHY_NOT_NAMED = compiled(
    r"\bwhy\b.{0,30}\bnot (?:an? |the |by |via )?(?:sms|text|e-?mail|call|phone|push|"
    r"app)",
    re.I,
)


def _names_option(u: Utterance, ask: Ask) -> bool:
    return bool(u.treatments or u.channels)


def _id_alone(u: Utterance, ask: Ask) -> float:
    """A customer id with (almost) nothing else reads as "recommend for them"."""
    return 1.5 if u.customers and u.other_words <= 2 else 0.0


def _several(u: Utterance, ask: Ask) -> bool:
    return len(ask.customers) > 1


def _limits(u: Utterance, ask: Ask) -> float:
    return 4.0 * bool(u.excluded_channels) + 4.0 * (u.max_cost is not None)


def _has_options(u: Utterance, ask: Ask) -> bool:
    return bool(ask.session.proposal or ask.session.focus.options)


RECOMMEND_CUES = cue(
    r"\brecommend",
    r"\bnext best\b",
    r"\bbest (next )?(action|thing|move|step)\b",
    r"\bnba\b",
    r"\bwhat (should|shall|can|could|would|do) (we|i|you) (do|offer|send|give|"
    r"propose|try)\b",
    r"\bworth doing\b",
    r"\bwhat to (do|offer)\b",
    r"\bwhat('s| is) best for\b",
    r"\bwhat would you (do|suggest|recommend)\b",
    r"\b(smartest|right|wisest) (next )?(move|step|action|thing to do)\b",
    r"\bfrom (churning|leaving|switching)\b",
    r"\bhow (do|can|should|shall) (i|we) (stop|prevent|keep|retain|save)\b",
    r"\bneeds? (something|anything|an action|a treatment|help)\b",
    r"\bhow (should|shall|do|can|would) we (treat|handle|approach|help|win)\b",
    r"\b(ideas?|actions?) for\b",
    weight=2.0,
) + cue(
    r"\boffer\b",
    r"\bsuggest",
    r"\bpropos",
    r"\b(retain|save|keep|win back)\b",
    r"\bdo (for|with|about)\b",
    r"\btreatment for\b",
    r"\bany(thing)? (we can|to) do\b",
    r"\baction for\b",
    r"\bshould we (contact|reach|approach)\b",
    r"\bwhat now\b",
    r"\bplay for\b",
    r"\bbest offer\b",
    r"\banything\W*$",
    r"\btreat\b",
)

DECISION_INTENTS: list[Intent] = [
    Intent(
        name="recommend",
        cues=RECOMMEND_CUES,
        bonus=_id_alone,
        calls=calls.recommend,
        proposes=calls.propose_top,
        answer=decision.recommend,
        examples=(
            "What should we offer U124?",
            "U124 - best next action?",
            "offer for customer 124",
            "U124",
            "is there anything worth doing for them?",
            "wat shud we ofer u124",
        ),
    ),
    Intent(
        name="explain",
        cues=cue(
            r"^\W*why\b",
            r"\bhow come\b",
            r"\bjustify",
            r"\brationale\b",
            r"\bwalk me through\b",
            r"\bexplain (it|that|this|the (recommendation|choice|decision|pick))\b",
            r"\bbreak (it|that|this) down\b",
            r"\b(comes?|came) from\b",
            weight=2.0,
        )
        + cue(
            r"\bwhy\b",
            r"\bexplain\b",
            r"\breasons?\b",
            r"\bwhat makes\b",
            r"\b(basis|evidence|logic|reasoning)\b",
            r"\bbreak ?down\b",
            r"\bscore\b",
            r"\bhow did you (get|decide|choose|pick)\b",
            r"^\W*why (this|that|it)\b",
        ),
        calls=calls.explain,
        answer=decision.explain,
        examples=("why?", "explain the recommendation", "how come?", "why that one?"),
    ),
    Intent(
        name="cost",
        cues=cue(r"\bcosts?\b", r"\bprice\b", r"\bpriced\b", weight=3.0)
        + cue(r"\broi\b", r"\breturn on (?:investment|that|it)\b", weight=4.0)
        + cue(r"\bhow much\b", weight=2.5)
        + cue(r"\bexpensive\b", r"\bspend\b", r"\bset us back\b", r"\bpay\b"),
        when=lambda u, ask: (
            u.max_cost is None
            and not ("bills" in u.facets and u.customers)
            and not u.has(r"\b(capacity|slots?|left|remaining|budget)\b")
        ),
        calls=calls.recommendation,
        answer=decision.cost,
        examples=("what would it cost us?", "how much is that?", "cost of U124's NBA"),
    ),
    Intent(
        name="options",
        cues=cue(
            r"\btop \d+\b",
            r"\btop (two|three|four|five)\b",
            r"\b(\d+|two|three|four|five) (best |top |cheapest )?"
            r"(options|choices|ideas|alternatives)\b",
            r"\bcheapest\b",
            r"\brunners?[- ]?ups?\b",
            r"\bsecond best\b",
            r"\bless expensive\b",
            r"\blower[- ]cost\b",
            r"\b(rank|ranked|ranking)\b",
            r"\bwhat('?s| is| are)( still)? (allowed|lawful|permitted|possible)\b",
            r"\bwhat (can|could) we (still )?(legally |lawfully )?(do|send|offer)\b.*"
            r"\b(then|instead|at all)\b",
            weight=3.0,
        )
        + cue(
            r"\boptions\b",
            r"\bchoices\b",
            r"\bcheaper\b",
            r"\bshortlist\b",
            r"\b(list|show|give)\b.*\b(options|possibilities)\b",
            weight=1.5,
        ),
        calls=calls.recommendation,
        answer=choices.options,
        examples=(
            "give me the top 3 options for U128",
            "anything cheaper?",
            "what are the options?",
            "rank the options for U124",
        ),
    ),
    Intent(
        name="choose",
        cues=cue(
            r"\bgo (with|for)\b",
            r"^\W*(the |ok |okay |fine,? )?(first|second|third|fourth|fifth|last|"
            r"cheapest|cheaper|1st|2nd|3rd) ?(one|option|choice)?\W*(please|pls)?\W*$",
            r"\b(take|pick|choose|select|prefer|use|want|try|let'?s do|we'?ll do)"
            r" (the )?(first|second|third|fourth|fifth|last|cheapest|cheaper|1st|"
            r"2nd|3rd|option|number)\b",
            weight=3.0,
        )
        + cue(r"\b(that|this) one\b", weight=2.0)
        + cue(
            r"\bthe (sms|text|e-?mail|call|phone|push|app|in-app) "
            r"(one|option|choice)\b",
            weight=3.0,
        )
        + cue(r"\boption (\d|one|two|three)\b", r"\bnumber (\d|one|two|three)\b"),
        requires=_has_options,
        bonus=lambda u, ask: 1.0 if u.ordinal is not None else 0.0,
        calls=calls.recommendation,
        proposes=lambda ask, c: calls.booking(
            c, choices.chosen(ask, ask.results.one("recommend_treatment"))
        ),
        answer=choices.choose,
        priority=1,
        examples=(
            "fine, go with that one",
            "the second one",
            "let's take option 2",
            "go with the cheapest",
        ),
    ),
    Intent(
        name="why_not",
        cues=cue(
            r"\bwhy (not|no|isn'?t|wasn'?t|can'?t|don'?t we|didn'?t)\b",
            r"\bwhat about\b",
            r"\bhow about\b",
            r"\b(is|are|would) (an? |the )?.{0,30}\b(ok|okay|fine|allowed|possible|"
            r"permitted|an option|lawful|legal|better)\b",
            WHY_NOT_NAMED.pattern,
            weight=2.5,
        )
        + cue(
            r"\b(could|can|should) (we|i)\b",
            r"\binstead\b",
            r"\bwould\b",
            r"\bwhat if\b",
            r"\brather\b",
            r"\bwhy\b",
            r"\bconsider\b",
            r"\?\s*$",
        ),
        when=_names_option,
        bonus=lambda u, ask: 1.0,
        calls=calls.why_not,
        answer=limits.why_not,
        examples=("why not an SMS?", "what about a retention email?", "is email ok?"),
    ),
    Intent(
        name="alternative",
        cues=cue(
            r"\balternatives?\b",
            r"\bsomething else\b",
            r"\bplan b\b",
            r"\bfallback\b",
            r"\bother than\b",
            weight=2.5,
        )
        + cue(
            r"\banything else\b",
            r"\banother\b",
            r"\bother (option|idea|treatment)s?\b",
            r"\bdifferent\b",
            r"\belse\b",
            r"\binstead\b",
        ),
        bonus=_limits,
        calls=calls.alternative,
        proposes=calls.propose_alternative,
        answer=limits.alternative,
        examples=(
            "something that doesn't use the call centre",
            "anything under £5?",
            "what's the alternative?",
        ),
    ),
    Intent(
        name="compare",
        cues=cue(r"\bcompare\b", r"\bvs\.?\b", r"\bversus\b", weight=3.0)
        + cue(r"\bwho (should|shall|do|would) we\b", weight=2.0)
        + cue(r"\bboth\b", r"\beach\b", r"\bdifference\b", r"\bwhich of\b")
        + RECOMMEND_CUES,
        requires=_several,
        bonus=lambda u, ask: 1.5,
        calls=calls.recommend,
        answer=comparison.compare,
        priority=1,
        examples=(
            "compare U124 and U126",
            "U124 vs U125",
            "what should we do for both?",
        ),
    ),
]
