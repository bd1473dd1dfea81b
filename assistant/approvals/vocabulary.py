"""The words the order classifier reads (regular expressions, one job each).

Kept apart from :mod:`assistant.approvals.orders`, which applies them clause by
clause. Names are private to the approvals package.
"""

from __future__ import annotations

import re

FILLER = re.compile(
    r"^(?:ok(?:ay)?|alright|all right|right|fine|great|good|cool|perfect|sure|so|"
    r"now|then|and|please|pls|plz|just|kindly|well|thanks|thank you|excellent|"
    r"brilliant|lovely|nice|hmm|go on and|"
    r"i'?d like (?:you )?to|i would like (?:you )?to|i want (?:you )?to|"
    r"i need (?:you )?to|let'?s|let us|can you please|could you please|"
    r"i)\b[\s,!.:-]*",
    re.I,
)
BOOK = (
    r"book|allocate|schedule|arrange|reserve|assign|lock(?: it| that| this)? in|"
    r"set up"
)
CANCEL = (
    r"cancel|release|undo|revoke|withdraw|un-?book|drop|remove|delete|scrap|"
    r"call off|reverse"
)
CONFIRM = (
    r"yes|yep|yeah|yup|aye|y|approve|approved|confirm|confirmed|go ahead|proceed|"
    r"do it|do that|go for it|make it so|sounds good|agreed|ship it|let'?s do it|"
    r"that'?s fine|fine by me|ok(?:ay)? go"
)
VERB = re.compile(
    rf"^(?:(?P<book>{BOOK})|(?P<cancel>{CANCEL})|(?P<confirm>{CONFIRM}))\b", re.I
)
ANY_VERB = re.compile(
    rf"\b(?:{BOOK}|{CANCEL}|{CONFIRM}|booked|booking|cancelled|canceled)\b", re.I
)
QUESTION_START = re.compile(
    r"^(?:what|what's|whats|why|how|when|where|who|whom|which|whose|did|"
    r"do(?! it\b| that\b| not\b)|does|"
    r"is|are|was|were|can|could|would|should|shall|will|has|have|had|may|might|"
    r"am|isn'?t|aren'?t|didn'?t|doesn'?t|won'?t|wouldn'?t|shouldn'?t|hasn'?t|"
    r"haven'?t|any idea|tell me whether|i wonder|wondering)\b",
    re.I,
)
NEGATION = re.compile(
    r"\b(?:no|nope|nah|not|never|don'?t|dont|do not|doesn'?t|won'?t|wouldn'?t|"
    r"shouldn'?t|can'?t|cannot|mustn'?t|hold off|hold on|hang on|wait|stop|"
    r"no need|never mind|nevermind|forget it|refuse|decline|declined|without)\b",
    re.I,
)
REFUSAL = re.compile(
    r"^(?:no(?=\W*$|\W+(?:thanks|thank you|don'?t|do not|not|wait|stop)\b)|"
    r"nope|nah|never|not (?:now|yet|today|this one|that one|ready|interested)|"
    r"hold off|hold on|hang on|wait|stop|forget it|never mind|nevermind|decline|"
    r"refuse)\b",
    re.I,
)
CONDITIONAL = re.compile(
    r"\b(?:if|unless|suppose|supposing|assuming|assume|imagine|hypothetically|"
    r"in case|provided|as long as|what if|say we|once|whenever|when|as soon as|"
    r"in theory)\b",
    re.I,
)
HEDGE = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|might|not sure|unsure|i guess|"
    r"i suppose|in principle)\b",
    re.I,
)
DEFERRED = re.compile(
    r"\b(?:tomorrow|later|next (?:week|month|time|monday|tuesday|wednesday|"
    r"thursday|friday)|tonight|in an? (?:hour|minute|bit|while)|in \d+ \w+|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"at some point|eventually|after (?:the|we|i|you|lunch)|not now|not yet|"
    r"end of (?:the )?(?:day|week))\b",
    re.I,
)
REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|telling|asked|asks|asking|wrote|writes|"
    r"replied|replies|mentioned|mentions|claims?|claimed|requested|according to|"
    r"quote|quoted|wants us to|wanted us to|typed|texted|emailed)\b",
    re.I,
)
QUOTED = re.compile(r"\"[^\"]+\"|(?:^|(?<=\s))'[^']+'(?=$|[\s.,!?;:])")
REFERENCE = re.compile(
    r"^(?:it|that|this|them|that one|this one|the one|the first one|the top one|"
    r"the recommendation|the recommended one|the recommended (?:treatment|action)|"
    r"the proposal|the proposed (?:one|treatment|action|booking)|the suggestion|"
    r"the suggested one|the action|the booking|that booking|this booking|"
    r"the last booking|the last one|my booking|the allocation|that allocation|"
    r"the pending (?:one|action|booking)|the offer|that offer|the treatment|"
    r"an? slot|the slot|a booking|one|"
    r"that treatment|what you (?:proposed|recommended|suggested))$",
    re.I,
)
VAGUE = re.compile(
    r"\b(?:whatever|whichever|anything|something|everything|everyone|all|"
    r"best|what you think|what'?s best|as you see fit|any|some)\b",
    re.I,
)
BOOKING_WORDS = re.compile(r"\b(?:booking|bookings|allocation|allocations)\b", re.I)
OTHER_SENSE = re.compile(
    r"\b(?:options?|list|table|order|sort|by cost|by value|by channel|by price|"
    r"alphabetical\w*|results?|explanation|analysis|reasoning|details?|status|"
    r"consents?|permissions?|whether|that the|address|identity|data|numbers?|"
    r"figures?|meeting|call with|chat|question|subject|topic|idea|filter|column|"
    r"channel|channels|from the|next customer|next one|review of|summary|report|"
    r"understanding|email address|phone number|is|are|was|were|matters?|looks?|"
    r"seems?)\b",
    re.I,
)
# Words that may surround an order's object without changing it.
TRAILING = re.compile(
    r"\b(?:please|pls|now|today|right away|straight away|immediately|asap|then|"
    r"for me|for us|thanks|thank you|as proposed|as recommended|as suggested|"
    r"as planned|for (?:them|him|her|the customer|this customer|that customer)|"
    r"for today|again|too|as well|right now|already|after all|"
    r"for (?:u-?\d+)|to (?:u-?\d+)|(?:u-?\d+)'?s?|with it|on it|with that|"
    r"with the booking|with booking|with the action|with (?:u-?\d+))\b",
    re.I,
)
CLAUSE_SPLIT = re.compile(
    r"(?<=[.!?;:])\s+|\s*[;,]\s*|\s+[-\u2013\u2014]+\s+|"
    r"\s+\b(?:and then|and|then|but|so)\b\s+",
    re.I,
)
