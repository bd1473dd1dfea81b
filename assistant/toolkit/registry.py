"""The tools the model may call: one spec each, found by name.

Every tool is declared once, whole (:class:`~assistant.toolkit.spec.ToolSpec`), in
the module of its group: its function in ``tools/`` and arguments model (the strict
JSON schema derives from it), READ or WRITE with its approval, its effect on the
session, its model-facing view and its chart. This table says which group declares
each tool, and its kind, in the order the tools are offered; a group (and the
``tools/`` modules behind it) is imported the first time one of its tools is named,
so a question about one customer does not load the planner's solver, the base
queries or the outcome reports. Every group's specs are checked against the table
when the group loads (and by ``tests/test_registry.py``).

Adding a READ tool: write the typed function (and its arguments and result models)
in ``tools/``, add ``ToolSpec(fn, Args, "READ", view)`` to its group's ``SPECS``
and a line here. Adding a WRITE tool: the same with ``"WRITE"`` and an
:class:`~assistant.toolkit.spec.Approval`; the guard then holds it for the
analyst's confirmation by itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from importlib import import_module
from typing import Any

from assistant.toolkit.spec import Kind, ToolSpec

_CUSTOMER, _PLAN, _BASE = "customer_tools", "plan_tools", "base_tools"
_CATALOGUE, _APPROVAL, _OUTCOME = "catalogue_tools", "approval_tools", "outcome_tools"

# name: (the module of assistant.toolkit declaring its spec, its kind), in the
# order the tools are offered (a stable prompt prefix)
HOMES: dict[str, tuple[str, Kind]] = {
    "get_customer_data": (_CUSTOMER, "READ"),
    "build_journey": (_CUSTOMER, "READ"),
    "analyze_journey": (_CUSTOMER, "READ"),
    "recommend_treatment": (_CUSTOMER, "READ"),
    "find_alternative_treatment": (_CUSTOMER, "READ"),
    "open_service_problems": (_CUSTOMER, "READ"),
    "next_contact_times": (_CUSTOMER, "READ"),
    "list_treatments": (_CATALOGUE, "READ"),
    "check_availability": (_CUSTOMER, "READ"),
    "get_constraints": (_CUSTOMER, "READ"),
    "list_bookings": (_CUSTOMER, "READ"),
    "allocate_treatment": (_CUSTOMER, "WRITE"),
    "release_allocation": (_CUSTOMER, "WRITE"),
    "plan_campaign": (_PLAN, "READ"),
    "get_plan": (_PLAN, "READ"),
    "plan_what_if": (_PLAN, "READ"),
    "compare_plans": (_PLAN, "READ"),
    "book_plan": (_PLAN, "WRITE"),
    "find_customers": (_BASE, "READ"),
    "summarise_base": (_BASE, "READ"),
    "base_figures": (_BASE, "READ"),
    "export_list": (_BASE, "READ"),
    "show_treatment": (_CATALOGUE, "READ"),
    "catalogue_history": (_CATALOGUE, "READ"),
    "add_treatment": (_CATALOGUE, "WRITE"),
    "change_treatment": (_CATALOGUE, "WRITE"),
    "rollback_catalogue": (_CATALOGUE, "WRITE"),
    "plan_approvals": (_APPROVAL, "READ"),
    "request_plan_approval": (_APPROVAL, "WRITE"),
    "approve_plan": (_APPROVAL, "WRITE"),
    "decline_plan": (_APPROVAL, "WRITE"),
    "record_outcome": (_OUTCOME, "WRITE"),
    "outcome_report": (_OUTCOME, "READ"),
    "expected_response": (_OUTCOME, "READ"),
    "customer_outcomes": (_OUTCOME, "READ"),
    "explain_plan": (_PLAN, "READ"),
}


@cache
def group(module: str) -> dict[str, ToolSpec[Any, Any]]:
    """The specs one group declares, by name, checked against :data:`HOMES`.

    Raises:
        RuntimeError: The group declares a tool the table does not place there,
            misses one it does, or gives one another kind (a programming error).
    """
    specs = {s.name: s for s in import_module(f"assistant.toolkit.{module}").SPECS}
    declared = {n: s.kind for n, s in specs.items()}
    expected = {n: kind for n, (home, kind) in HOMES.items() if home == module}
    if declared != expected:
        raise RuntimeError(
            f"assistant.toolkit.{module} declares {sorted(declared.items())}, "
            f"the registry's table says {sorted(expected.items())}"
        )
    return specs


class Tools(Mapping[str, ToolSpec[Any, Any]]):
    """Every tool's spec by name, each group imported when first asked for.

    Names, order and membership (``in``, iteration, ``len``) come from the table
    without importing anything; a spec (``TOOLS[name]``, ``.get``, ``.values()``)
    imports its group.
    """

    def __getitem__(self, name: str) -> ToolSpec[Any, Any]:
        return group(HOMES[name][0])[name]

    def __setitem__(self, name: str, spec: ToolSpec[Any, Any]) -> None:
        """Replace a tool's spec (a test's stand-in); only a tool of the table."""
        group(HOMES[name][0])[name] = spec

    def __iter__(self) -> Iterator[str]:
        return iter(HOMES)

    def __len__(self) -> int:
        return len(HOMES)

    def __contains__(self, name: object) -> bool:
        return name in HOMES


TOOLS = Tools()


def spec(name: str) -> ToolSpec[Any, Any]:
    """The spec of a tool by name (KeyError when there is none)."""
    return TOOLS[name]


def names(kind: Kind | None = None) -> frozenset[str]:
    """Names of the tools (of one kind), read from the table (nothing imported)."""
    return frozenset(n for n, (_, k) in HOMES.items() if kind is None or k == kind)


@lru_cache(maxsize=1)
def tool_schemas() -> list[dict[str, Any]]:
    """Every tool's definition, in registry order (computed once; read-only)."""
    return [s.schema() for s in TOOLS.values()]
