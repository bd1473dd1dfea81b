"""Run the table: read a message, pick its intent, plan tool calls, write the answer.

Two steps per turn, both pure functions of the session: :func:`plan` (tool calls
for a new message) and :func:`respond` (a second round of calls, or the reply,
once the results are in). What the planner remembers lives in
``session.planner``; results are read typed from ``session.current``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from assistant.conversation.session import Session
from assistant.conversation.state import propose
from assistant.planner.answers.talk import HELP, which_customer
from assistant.planner.intent import Ask, Call, Intent, Results
from assistant.planner.intents import BY_NAME, FOLLOW_ON, TABLE, UNKNOWN, cue_words
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
    """The customers a message is about: named, else "them", else the focus."""
    state = session.planner
    if u.customers:
        return u.customers
    if len(state.customers) > 1 and ({"them", "both"} & set(u.references)):
        return list(state.customers)
    return [session.customer_id] if session.customer_id else []


def understand(text: str, session: Session, config: CVMConfig) -> tuple[Intent, Ask]:
    """Read a message in the conversation's context: its intent and slots."""
    state = session.planner
    u = read(text, config, cue_words())
    ask = Ask(
        u=u,
        customers=customers_meant(u, session),
        session=session,
        config=config,
        held=session.proposal,
        held_for=session.customer_id,
    )
    intent = recognise(u, ask)
    if intent is FOLLOW_ON and state.intent and isinstance(state.last, Utterance):
        intent = BY_NAME[state.intent]
        ask.u = replace(state.last, text=text, customers=u.customers)
    if u.customers:
        state.customers = list(u.customers)
    return intent, ask


def plan(text: str, session: Session, config: CVMConfig) -> list[Call]:
    """Understand a new message and return the tool calls that answer it."""
    intent, ask = understand(text, session, config)
    state = session.planner
    state.pending = Pending(intent, ask)
    state.intent, state.last = intent.name, ask.u
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


def respond(session: Session) -> list[Call] | str:
    """A second round of tool calls, or the reply, from this turn's typed results."""
    pending = session.planner.pending
    if not isinstance(pending, Pending):
        return HELP
    intent, ask = pending.intent, pending.ask
    ask.results = Results(session.current.tool_calls if session.current else [])
    if intent.needs_customer and not ask.customers:
        return which_customer(ask)
    if intent.follow_up is not None:
        more = [c for t in ask.customers for c in intent.follow_up(ask, t)]
        if more:
            return more
    if intent.name == "compare" or not intent.needs_customer:
        focus = ask.customers[0] if ask.customers else None
        reply = intent.answer(ask, focus, ask.results)
    else:
        parts = [_for_customer(intent, ask, c) for c in ask.customers]
        reply = "\n\n".join(parts)
    if (
        intent.keeps_proposal
        and ask.held is not None
        and ask.held_for == session.customer_id
    ):
        _restore(session, ask)
    return reply


def _for_customer(intent: Intent, ask: Ask, customer: str) -> str:
    results = ask.results.for_customer(customer)
    first = results.records[0] if results.records else None
    if first is not None and not first.ok and first.name in READ_TOOLS:
        return f"I could not do that for {customer}: {results.failure()}"
    return intent.answer(ask, customer, results)


def _restore(session: Session, ask: Ask) -> None:
    """Keep the option being discussed as the proposal (fresh values if re-ranked)."""
    held = ask.held
    assert held is not None
    rec = session.last_recommendation
    ranked = rec.ranked if rec else []
    fresh = next((r for r in ranked if r.treatment_key == held.treatment_key), held)
    if session.current is not None:
        propose(session, session.current, fresh)
