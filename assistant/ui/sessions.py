"""UI action requests Chainlit would answer with an HTTP 500: a clear 4xx instead.

Chainlit's ``POST /project/action`` looks the session up and fails with an HTTP 500
(and a server traceback) when the id is unknown or expired, or when the action or
its payload is not a JSON object. This ASGI middleware answers those requests first
(``404`` for an unknown session, ``400`` for a malformed action) with one sentence;
every other request passes through untouched (the body is replayed).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

ACTION_PATH = "/project/action"
MALFORMED = "This action request is malformed (its action and payload must be JSON \
objects). Nothing was done."
UNKNOWN_SESSION = (
    "This chat session is unknown or has expired; reload the page to start a new "
    "chat. Nothing was done."
)


def _chainlit_knows(session_id: str) -> bool:
    from chainlit.session import WebsocketSession

    return WebsocketSession.get_by_id(session_id) is not None


class UnknownSessionGuard:
    """ASGI middleware refusing UI actions for unknown chat sessions.

    Args:
        app: The wrapped ASGI application.
        known: Whether a session id is live (default: Chainlit's session registry).
    """

    def __init__(
        self, app: Any, known: Callable[[str], bool] = _chainlit_knows
    ) -> None:
        self.app, self.known = app, known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer unknown-session actions with 404; pass everything else on."""
        if not (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and str(scope.get("path", "")).endswith(ACTION_PATH)
        ):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message.get("type") == "http.request" and message.get(
                "more_body", False
            )
        body = b"".join(m.get("body", b"") for m in messages)
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not _well_formed(request):
            await JSONResponse({"detail": MALFORMED}, status_code=400)(
                scope, receive, send
            )
            return
        session_id = request.get("sessionId")
        if isinstance(session_id, str) and not self.known(session_id):
            await JSONResponse({"detail": UNKNOWN_SESSION}, status_code=404)(
                scope, receive, send
            )
            return
        replay = iter(messages)

        async def again() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, again, send)


def _well_formed(request: Any) -> bool:
    """An object whose ``action`` (and its ``payload``, if any) are objects."""
    if not isinstance(request, dict):
        return False
    action = request.get("action")
    if not isinstance(action, dict):
        return False
    return isinstance(action.get("payload", {}), dict)
