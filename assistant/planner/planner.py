"""Run the table: read a message, pick its intent, plan tool calls, write the answer.

Two steps per turn, both pure functions of the session and the planner's memory:
:func:`plan` (tool calls for a new message) and :func:`respond` (a second round of
calls, the intent's proposal, or the reply, once the results are in). Results are
read typed from ``session.current``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from assistant.core.mentions import points_at_customer_row
from assistant.core.session import Session
from assistant.planner.answers.talk import HELP, which_customer
from assistant.planner.intent import Ask, Call, Intent, Results
from assistant.planner.intents import BY_NAME, FOLLOW_ON, TABLE, UNKNOWN, cue_words
from assistant.planner.state import PlannerState
from assistant.planner.utterance import Utterance, read
from assistant.toolkit.registry import names
from tools.config import CVMConfig

log = logging.getLogger(__name__)
MIN_SCORE = 1.0
READ_TOOLS = names(kind="READ")


@dataclass
class Pending:
    """The plan of the message being answered."""

    intent: Intent
    ask: Ask


def recognise(u: Utterance, ask: Ask) -> Intent:
    """The intent with the highest score (ties: higher priority, then table order)."""
    best, best_key = UNKNOWN, (MIN_SCORE, -1)
    for intent in [*TABLE, FOLLOW_ON]:
        score = intent.score(u, ask)
        key = (score, intent.priority)
        if score >= MIN_SCORE and key > best_key:
            best, best_key = intent, key
    return best


def customers_meant(u: Utterance, session: Session) -> list[str]:
    """The customers a message is about.

    Named, else a row of the list last shown ("the top one": the message then reads
    as if that id were typed), else "them", else the focus.
    """
    focus = session.focus
    if u.customers:
        return u.customers
    norm, listed = focus.listed(u.norm)  # "pick the top one" of the customers listed
    if listed:  # read on as if the id had been typed
        u.norm, u.customers, u.ordinal = norm, [listed], None
        return [listed]
    if points_at_customer_row(u.norm):  # a row not shown: nobody, not an option
        u.ordinal = None
        return []
    if len(focus.customers) > 1 and ({"them", "both"} & set(u.references)):
        return list(focus.customers)
    return [session.customer_id] if session.customer_id else []


def understand(
    text: str, session: Session, memory: PlannerState, config: CVMConfig
) -> tuple[Intent, Ask]:
    """Read a message in the conversation's context: its intent and slots."""
    u = read(text, config, cue_words())
    ask = Ask(
        u=u,
        customers=customers_meant(u, session),
        session=session,
        memory=memory,
        config=config,
        held=session.proposal,
        held_for=session.proposal_for,
    )
    intent = recognise(u, ask)
    if intent is FOLLOW_ON and memory.intent and isinstance(memory.last, Utterance):
        intent = BY_NAME[memory.intent]
        ask.u = replace(memory.last, text=text, customers=u.customers)
    if u.customers:
        session.focus.customers = list(u.customers)
    return intent, ask


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
    if preset is None:
        intent, ask = understand(text, session, memory, config)
    else:
        intent, ask = _preset(preset, session, memory, config)
    memory.pending = Pending(intent, ask)
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
    if intent.needs_customer and not ask.customers:
        return []
    targets: list[str | None] = list(ask.customers) if intent.needs_customer else [None]
    return [c for target in targets for c in intent.calls(ask, target)]


@dataclass(frozen=True)
class Preset:
    """A typed request from a UI button: an intent and the customer it is for."""

    intent: str
    customer: str | None = None


def _preset(
    preset: Preset, session: Session, memory: PlannerState, config: CVMConfig
) -> tuple[Intent, Ask]:
    customers = (
        [preset.customer]
        if preset.customer
        else customers_meant(read("", config, frozenset()), session)
    )
    ask = Ask(
        u=read("", config, frozenset()),
        customers=customers,
        session=session,
        memory=memory,
        config=config,
        held=session.proposal,
        held_for=session.proposal_for,
    )
    return BY_NAME[preset.intent], ask


def respond(session: Session, memory: PlannerState) -> list[Call] | str:
    """A second round of calls, the proposal, or the reply, from typed results."""
    pending = memory.pending
    if not isinstance(pending, Pending):
        return HELP
    intent, ask = pending.intent, pending.ask
    ask.results = Results(session.current.tool_calls if session.current else [])
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
