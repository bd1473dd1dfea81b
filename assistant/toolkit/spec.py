"""A tool spec is the whole tool.

Like openai-agents' ``FunctionTool`` (``needs_approval``, ``is_enabled``),
pydantic-ai's ``Tool(requires_approval=, prepare=)`` and tau2's
``@is_tool(ToolType.WRITE)``, everything about one tool is on its
:class:`ToolSpec`:

- **schema**: the strict JSON schema, derived from its pydantic arguments model;
  its description is the function's docstring (prompt text);
- **kind**: READ, or WRITE (never run on a model's or planner's call: held as a
  pending action until the analyst confirms it, see :mod:`assistant.approvals`);
- **approval** (WRITE only): what the pending action is (its identity, customers,
  title and consequences), which whole messages confirm it, and the reply once it
  has run;
- **offered**: when the model is offered it (default: always, so the tool list
  is a stable prompt prefix);
- **effect**: what its result leaves in the session (the customer in focus, the
  recommendation, the plan "the plan" means, ...);
- **view** and **chart**: how the model and the UI see its typed result.

A tool function lives in ``tools/`` and is called with its arguments model's fields
as keywords plus ``ctx`` (the typed dependencies: configuration, ledger, customers,
clock) and, for a WRITE, the approver under ``approver_param``. That contract is
checked for every spec by ``tests/test_registry.py``; nothing is guessed from
parameter names at run time.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from assistant.core.confirm import GENERIC
from tools.context import ToolContext

if TYPE_CHECKING:
    from assistant.approvals.scope import TurnScope
    from assistant.core.session import Session

Kind = Literal["READ", "WRITE"]
A = TypeVar("A", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class RunContext:
    """The typed dependencies of one tool call (pydantic-ai's ``RunContext``).

    Attributes:
        deps: Configuration, ledger, customer source and clock.
        approver: Who approved this call (used by WRITE tools only).
        overrides: Rules the analyst's own confirmed order overrides (a WRITE
            whose spec names ``override_param`` receives them).
        login: The approver logged in (the UI with login on; a WRITE whose spec
            names ``login_param`` receives it).
    """

    deps: ToolContext
    approver: str = "analyst"
    overrides: frozenset[str] = frozenset()
    login: bool = False


@dataclass(frozen=True)
class Approval(Generic[A, R]):
    """How a WRITE becomes a pending action the analyst confirms.

    Attributes:
        verb: What the action does, for the analyst ("book", "cancel").
        key: The arguments that identify the action (same key, same action).
        customers: The customers it touches (they must be in the turn's focus).
        describe: Its title and its consequences (value, rules, capacity), shown
            before the analyst confirms.
        outcome: The reply once it has run, from the tool's typed result.
        check: Raises the refusal the action would meet if confirmed now (a
            contact rule, no such booking or plan), so a doomed action is refused
            at once instead of being held; the write re-checks everything anyway.
        proposed: What proposing it (holding it) leaves in the session, e.g. the
            option the recommendation card shows.
        confirmations: The whole messages (normalised, see
            :mod:`assistant.core.confirm`) that confirm such an action: the
            generic ones ("yes", "approve", "go ahead"...), plus "book it" for a
            booking, or only the plan id typed back for a very large plan.
    """

    verb: str
    key: Callable[[A], tuple[Any, ...]]
    customers: Callable[[A, ToolContext], tuple[str, ...]]
    describe: Callable[[A, ToolContext], tuple[str, list[str]]]
    outcome: Callable[[R, ToolContext], str]
    check: Callable[[A, ToolContext], None] | None = None
    proposed: Callable[[Session, A], None] | None = None
    confirmations: Callable[[A, ToolContext], frozenset[str]] = lambda a, ctx: GENERIC


Effect = Callable[["Session", Any, Any, "TurnScope"], None]
Offered = Callable[["Session"], bool]


@dataclass(frozen=True)
class ToolSpec(Generic[A, R]):
    """One tool: everything about it in one place (see the module docstring).

    Attributes:
        function: The typed function in ``tools/``.
        args: Its arguments model (the strict JSON schema derives from it).
        kind: READ or WRITE.
        view: The model-facing view of its typed result (JSON-ready).
        approval: For a WRITE, how it is held, confirmed and reported.
        effect: What its successful result leaves in the session.
        chart: The UI's chart of the turn's results of this tool, in call order
            (a plotly figure, or None when a chart would not help).
        offered: Whether a model call is offered it (None: always).
        approver_param: The WRITE function's parameter that receives the approver.
        override_param: The WRITE function's parameter that receives the rules
            the analyst overrode (None: it takes none).
        login_param: The WRITE function's parameter that receives whether the
            approver logged in (None: it takes none).
    """

    function: Callable[..., R]
    args: type[A]
    kind: Kind
    view: Callable[[R], dict[str, Any]]
    approval: Approval[A, R] | None = None
    effect: Effect | None = None
    chart: Callable[[list[R]], Any] | None = None
    offered: Offered | None = None
    approver_param: str = "approved_by"
    override_param: str | None = None
    login_param: str | None = None

    def __post_init__(self) -> None:
        if (self.kind == "WRITE") != (self.approval is not None):
            raise TypeError(f"{self.name}: a WRITE tool, and only one, has an approval")

    @property
    def name(self) -> str:
        """The tool's name: its function's."""
        return self.function.__name__

    @property
    def description(self) -> str:
        """The function's docstring up to its Args section: prompt text."""
        doc = inspect.getdoc(self.function) or ""
        for section in ("\nArgs:", "\nReturns:", "\nRaises:"):
            doc = doc.split(section)[0]
        return " ".join(doc.split())

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-tool definition (strict JSON schema)."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": strict_schema(self.args),
                "strict": True,
            },
        }

    def run(self, rc: RunContext, args: A) -> R:
        """Call the function with the validated arguments and its dependencies."""
        kwargs: dict[str, Any] = dict(args)
        if self.kind == "WRITE":
            kwargs[self.approver_param] = rc.approver
        if self.override_param is not None:
            kwargs[self.override_param] = rc.overrides
        if self.login_param is not None:
            kwargs[self.login_param] = rc.login
        return self.function(ctx=rc.deps.pinned(), **kwargs)  # one catalogue version

    def __call__(self, **fields: Any) -> tuple[ToolSpec[A, R], A]:
        """A typed call of this tool (what the planner plans): ``spec(customer_id=)``.

        Raises:
            pydantic.ValidationError: The fields do not fit the arguments model.
        """
        return self, self.args(**fields)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A strict-mode JSON schema from a pydantic model.

    Every property is required (optional ones accept null), no extra properties,
    references inlined, titles and defaults dropped.
    """
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    raw.pop("description", None)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].split("/")[-1]])
            out = {k: walk(v) for k, v in node.items() if k not in {"title", "default"}}
            if out.get("type") == "object":
                out["additionalProperties"] = False
                out["required"] = list(out.get("properties", {}))
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(raw)  # type: ignore[no-any-return]


def dump(result: BaseModel) -> dict[str, Any]:
    """The default model-facing view: the result as compact JSON data."""
    return result.model_dump(mode="json", exclude_none=True)
