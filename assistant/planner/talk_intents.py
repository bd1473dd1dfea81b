"""The planner's conversational intents: help, "no" to a proposal, thanks."""

from __future__ import annotations

import re

from assistant.planner import calls
from assistant.planner.answers import ledger, talk
from assistant.planner.intent import Ask, Intent, cue
from assistant.planner.ledger_intents import BOOK_CUES
from assistant.planner.utterance import Utterance
from tools.patterns import compiled

_DECLINE = compiled(
    r"^\W*(no(?=\W*$|\W+(thanks|thank you|don'?t|do not|not|wait|stop)\b)|nope|abort|"
    r"nah|not now|not yet|hold off|wait|stop|forget it|never ?mind|leave it)\b|"
    r"\b(not ready|(don'?t|do not|divvent|dinnae|dinna) (book|go ahead|do it|proceed|"
    r"send|go on with)|"
    r"leave (it|that|this) unbooked|not rush|"
    r"hold off|not (now|yet|today)|my bad|(no,? )?keep (it|that|them)\W*$|"
    r"leave (it|that|this)( one)? (for now|there|for the "
    r"moment|for today|till later|until later)|cancel that thought)\b|"
    r"\b(actually|wait|hang on|hold on|on reflection|no),? (please )?(don'?t|do not)"
    r"(?=\s*([.;:!,\-–—]|$))",
    re.I,
)


_AFFIRM = compiled(
    r"^\W*(?:(?:ya|yah|yeah|yea|yep|yes|yup|ok|okay|k|sure|right|alright|fine|"
    r"cool|great|perfect)\W+)*(?:ya|yah|yea|go|go on|go for it|do it|confirmed?|"
    r"approved?|proceed|sounds good|let'?s do it|carry on|send it|all good)"
    r"(?:\W+(?:then|please|pls|now|thanks|mate))*\W*$",
    re.I,
)


_BARE_OK = compiled(r"^\W*(?:ok|okay|okey|k|kk|alright|right)\W*$", re.I)


def is_affirmation(u: Utterance, ask: Ask) -> bool:
    """A "yes" in the analyst's own words ("ya confirmed", "yep go").

    The guard did not take it as a confirmation (it is not in the closed set, or
    nothing is pending); it never writes.
    """
    if _BARE_OK.match(u.text) and ask.session.pending is not None:
        return True  # "ok" to an action shown: ask for a plain yes, never thanks
    if not _AFFIRM.match(u.text):
        return False
    # with an action pending, a booking order's words ("sounds good", "go ahead")
    # show it again for a "yes" (the book intent)
    return ask.session.pending is None or not any(
        re.search(pattern, u.norm) for pattern, _ in BOOK_CUES
    )


def is_decline(u: Utterance, ask: Ask) -> bool:
    """The analyst says no: "no", "don't book it yet", "not now" (never a write)."""
    return bool(_DECLINE.search(u.text))


TALK_INTENTS: list[Intent] = [
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
        name="affirm",
        cues=cue(r".", weight=7.0),
        when=is_affirmation,
        calls=calls.none,
        answer=ledger.affirmed,
        needs_customer=False,
        examples=("ya confirmed", "yep go", "ok go on then"),
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
]
