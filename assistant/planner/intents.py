"""The planner's table: every intent it understands, one entry each.

Read :mod:`assistant.planner` for how to add one.
"""

from __future__ import annotations

import re

from assistant.approvals.orders import Order, classify_order
from assistant.planner import calls
from assistant.planner.answers import decision, facts, ledger, limits, talk
from assistant.planner.base_intents import BASE_INTENTS
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.plan_intents import PLAN_INTENTS
from assistant.planner.utterance import Utterance, pattern_words
from tools.config import CVMConfig


def is_order(u: Utterance, action: str, config: CVMConfig | None = None) -> bool:
    """Whether the message orders a booking or a cancellation (the one classifier).

    A plain confirmation ("yes", "go ahead") counts as a booking order here; what
    it approves is the guard's business (:mod:`assistant.approvals.scope`).
    """
    reading = classify_order(u.text, config)
    if not isinstance(reading, Order):
        return False
    if action == "book":
        return reading.kind in {"book", "confirm"}
    return reading.kind == "cancel"


_DECLINE_WORDS = re.compile(
    r"\b(?:book|cancel|go ahead|proceed|confirm|approve|do it|plan)\b|"
    r"^\W*(?:no|nope|nah|not now|not yet|hold off|wait|stop|forget it)\W*"
    r"(?:thanks|thank you)?\W*$",
    re.I,
)


def is_decline(u: Utterance, ask: Ask) -> bool:
    """The analyst refuses or puts off a booking ("no", "don't book it yet")."""
    if ask.session.pending_plan:
        return False  # a plan waiting for approval has its own "no"
    reading = classify_order(u.text, ask.config)
    if isinstance(reading, Order):  # "cancel it" while a booking was only pending
        return reading.kind == "cancel" and ask.session.declined is not None
    return reading.declines and (
        ask.session.declined is not None or bool(_DECLINE_WORDS.search(u.text))
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
    return bool(ask.session.proposal or ask.session.planner.options)


def _no_customer(u: Utterance, ask: Ask) -> bool:
    return not u.customers


def _repeat(u: Utterance, ask: Ask) -> bool:
    """Only a customer and a linking word: "and U126?", "same for U127"."""
    last = ask.session.planner.intent
    return bool(u.customers) and u.other_words <= 4 and last in REPEATABLE


RECOMMEND_CUES = cue(
    r"\brecommend",
    r"\bnext best\b",
    r"\bbest (next )?(action|thing|move|step)\b",
    r"\bnba\b",
    r"\bwhat (should|shall|can|could|would|do) (we|i) (do|offer|send|give|"
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

TABLE: list[Intent] = [
    Intent(
        name="help",
        cues=cue(
            r"^\W*(help|menu|commands|\?+)\W*$",
            r"\bwhat (can|do) you do\b",
            r"\bwhat (can|does) (this|the) \w+ do\b",
            r"\bhow (does this|do (i|you)) (work|use)\b",
            r"\bwhat can i ask\b",
            r"\bhow do i use\b",
            r"^\W*(hi|hello|hey|good (morning|afternoon))\W*$",
            r"\bwhat are you\b",
            r"\bshow me what you can\b",
            weight=3.0,
        )
        + cue(r"\bhelp\b", weight=1.5),
        calls=calls.none,
        answer=talk.help_text,
        needs_customer=False,
        examples=("help", "what can you do?", "hi", "how does this work?"),
    ),
    Intent(
        name="decline",
        cues=cue(r".", weight=8.0),
        when=is_decline,
        calls=calls.none,
        answer=ledger.declined,
        needs_customer=False,
        examples=("no", "no, don't go ahead", "don't book it yet", "not now"),
    ),
    Intent(
        name="thanks",
        cues=cue(
            r"^\W*(?=\w)(ok(ay)?|great|perfect|nice|cool|lovely|good|brilliant|"
            r"excellent|got it|understood|noted|fine)?\W*(thanks|thank you|thx|cheers|"
            r"ta)?( a lot| (very|so) much)?\W*$",
            weight=4.0,
        ),
        calls=calls.none,
        answer=talk.thanks,
        needs_customer=False,
        examples=("thanks", "great, thank you!", "cheers", "ok"),
    ),
    Intent(
        name="recommend",
        cues=RECOMMEND_CUES,
        bonus=_id_alone,
        calls=calls.recommend,
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
        keeps_proposal=True,
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
        keeps_proposal=True,
        cues=cue(r"\bcosts?\b", r"\bprice\b", r"\bpriced\b", weight=3.0)
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
        keeps_proposal=True,
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
        answer=decision.options,
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
        + cue(r"\boption (\d|one|two|three)\b", r"\bnumber (\d|one|two|three)\b"),
        when=_has_options,
        bonus=lambda u, ask: 1.0 if u.ordinal is not None else 0.0,
        calls=calls.recommendation,
        answer=decision.choose,
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
        when=_several,
        bonus=lambda u, ask: 1.5,
        calls=calls.recommendation,
        answer=decision.compare,
        priority=1,
        examples=(
            "compare U124 and U126",
            "U124 vs U125",
            "what should we do for both?",
        ),
    ),
    Intent(
        name="bookings",
        cues=cue(
            r"\b(what|which|anything|did|have) (did |have )?we "
            r"(book|booked|allocate|allocated)\b",
            weight=4.0,
        )
        + cue(
            r"\bbookings\b",
            r"\bon the books\b",
            r"\ballocations\b",
            r"\bwhat('s| is| has been| was) (been )?(booked|allocated|scheduled)\b",
            weight=3.0,
        )
        + cue(
            r"\bbooking\b",
            r"\ballocation\b",
            r"\bbooked\b",
            r"\breservations?\b",
            r"\bscheduled\b",
            r"\b(list|show|see)\b",
        ),
        needs_customer=False,
        calls=calls.bookings,
        answer=ledger.bookings,
        examples=(
            "show today's bookings",
            "list allocations",
            "what did we book today?",
        ),
    ),
    Intent(
        name="cancel",
        cues=(),
        when=lambda u, ask: is_order(u, "cancel", ask.config),
        bonus=lambda u, ask: 4.0,
        needs_customer=False,
        calls=calls.cancel,
        answer=ledger.cancel,
        priority=2,
        examples=("cancel it", "cancel booking #3", "release that allocation"),
    ),
    Intent(
        name="book",
        cues=(),
        when=lambda u, ask: is_order(u, "book", ask.config),
        bonus=lambda u, ask: 3.5,
        calls=calls.book,
        follow_up=calls.book_refused,
        answer=ledger.book,
        priority=1,
        examples=("book it", "yes, go ahead", "book retention_sms for U124"),
    ),
    Intent(
        name="capacity",
        cues=cue(
            r"\bcapacity\b",
            r"\bavailability\b",
            r"\bconstraints?\b",
            r"\broom for\b",
            r"\b(budget|capacity|room|slots?|space) (left|remaining|available)\b",
            r"\bquota\b",
            r"\b(at|reached|hit) (the |our )?(limit|cap|capacity)\b",
            r"\bused today\b",
            r"\bslots?\b",
            r"\bwhat('s| is) left\b",
            r"\bhow many .{0,40}\b(left|remaining|available|free)\b",
            r"\bhow many\b.{0,50}\b(can|could) we (still )?(send|do|make|book|use)\b",
            weight=2.5,
        )
        + cue(
            r"\bhow many\b",
            r"\bavailab",
            r"\bremaining\b",
            r"\bleft\b",
            r"\bbudget\b",
            r"\b(room|space)\b",
            r"\blimits?\b",
            r"\bleft (for|today)\b",
        )
        + cue(r"\btoday\b", weight=0.5),
        when=lambda u, ask: "consents" not in u.facets,
        needs_customer=False,
        calls=calls.capacity,
        answer=ledger.capacity,
        examples=("how many call-backs are left today?", "capacity?"),
    ),
    Intent(
        name="catalogue",
        cues=cue(
            r"\bwhat (treatments|offers|actions|products)\b",
            r"\b(list|show|which|all|every) (the |our |of the )?(treatments?|offers|"
            r"actions|products)\b",
            r"\bcatalog(ue)?\b",
            r"\b(treatments|offers|actions) (do |can |could )?we (have|offer|run)\b",
            r"\bwhat (can|could) we (offer|send)\W*$",
            r"\b(kinds?|types?|sorts?) of (treatments?|offers?|actions?)\b",
            r"\btreatments? (are there|exist|available)\b",
            weight=3.0,
        )
        + cue(r"\btreatments\b", r"\bportfolio\b", r"\brange\b", weight=1.5),
        when=_no_customer,
        needs_customer=False,
        calls=calls.catalogue,
        answer=ledger.catalogue,
        examples=("what treatments do we have?", "list the treatments", "catalogue"),
    ),
    Intent(
        name="facts",
        cues=(),
        when=lambda u, ask: bool([f for f in u.facets if f != "journey"]),
        bonus=lambda u, ask: (
            2.0
            + 0.5 * len(u.facets)
            + 1.0 * u.has(r"\b(show|tell|what|how|list|give|explain|check|see)\b")
        ),
        calls=calls.facts,
        answer=facts.facts,
        examples=("explain U126's contact permissions", "show U124's bills"),
    ),
    Intent(
        name="journey",
        cues=cue(
            r"\bjourney\b",
            r"\btimeline\b",
            r"\bwhat('s| has)? happened\b",
            weight=3.0,
        )
        + cue(r"\bhistory\b", r"\bevents\b", weight=2.0),
        calls=calls.journey,
        answer=facts.journey,
        examples=("U124's journey", "show the timeline for U125"),
    ),
]

TABLE += PLAN_INTENTS
TABLE += BASE_INTENTS

REPEATABLE = {
    i.name
    for i in TABLE
    if i.needs_customer and i.name not in {"book", "choose", "compare"}
}

FOLLOW_ON = Intent(
    name="repeat",
    cues=cue(
        r"^\W*(and|what about|how about|same (for|with)|now|then|ok,? (and|now))\b",
        r"^\W*u-?\d+\W*(too|as well|also)\W*$",
        r"\bsame for\b",
        weight=3.0,
    ),
    when=_repeat,
    calls=calls.none,
    answer=talk.unknown,
    priority=3,
    examples=("and U126?", "what about U125?", "same for U127"),
)
UNKNOWN = Intent(
    name="unknown",
    cues=(),
    calls=calls.none,
    answer=talk.unknown,
    needs_customer=False,
    examples=("asdf qwerty",),
)
BY_NAME = {i.name: i for i in [*TABLE, FOLLOW_ON, UNKNOWN]}


def cue_words() -> set[str]:
    """Plain words in the cues (the typo corrector's vocabulary)."""
    words: set[str] = set()
    for intent in [*TABLE, FOLLOW_ON]:
        for pattern, _ in intent.cues:
            words |= pattern_words(pattern)
    return words
