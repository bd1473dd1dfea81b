"""Ending a turn early: a stop with a reply, and recovery from a bug mid-turn."""

from __future__ import annotations

import json
import logging
import traceback

from assistant.core.messages import Message
from assistant.core.session import Session, ToolCallRecord, Turn

log = logging.getLogger("assistant.conversation.loop")


def stop_turn(session: Session, turn: Turn, why: str, reply: str) -> None:
    """End the turn with ``reply``, recording why (``turn.stopped``)."""
    turn.stopped, turn.reply = why, reply
    session.messages.append(Message(role="assistant", content=reply))


def internal_error(session: Session, turn: Turn, exc: Exception) -> None:
    """Close a turn that a bug interrupted, leaving a history every model accepts.

    Every tool call of the last assistant message that has no result yet gets an
    error result (an OpenAI-style history must answer each call). The traceback's
    frames (file, line, function; no source text) are logged at ERROR; the
    exception's text, which may quote customer data, only at DEBUG.
    """
    log.error(
        "turn failed session=%s error=%s\n%s",
        session.id,
        type(exc).__name__,
        "\n".join(
            f'  File "{f.filename}", line {f.lineno}, in {f.name}'
            for f in traceback.extract_tb(exc.__traceback__)
        ),
    )
    log.debug("turn failed session=%s detail=%r", session.id, exc)
    _answer_open_calls(session, turn)
    booked = (
        f"{len(turn.allocations)} booking(s) made before the error stand."
        if turn.allocations
        else "Nothing was booked."
    )
    stop_turn(
        session,
        turn,
        "internal_error",
        "Sorry, something went wrong on my side and I could not finish this "
        f"answer. {booked} Please ask again.",
    )


def _answer_open_calls(session: Session, turn: Turn) -> None:
    """An error result for each call of the last assistant message left unanswered."""
    last = next(
        (
            i
            for i in range(len(session.messages) - 1, -1, -1)
            if session.messages[i].role == "assistant"
        ),
        None,
    )
    if last is None:
        return
    answered = {
        m.tool_call_id for m in session.messages[last + 1 :] if m.role == "tool"
    }
    for call in session.messages[last].tool_calls:
        if call.id in answered:
            continue
        error = "internal error: this tool call was not completed"
        session.messages.append(
            Message(
                role="tool",
                tool_call_id=call.id,
                name=call.name,
                content=json.dumps({"error": error}),
            )
        )
        turn.tool_calls.append(
            ToolCallRecord(
                id=call.id,
                name=call.name,
                arguments=call.arguments,
                ok=False,
                error=error,
            )
        )
