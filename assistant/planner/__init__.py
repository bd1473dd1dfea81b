r"""The offline planner, as data: an intents table read against a typed utterance.

How a message is answered:

1. :func:`assistant.planner.utterance.read` turns the message into an
   :class:`~assistant.planner.utterance.Utterance`: typo-corrected words (difflib
   against the planner's vocabulary) and slots — customers ("U124", "customer
   124"), treatments, channels, excluded channels, cost limit, count ("top 3"),
   ordinal ("the second one"), references ("it", "them", "that one"), booking id,
   customer-fact facets.
2. Every intent of :data:`assistant.planner.intents.TABLE` scores the utterance
   (sum of the weights of its cues that match, plus a slot bonus); the highest
   wins, ties go to the higher ``priority``. Nothing matching: ``unknown``, which
   says what the planner *can* do for the customer in focus.
3. The intent's ``calls`` builder returns the tool calls (once per customer when
   several are named: every customer is answered, none dropped); they run through
   the same loop and guard as any model's.
4. Its ``answer`` writer reads this turn's *typed* results
   (:class:`~assistant.planner.intent.Results`) and writes the reply.

State lives in the session (``session.planner``, a
:class:`~assistant.planner.state.PlannerState`): last intent and utterance (so "and
U126?" repeats the last question), the customers last compared ("them"), the last
list of options ("the second one"), the last alternative search.

Adding an intent is ONE entry in ``TABLE``::

    Intent(
        name="churn_ranking",                      # label used by the corpus
        cues=cue(r"\bhighest churn\b", r"\bmost at risk\b", weight=3.0),
        needs_customer=False,                      # a question across customers
        calls=lambda ask, customer: [("find_customers", {"order_by": "churn"})],
        answer=my_answers.churn_ranking,           # (ask, customer, results) -> str
        examples=("which customers are at the highest churn risk?",),
    )

A family of intents can live in its own module and join the table there
(``TABLE += PLAN_INTENTS``, see :mod:`assistant.planner.plan_intents`). Put the
writer next to the others in :mod:`assistant.planner.answers`, add a few
phrasings (with the intent and slots expected) to
``tests/corpus/understanding.yaml``, and a conversation under
``tests/conversations/``. Words in cues join the typo corrector's vocabulary by
themselves. Use ``when`` for a hard condition (e.g. a plan exists), ``bonus`` for
slot evidence, ``follow_up`` for a second round of calls, ``keeps_proposal`` when
the intent's calls must not change what "book it" means.
"""
