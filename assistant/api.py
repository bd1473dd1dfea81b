"""The public Python API: ``Assistant.create(...)`` and ``bot.ask("...")``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from assistant.conversation.loop import Hooks, decline, run_approval, run_turn
from assistant.core.session import Session, Turn
from assistant.models.base import Model
from tools.config import CVMConfig, get_config
from tools.context import ToolContext
from tools.errors import CVMError


class MissingAPIKey(CVMError):
    """The OpenAI model was asked for without an API key."""


def make_model(
    kind: Literal["auto", "offline", "openai"] | str, config: CVMConfig
) -> Model:
    """The model back-end by name.

    ``auto`` resolves to ``$CVM_MODEL`` if set, else the config's ``model.provider``,
    else openai when ``OPENAI_API_KEY`` is set and offline otherwise.

    Raises:
        MissingAPIKey: ``openai`` without ``OPENAI_API_KEY``.
    """
    if kind == "auto":
        kind = os.environ.get("CVM_MODEL") or config.model.provider
    if kind == "auto":
        kind = "openai" if os.environ.get("OPENAI_API_KEY") else "offline"
    if kind == "offline":
        from assistant.models.offline import OfflineModel

        return OfflineModel(config)
    if kind == "openai":
        if not os.environ.get("OPENAI_API_KEY"):
            raise MissingAPIKey(
                "--model openai needs OPENAI_API_KEY (and optionally "
                "OPENAI_BASE_URL for a compatible server); without a "
                "key, use the offline model."
            )
        from assistant.models.openai_model import OpenAIModel

        return OpenAIModel(config.model, os.environ["OPENAI_API_KEY"])
    raise CVMError(f"unknown model '{kind}' (use offline or openai)")


class Assistant:
    """A conversation with the CVM assistant.

    Example:
        >>> bot = Assistant.create(model="offline")
        >>> turn = bot.ask("What should we offer U124?")
        >>> turn.recommended
        'marketing_call_back'
    """

    def __init__(
        self,
        model: Model,
        ctx: ToolContext,
        approver: str = "analyst",
        login: bool = False,
    ) -> None:
        self.model = model
        self.ctx = ctx
        self.session = Session(approver=approver, login=login)
        self._buttons: Any = None

    @classmethod
    def create(
        cls,
        model: str | Model = "auto",
        state_dir: str | Path | None = None,
        config: CVMConfig | None = None,
        approver: str = "analyst",
        login: bool = False,
    ) -> Assistant:
        """Build an assistant.

        Args:
            model: ``"offline"``, ``"openai"``, ``"auto"`` or a model object (e.g. a
                ``ScriptedModel``).
            state_dir: Where the ledger lives (default: config / ``CVM_STATE_DIR``).
            config: The configuration (default: the one in force).
            approver: Who approves bookings made in this conversation.
            login: The approver logged in (UI login): a big plan then needs a
                second analyst's approval.
        """
        config = config or get_config()
        backend = make_model(model, config) if isinstance(model, str) else model
        return cls(backend, ToolContext.create(config, state_dir), approver, login)

    def ask(self, question: str, hooks: Hooks | None = None) -> Turn:
        """Answer one analyst message.

        Args:
            question: The analyst's message (the only text that can approve a write).
            hooks: Streaming callbacks (answer tokens, tool steps).
        """
        return run_turn(question, self.session, self.model, self.ctx, hooks)

    def request(
        self,
        intent: str,
        label: str,
        customer: str | None = None,
        hooks: Hooks | None = None,
        read_label: bool = False,
    ) -> Turn:
        """Answer with the offline planner's ``intent``, not reading it from text.

        A UI button, or a reading chosen elsewhere: the same loop, dispatch, guard
        and failure boundary as a typed message. ``label`` is what the turn records
        as the analyst's message; with ``read_label`` its slots (counts, ids,
        channels) are read too.
        """
        from assistant.models.offline import OfflineModel
        from assistant.planner.planner import Preset

        model = self.model if isinstance(self.model, OfflineModel) else self._planner
        model.preset = Preset(intent, customer, read_label)
        return run_turn(label, self.session, model, self.ctx, hooks)

    def choices(self) -> tuple[tuple[str, str], ...]:
        """The readings the last turn offered, when it was not sure (else empty).

        Each is (intent, what it does, in a few words); the UI shows them as
        buttons that answer with :meth:`request` on the message asked, the CLI as
        the numbered list of the reply ("2" picks the second).
        """
        from assistant.models.offline import OfflineModel

        if not isinstance(self.model, OfflineModel):
            return ()
        memory = self.model.memory(self.session)
        return tuple(zip(memory.choices, memory.choice_gists, strict=True))

    def asked(self) -> str:
        """The message the offered choices are readings of ("" when none)."""
        from assistant.models.offline import OfflineModel

        if not isinstance(self.model, OfflineModel):
            return ""
        return self.model.memory(self.session).choices_text

    @property
    def _planner(self) -> Any:
        """The offline planner answering buttons when the model is another one."""
        from assistant.models.offline import OfflineModel

        if self._buttons is None:
            self._buttons = OfflineModel(self.ctx.config)
        return self._buttons

    def approve(self, action_id: str, hooks: Hooks | None = None) -> Turn:
        """Run the pending action with this server-issued id (the UI's Approve)."""
        return run_approval(action_id, self.session, self.model, self.ctx, hooks)

    def decline(self, action_id: str) -> str:
        """Drop the pending action with this id (the UI's Cancel); say what happened."""
        return decline(action_id, self.session)
