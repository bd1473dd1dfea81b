"""The catalogue tools' specs: READ the catalogue and its history, WRITE changes.

Each WRITE is one spec with its :class:`~assistant.toolkit.spec.Approval`: the
change is held as a pending action whose details are the diff against the version
in force (and any of today's bookings above a new limit), confirmed like a booking
(the generic closed set or the UI's Approve), and run through
:func:`tools.catalogue_tools.commit_change` as the approver (catalogue role, audit).
Joined to the registry by one line in :mod:`assistant.toolkit.registry`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from assistant.core.confirm import GENERIC
from assistant.toolkit.spec import Approval, ToolSpec, dump
from tools import catalogue
from tools.allocation import NoArgs
from tools.catalogue_tools import CatalogueChangeResult, check_change
from tools.catalogue_writes import (
    AddTreatmentArgs,
    ChangeTreatmentArgs,
    RollbackArgs,
    add_treatment,
    change_treatment,
    rollback_catalogue,
)
from tools.context import ToolContext
from tools.errors import CVMError

Changing = AddTreatmentArgs | ChangeTreatmentArgs | RollbackArgs


def _key(args: BaseModel) -> tuple[Any, ...]:
    """Same arguments, same action."""
    return (json.dumps(args.model_dump(mode="json"), sort_keys=True),)


def _describe(args: Changing, ctx: ToolContext) -> tuple[str, list[str]]:
    """Title and the diff the analyst approves (or why it cannot be made)."""
    change = args.change()
    version = ctx.config.catalogue_version
    title = f"Change the treatment catalogue: {change.summary()}"
    if isinstance(args, AddTreatmentArgs):
        title = f"Add {args.display_name} to the treatment catalogue"
    elif isinstance(args, RollbackArgs):
        to = f"version {args.version}" if args.version else "the version before"
        title = f"Roll back the treatment catalogue from version {version} to {to}"
    try:
        preview = check_change(change, ctx)
    except CVMError as exc:
        return title, [str(exc)]
    lines = [
        f"Catalogue version {version} → {version + 1} (new decisions use it at once):",
        *preview.changes,
        *(f"Today's bookings stay: {p}" for p in preview.problems),
    ]
    return title, lines


def _check(args: Changing, ctx: ToolContext) -> None:
    check_change(args.change(), ctx)


def _done(result: CatalogueChangeResult, ctx: ToolContext) -> str:
    back = (
        f" (back to version {result.rolled_back_to})" if result.rolled_back_to else ""
    )
    return "\n".join(
        [
            f"**Catalogue version {result.version} is in force**{back} — was "
            f"{result.previous_version}; approved by {result.approved_by}.",
            *(f"- {line}" for line in result.changes),
            "New recommendations, plans and bookings use it now. Say **roll back "
            "the catalogue** to undo.",
        ]
    )


def _approval() -> Approval[Any, CatalogueChangeResult]:
    return Approval(
        verb="change the catalogue",
        key=_key,
        customers=lambda a, ctx: (),
        describe=_describe,
        outcome=_done,
        check=_check,
        confirmations=lambda a, ctx: GENERIC,
    )


def _write(function: Any, args: type[Changing]) -> ToolSpec[Any, Any]:
    """A catalogue WRITE: approved like a booking, the approver's login passed."""
    return ToolSpec(
        function, args, "WRITE", dump, approval=_approval(), login_param="login"
    )


SPECS: list[ToolSpec[Any, Any]] = [
    ToolSpec(catalogue.list_treatments, NoArgs, "READ", dump),
    ToolSpec(catalogue.show_treatment, catalogue.TreatmentKeyArgs, "READ", dump),
    ToolSpec(catalogue.catalogue_history, catalogue.HistoryArgs, "READ", dump),
    _write(add_treatment, AddTreatmentArgs),
    _write(change_treatment, ChangeTreatmentArgs),
    _write(rollback_catalogue, RollbackArgs),
]
