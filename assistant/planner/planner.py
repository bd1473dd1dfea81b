"""Run the table: read a message, pick its intent, plan tool calls, write the answer.

Two steps per turn, both pure functions of the session and the planner's memory:
:func:`plan` (tool calls for a new message) and :func:`respond` (a second round of
calls, the intent's proposal, or the reply, once the results are in). Results are
read typed from ``session.current``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from assistant.core.session import Session
from assistant.planner.answers.talk import HELP, which_customer
from assistant.planner.compound import read_parts
from assistant.planner.gists import gist
from assistant.planner.intent import Ask, Call, Intent, Results
from assistant.planner.intents import BY_NAME, CLARIFY, FOLLOW_ON, cue_words
from assistant.planner.reading import (
    Reading,
    customers_meant,
    read_message,
    recognise,
)
from assistant.planner.reading_choices import choice_in
from assistant.planner.state import PlannerState
from assistant.planner.utterance import Utterance, read
from assistant.toolkit.registry import names
from tools.config import CVMConfig

log = logging.getLogger(__name__)
READ_TOOLS = names(kind="READ")


@dataclass
class Pending:
    """The plan of the message (or of the part of it) being answered.

    Attributes:
        intent: The intent answering.
        ask: Its slots and context.
        rest: The message's other parts still to answer ("…, and when can we
            call?": :mod:`assistant.planner.compound`), in order.
        replies: The answers to the parts before this one.
        start: Where this part's tool results begin among the turn's.
    """

    intent: Intent
    ask: Ask
    rest: list[tuple[Intent, Ask]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    start: int = 0


def understand(
    text: str, session: Session, memory: PlannerState, config: CVMConfig
) -> tuple[Intent, Ask]:
    """Read a message in the conversation's context: its intent and slots."""
    ask = read_message(text, session, memory, config)
    reading = recognise(ask)
    memory.rest = []
    if reading.intent is CLARIFY:  # perhaps two plain questions side by side
        likeliest = reading.choices[0] if reading.choices else None
        parts = read_parts(text, session, memory, config, likeliest)
        if parts:
            (first, ask), memory.rest = parts[0], parts[1:]
            reading = Reading(first, 1.0)
    intent = reading.intent
    memory.choices = reading.choices
    focus = ask.customers[0] if ask.customers else None
    memory.choice_gists = tuple(gist(name, focus) for name in reading.choices)
    memory.choices_text = text if reading.choices else ""
    memory.nearest = reading.nearest
    if intent is FOLLOW_ON and memory.intent and isinstance(memory.last, Utterance):
        intent, new = BY_NAME[memory.intent], ask.u
        ask.u = replace(memory.last, text=text, customers=new.customers)
        if new.channels or new.treatments:  # "and sms?": for that channel
            ask.u.channels, ask.u.treatments = new.channels, new.treatments
    if ask.u.customers:
        session.focus.customers = list(ask.u.customers)
    return intent, ask


def _chosen(text: str, memory: PlannerState) -> Preset | None:
    """The reading an answer to a clarification picks ("2", "the first one")."""
    offered = memory.choices
    memory.choices, memory.choice_gists = (), ()
    n = choice_in(text, len(offered)) if offered else None
    return Preset(offered[n - 1], None, True) if n else None


def plan(
    text: str,
    session: Session,
    memory: PlannerState,
    config: CVMConfig,
    preset: Preset | None = None,
) -> list[Call]:
    """Understand a new message and return the tool calls that answer it.

    With ``preset`` (a UI button: an intent and its customer), nothing is read
    from the text: that intent answers, for that customer.
    """
    asked, chosen = memory.choices_text, _chosen(text, memory)
    if chosen is not None:  # "2" answering "did you mean: 1. … 2. …?"
        preset, text = chosen, asked
    if preset is None:
        intent, ask = understand(text, session, memory, config)
    else:
        intent, ask = _preset(preset, text, session, memory, config)
        memory.rest = []
    memory.pending = Pending(intent, ask, rest=memory.rest)
    memory.proposed = False
    memory.intent, memory.last = intent.name, ask.u
    log.debug(
        "planner intent=%s customers=%s slots=%s",
        intent.name,
        ask.customers,
        {
            "treatments": ask.u.treatments,
            "channels": ask.u.channels,
            "excluded": ask.u.excluded_channels,
            "max_cost": ask.u.max_cost,
            "count": ask.u.count,
            "ordinal": ask.u.ordinal,
            "references": ask.u.references,
            "corrected": ask.u.corrected,
        },
    )
    return _calls(intent, ask)


def _calls(intent: Intent, ask: Ask) -> list[Call]:
    """The tool calls that answer ``intent`` (none without the customer it needs)."""
    if intent.needs_customer and not ask.customers:
        return []
    targets: list[str | None] = list(ask.customers) if intent.needs_customer else [None]
    return [c for target in targets for c in intent.calls(ask, target)]


@dataclass(frozen=True)
class Preset:
    """A reading decided elsewhere: a UI button, or a choice the analyst made.

    Attributes:
        intent: The intent that answers.
        customer: The customer it is for (None: as the message or focus says).
        text: Read the message's slots too (a clarification's choice), or not (a
            button's label).
    """

    intent: str
    customer: str | None = None
    text: bool = False


def _preset(
    preset: Preset,
    text: str,
    session: Session,
    memory: PlannerState,
    config: CVMConfig,
) -> tuple[Intent, Ask]:
    u = read(text if preset.text else "", config, cue_words())
    customers = [preset.customer] if preset.customer else customers_meant(u, session)
    ask = Ask(
        u=u,
        customers=customers,
        session=session,
        memory=memory,
        config=config,
        held=session.proposal,
        held_for=session.proposal_for,
    )
    if u.customers:
        session.focus.customers = list(u.customers)
    return BY_NAME[preset.intent], ask


def respond(session: Session, memory: PlannerState) -> list[Call] | str:
    """A second round of calls, the proposal, or the reply, from typed results.

    A message of several parts is answered part by part: a part's reply is kept
    and the next part's calls follow; the last part's reply joins them all.
    """
    pending = memory.pending
    if not isinstance(pending, Pending):
        return HELP
    out = _respond(session, memory, pending)
    if not isinstance(out, str):
        return out
    if not pending.rest:
        return "\n\n".join([*pending.replies, out])
    (intent, ask), rest = pending.rest[0], pending.rest[1:]
    start = len(session.current.tool_calls) if session.current else 0
    memory.pending = Pending(intent, ask, rest, [*pending.replies, out], start)
    return _calls(intent, ask) or respond(session, memory)


def _respond(
    session: Session, memory: PlannerState, pending: Pending
) -> list[Call] | str:
    """The next calls or the reply of one message (or part of one)."""
    intent, ask = pending.intent, pending.ask
    records = session.current.tool_calls if session.current else []
    ask.results = Results(records[pending.start :])
    if intent.needs_customer and not ask.customers:
        return which_customer(ask)
    if intent.follow_up is not None:
        targets: list[str | None] = [*ask.customers] or [None]
        more = [c for t in targets for c in intent.follow_up(ask, t)]
        if more:
            return more
    proposal = _proposal(intent, ask, memory)
    if proposal is not None:
        return [proposal]
    if intent.name == "compare" or not intent.needs_customer:
        focus = ask.customers[0] if ask.customers else None
        return intent.answer(ask, focus, ask.results)
    return "\n\n".join(_for_customer(intent, ask, c) for c in ask.customers)


def _proposal(intent: Intent, ask: Ask, memory: PlannerState) -> Call | None:
    """The one action the intent proposes (once per message, one customer only)."""
    if intent.proposes is None or memory.proposed:
        return None
    memory.proposed = True
    if intent.needs_customer and len(ask.customers) != 1:
        return None
    return intent.proposes(ask, ask.customers[0] if ask.customers else None)


def _for_customer(intent: Intent, ask: Ask, customer: str) -> str:
    results = ask.results.for_customer(customer)
    first = results.records[0] if results.records else None
    if first is not None and not first.ok and first.name in READ_TOOLS:
        return f"I could not do that for {customer}: {results.failure()}"
    return intent.answer(ask, customer, results)
