"""Resuming a stored conversation: its context back, nothing approvable carried over.

:func:`resume_session` gives an assistant the saved state of a thread
(:mod:`assistant.core.state`) and deals with what was pending when it was
saved: the same call goes through the guard again (:func:`check_write`, the one
that decides every WRITE) as a fresh proposal with a fresh server-issued id and
the rules checked again, to be shown for confirmation; or, when the guard refuses
it now or it needed the analyst's own override, it is dropped with a line saying
so. A pending action is never restored as it was.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from pydantic import ValidationError

from assistant.api import Assistant
from assistant.approvals.guard import check_write
from assistant.approvals.scope import TurnScope
from assistant.core.pending import PendingAction
from assistant.core.state import SessionState, WasPending, from_state
from assistant.toolkit.registry import TOOLS

log = logging.getLogger(__name__)


class Resumed(NamedTuple):
    """What resuming did: a line for the analyst and the action to show, if any."""

    line: str
    pending: PendingAction | None


def resume_session(bot: Assistant, state: SessionState | None) -> Resumed:
    """Give ``bot`` the saved conversation; re-propose or drop what was pending.

    Args:
        bot: A new assistant for the resumed chat (its approver: the analyst).
        state: The thread's saved state (None: none was saved or it was unreadable).
    """
    if state is None:
        return Resumed(
            "This conversation's context was not saved; earlier messages are shown "
            "but I start afresh: name the customer again.",
            None,
        )
    session, was = from_state(state, bot.session.approver, bot.session.login)
    bot.session = session
    lines = [_context_line(state)]
    pending = None
    if was is not None:
        pending, why = repropose(bot, was)
        lines.append(
            f"'{was.title}' was waiting for approval: proposed again below, with the "
            "rules checked now (approve it again if you still want it)."
            if pending is not None
            else f"'{was.title}' was waiting for approval; it was dropped: {why}. "
            "Nothing was written; ask again if you still want it."
        )
    return Resumed(" ".join(lines), pending)


def _context_line(state: SessionState) -> str:
    parts = []
    if state.customer_id:
        parts.append(f"customer in focus {state.customer_id}")
    rec = state.last_recommendation
    if rec is not None:
        parts.append(
            f"last recommendation {rec.top.display_name} for {rec.customer_id}"
        )
    if state.focus.found_list:
        parts.append(f"last list {state.focus.found_list}")
    if state.plan_id:
        parts.append(f"plan {state.plan_id}")
    what = "; ".join(parts) if parts else "no customer in focus yet"
    return f"Conversation resumed ({what})."


def repropose(bot: Assistant, was: WasPending) -> tuple[PendingAction | None, str]:
    """Propose a saved pending action again, through the guard; or say why not.

    Returns:
        The new pending action (a fresh id, held and marked shown) and "", or None
        and why it was dropped.
    """
    session = bot.session
    if was.overrides:
        return None, (
            f"it overrode {', '.join(was.overrides)} on your own order, which only "
            "a new order can give"
        )
    spec = TOOLS.get(was.tool)
    if spec is None or spec.approval is None:
        return None, "it is not an action this version can propose"
    try:
        args = spec.args.model_validate(was.arguments)
    except ValidationError:
        return None, "its details are no longer valid"
    focus = was.customers or ((session.customer_id,) if session.customer_id else ())
    scope = TurnScope(text="(resumed)", focus=focus, via_ui=True)
    verdict = check_write(spec, args, scope, session, bot.ctx, source="assistant")
    if verdict.outcome != "held" or verdict.action is None:
        rule = f"{verdict.rule}: " if verdict.rule else ""
        return None, f"{rule}{verdict.message or 'refused'}".rstrip(". ")
    session.shown = verdict.action.id
    log.info("resume: pending action proposed again (%s)", was.tool)
    return verdict.action, ""
