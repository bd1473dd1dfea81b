"""Words the planner reads: channels, customer-fact facets, plain English words.

Typo correction never "corrects" a word listed here (:data:`COMMON_WORDS` keeps
"them" from turning into "then").
"""

from __future__ import annotations

CHANNEL_WORDS: dict[str, str] = {
    r"call[- ]?backs?|calls?|phone|ring|call cent(?:re|er)|telephone|calling": "call",
    r"sms|texts?|text messages?|texting": "sms",
    r"e-?mails?|mail|emailing": "email",
    r"push|notifications?": "push",
    r"in-?app|app": "app",
}
FACETS: dict[str, str] = {
    "consents": r"consents?|permissions?|opt(?:ed)?[- ]?(?:in|out)|contact pref|"
    r"do[- ]not[- ]disturb|\bdnd\b|quiet hours|allowed to contact|can we contact|"
    r"may we contact|vulnerab|can we (?:market|sell|advertise|promote) to|"
    r"market(?:ing)? to (?:him|her|them|u-?\d+)",
    "usage": r"usage|data use|how much data|allowance|gigabytes|\bgb\b|roaming",
    "bills": r"\bbills?\b|billing|charges?|invoices?|payments?|overdue|arrears|"
    r"\bpays?\b|\bpaid\b|monthly",
    "network": r"network|signal|coverage|speed|latency|packet loss|connection|outage",
    "interactions": r"interactions?|contact history|complain|complaints|transcripts?|"
    r"\bchats?\b|call history|(?:said|say|told us|mention\w*|feedback)\b|calls? in",
    "churn": r"churn|likely to leave|at risk|risk score",
    "offers": r"recommender|offers? (?:history|made|sent)|previous offers|past offers|"
    r"offers (?:has|have|did|were)",
    "plan": r"\bplan\b|tariff|tenure|revenue|arpu|value band|contract",
    "journey": r"journey|timeline|what happened|history|events",
    "contact_time": r"\b(?:earliest|soonest|next)\b[^.?!]{0,40}\b(?:contact|ring|"
    r"call|phone|text|sms|e-?mail|reach|message|get hold of)\b|\bwhen (?:can|could|"
    r"may|might|are) (?:we|i)\b[^.?!]{0,30}\b(?:contact|ring|call|phone|text|sms|"
    r"e-?mail|reach|message)\b|\bnext lawful\b|\blawful contact time\b|"
    r"\bwhen\b[^.?!]{0,40}\b(?:go(?:es)? out|be sent|get sent|happen|be called|"
    r"can (?:we|i) (?:call|ring|text|sms|e-?mail))\b",
    "profile": r"tell me about|who is|profile|overview|summary|summar|background|"
    r"facts|details|info\b|information|everything about|all about|"
    r"what (?:do|did) we (?:know|have) (?:about|on)|what have we got on|pull up|"
    r"the story with",
}
COMMON_WORDS = frozenset(
    """
    a about above after again against all also am an and any anything are as at be
    because been before being below between both but by can could customer customers
    did do does doing done down during each else even ever every few for from further
    get give go going good got had has have having he her here hers him his how i if
    in into is it its just know last least less let like look make many may me might
    more most much must my need no nor not now of off on once one only or other our
    ours out over own please put really right same say see send she should show so
    some such take tell than that the their theirs them then there these they thing
    think this those through to today tomorrow too under until up us very want was we
    week were what when where which while who whom whose why will with would yes yet
    you your yours new old one two three four five six ten first second third fourth
    fifth last next cheaper cheapest cheap option options them him
    team analyst hello hi hey thanks thank cheers okay ok fine great nice sure well
    still just quickly currently want wanna gonna let's lets pls plz thx
    lot lots store chart worst web stop hold letter later chat
    average mate day days month months year years time times money pound pounds
    zero seven eight nine eleven twelve thirteen fourteen fifteen sixteen seventeen
    eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million billion grand quid fiver fivers tenner tenners pony monkey
    pence percent cent sixth seventh eighth ninth tenth penultimate final bottom
    above below over under least most between from everyone everybody anyone those
    these among amongst narrow filter restrict spend spending paying revenue tenure
    joined churn score band threshold higher lower greater fewer exceeding top best
    worst riskiest list show export download csv parquet file plus
    centre center centres centers swamped slammed fairly rather quite pretty
    """.split()
)


# Texting shorthand read as the words it stands for ("who shld we call", "what wld u
# recommend"); whole tokens only, never a customer id ("u124", "u-127").
SHORTHAND: dict[str, str] = {
    # negations typed without the apostrophe ("he dont want sms"): never "don"
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "shld": "should",
    "shud": "should",
    "wld": "would",
    "cld": "could",
    "u": "you",
    "ur": "your",
    "r": "are",
    "w": "with",
    "n": "and",
    "abt": "about",
    "rn": "right now",
    "b4": "before",
    "tmrw": "tomorrow",
    "2day": "today",
    "cust": "customer",
    "custs": "customers",
    "msg": "message",
    "wk": "week",
    "wd": "would",
    "tmr": "tomorrow",
    "tdy": "today",
    "yday": "yesterday",
    "atm": "at the moment",
    "ppl": "people",
    "avg": "average",
    "hv": "have",
    "cb": "call-back",
    "cbs": "call-backs",
    "cb's": "call-backs",
    "cc": "call centre",
}
