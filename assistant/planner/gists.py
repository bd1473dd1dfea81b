"""What each intent does, in a few words.

The choices offered when a message is not understood with confidence ("Did you
mean: 1. recommend … 2. show …?"), and the nearest thing to an unsupported request.
"""

from __future__ import annotations

GISTS: dict[str, str] = {
    "recommend": "recommend the next best action for {who}",
    "explain": "explain why {that} is the pick",
    "cost": "say what {that} costs and is worth",
    "options": "list the top options for {who}",
    "choose": "pick an option from the list shown",
    "why_not": "say why not another channel or treatment",
    "alternative": "find the best alternative within your limits",
    "compare": "compare the customers side by side",
    "book": "propose a booking (you confirm it before anything is booked)",
    "cancel": "propose cancelling a booking (you confirm it first)",
    "bookings": "list the bookings made",
    "capacity": "show today's capacity left",
    "catalogue": "list the treatments we have",
    "facts": "show {who}'s details (consents, bills, usage, network, contacts)",
    "journey": "show {who}'s journey",
    "plan": "plan today's campaign across the base",
    "plan_what_if": "re-plan today's campaign with one change",
    "plan_compare": "compare the plan with booking one by one",
    "plan_book": "propose booking the plan (you confirm it first)",
    "plan_explain": "say who is in and out of the plan, and why",
    "find_customers": "list the customers that match",
    "summarise_base": "summarise the whole customer base",
    "export": "export a list, today's bookings or the plan to a file",
    "help": "say what I can do",
    "thanks": "nothing: you're welcome",
    "decline": "drop what is pending",
    "define": "explain what a term means",
    "outcome_record": "record what came of a booking (you confirm it first)",
    "outcome_report": "report how treatments did (take-up, value)",
    "outcome_check": "say what came of {who}'s bookings",
    "outcome_expect": "say what response and value to expect",
    "catalogue_add": "add a treatment to the catalogue (you approve it first)",
    "catalogue_disable": "disable a treatment (you approve it first)",
    "catalogue_enable": "re-enable a treatment (you approve it first)",
    "catalogue_set": "change a treatment's capacity, cost or other field "
    "(you approve it first)",
    "catalogue_rollback": "roll back a catalogue change (you approve it first)",
    "catalogue_history": "show the catalogue's change history",
    "approvals_inbox": "show what waits for your approval",
    "plan_decline": "decline a plan waiting for approval",
}


def gist(intent: str, customer: str | None) -> str:
    """The intent in a few words, for ``customer`` when there is one."""
    text = GISTS.get(intent, intent.replace("_", " "))
    return text.format(who=customer or "a customer", that="it")
