"""Changing the treatment catalogue: the WRITE tools and their one commit path.

Every change (CLI, chat, UI) goes through :func:`commit_change`: the catalogue role
(``settings.catalogue_editors``, rule ROLE), the change applied to the version in
force and validated by the configuration's models (a bad change names the field and
changes nothing), today's bookings against a lower capacity or budget (rule
CAPACITY unless forced), then one ledger transaction that re-applies the change to
the version it reads (so concurrent changes from two processes are both kept), and
with the audit record of the change and its approver in the same commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import Field

from tools.catalogue_changes import (
    CatalogueChange,
    apply_change,
    capacity_problems,
    diff,
)
from tools.catalogue_versions import (
    SEED_VERSION,
    Body,
    CatalogueInvalid,
    body_of,
    dump_body,
    with_catalogue,
)
from tools.config import CVMConfig
from tools.config_settings import AuditSettings
from tools.context import ToolContext
from tools.errors import PolicyBlocked
from tools.lazy_model import LazyModel
from tools.ledger.catalogue import NewCatalogue, StoredCatalogue
from tools.ledger.days import ledger_day
from tools.ledger.model import AuditEntry

ROLE = "ROLE"
CAPACITY = "CAPACITY"
AUDIT_SESSION = "catalogue"


class CatalogueChangeResult(LazyModel):
    """A catalogue change once made."""

    version: int = Field(description="The new version, now in force.")
    previous_version: int
    action: str
    treatment_key: str | None
    approved_by: str
    reason: str
    changes: list[str] = Field(description="What changed, one line each.")
    rolled_back_to: int | None = None


class Preview(LazyModel):
    """What a change would do if approved now."""

    version: int = Field(description="The version in force now.")
    changes: list[str]
    problems: list[str] = Field(description="Today's bookings above a new limit.")


def check_role(config: CVMConfig, approver: str, login: bool) -> None:
    """Refuse an approver without the catalogue role (rule ROLE).

    The role is ``settings.catalogue_editors``: the login names (``cli:<user>``
    from the CLI) who may approve a catalogue change. Unset, anyone who may
    approve may change it, unless ``login`` is on: a deployment with identities
    then changes nothing until the role is configured. Empty, nobody may.

    Args:
        config: The configuration (its settings).
        approver: Who approves ("ana", "ana (ui)": the note is not the name).
        login: The approver logged in (the UI with login on).
    """
    editors = config.settings.catalogue_editors
    who = approver.split(" (", 1)[0]  # "ana (ui)": ana, approving from the UI
    if editors is None and not login:
        return
    how = (
        "name who may in the config file, e.g. settings: {catalogue_editors: "
        f"[{who}]}}; nothing changed"
    )
    if editors is None:
        reason = (
            "with login on, changing the treatment catalogue needs the catalogue "
            "role and nobody has it yet (settings.catalogue_editors is not set): "
        )
    elif not editors:
        reason = (
            "nobody may change the treatment catalogue: settings.catalogue_editors "
            "is empty: "
        )
    elif who not in editors:
        reason = (
            f"{who} may not change the treatment catalogue: approving a change "
            "needs the catalogue role (settings.catalogue_editors: "
            f"{', '.join(editors)}); nothing changed"
        )
        raise PolicyBlocked(ROLE, reason)
    else:
        return
    raise PolicyBlocked(ROLE, reason + how)


def _target(change: CatalogueChange, ctx: ToolContext, head: int) -> StoredCatalogue:
    """The version a rollback goes back to."""
    if head <= SEED_VERSION:
        raise CatalogueInvalid(
            "version",
            "nothing to roll back: the catalogue is still version 1 "
            "(the config file's)",
        )
    to = change.to_version if change.to_version is not None else head - 1
    if to == head:
        raise CatalogueInvalid("version", f"version {to} is already in force")
    found = ctx.ledger.catalogue_version(to) if 1 <= to < head else None
    if found is None:
        raise CatalogueInvalid(
            "version", f"no catalogue version {to} to roll back to (1 to {head - 1})"
        )
    return found


def _rollback_target(
    change: CatalogueChange, ctx: ToolContext
) -> StoredCatalogue | None:
    """For a rollback, the version it goes back to.

    Read before any transaction: versions never change once written.
    """
    if change.action != "rollback":
        return None
    return _target(change, ctx, ctx.config.catalogue_version)


def _changed(
    base: CVMConfig,
    change: CatalogueChange,
    body: Body,
    head: int,
    target: StoredCatalogue | None,
) -> tuple[CVMConfig, int | None]:
    """The validated configuration after ``change`` on ``body`` (version ``head``).

    Pure: a rollback's ``target`` is read beforehand.
    """
    if target is not None:
        return with_catalogue(base, json.loads(target.body), head + 1), target.version
    return with_catalogue(base, apply_change(body, change), head + 1), None


def preview_change(change: CatalogueChange, ctx: ToolContext) -> Preview:
    """What ``change`` would do to the version in force (nothing is written).

    Raises:
        CatalogueInvalid: The change is invalid (names the field and the problem).
    """
    current = ctx.config
    before = body_of(current)
    target = _rollback_target(change, ctx)
    after, _ = _changed(
        ctx.base_config, change, before, current.catalogue_version, target
    )
    today = ctx.ledger.day_state(ledger_day(current, ctx.now()))
    return Preview(
        version=current.catalogue_version,
        changes=diff(before, body_of(after)),
        problems=capacity_problems(body_of(after), today),
    )


def check_change(change: CatalogueChange, ctx: ToolContext) -> Preview:
    """The preview of a change that may be made now, or the refusal it would meet.

    Raises:
        CatalogueInvalid: The change is invalid.
        PolicyBlocked: CAPACITY: today's bookings exceed a new limit (not forced).
    """
    preview = preview_change(change, ctx)
    if preview.problems and not change.force:
        raise PolicyBlocked(
            CAPACITY,
            "; ".join(preview.problems)
            + ". Nothing changed; force the change to apply it (today's bookings "
            "stay, every new booking follows the new limit)",
        )
    return preview


@dataclass
class _Edit:
    """One change, as the ledger's transaction applies it to the version it reads.

    Called with the version in force (None: none stored yet), perhaps again on a
    retry; keeps what :meth:`result` reports (bodies before and after, version).
    """

    base: CVMConfig
    change: CatalogueChange
    target: StoredCatalogue | None  # a rollback's version, read beforehand
    at: datetime
    approved_by: str
    before: Body = field(default_factory=dict)
    after: Body = field(default_factory=dict)
    previous: int = SEED_VERSION

    def __call__(self, head: StoredCatalogue | None) -> list[NewCatalogue]:
        """The versions to append on ``head``: (the seed and) the changed one."""
        seed = []
        if head is None:  # none stored yet: the configuration's is version 1
            seed = [
                NewCatalogue(
                    created_at=self.at,
                    created_by="config",
                    action="seed",
                    reason=f"seeded from {self.base.source or 'the configuration'}",
                    body=dump_body(body_of(self.base)),
                )
            ]
        body = json.loads(head.body if head is not None else seed[0].body)
        version = head.version if head is not None else SEED_VERSION
        after, back_to = _changed(self.base, self.change, body, version, self.target)
        self.before, self.after, self.previous = body, body_of(after), version
        new = NewCatalogue(
            created_at=self.at,
            created_by=self.approved_by,
            action=self.change.action,
            reason=self.change.reason.strip() or self.change.summary(),
            body=dump_body(self.after),
            treatment_key=self.change.treatment_key,
            rolled_back_to=back_to,
        )
        return [*seed, new]

    def result(self, stored: StoredCatalogue) -> CatalogueChangeResult:
        """The change once stored as ``stored``."""
        return CatalogueChangeResult(
            version=stored.version,
            previous_version=self.previous,
            action=stored.action,
            treatment_key=stored.treatment_key,
            approved_by=self.approved_by,
            reason=stored.reason,
            changes=diff(self.before, self.after),
            rolled_back_to=stored.rolled_back_to,
        )


def commit_change(
    change: CatalogueChange, ctx: ToolContext, approved_by: str, *, login: bool
) -> CatalogueChangeResult:
    """Make a catalogue change: checked, stored as a new version, audited.

    ``login``: the approver logged in (the UI with login on; see
    :func:`check_role`).

    Raises:
        PolicyBlocked: ROLE (no catalogue role) or CAPACITY (not forced).
        CatalogueInvalid: The change is invalid; nothing changed.
        LedgerUnavailable: The ledger refused the write; nothing changed.
    """
    check_role(ctx.base_config, approved_by, login)
    check_change(change, ctx)
    target = _rollback_target(change, ctx)
    base, at = ctx.base_config, ctx.now()
    edit = _Edit(base, change, target, at, approved_by)
    settings = base.settings.audit
    stored = ctx.ledger.change_catalogue(
        edit,
        lambda versions: audit_entry(edit.result(versions[-1]), at, settings),
        keep_since=at - timedelta(days=settings.retention_days),
    )
    return edit.result(stored[-1])


def audit_entry(
    result: CatalogueChangeResult, at: datetime, settings: AuditSettings
) -> AuditEntry:
    """The change's audit record, with its approver (stored with the change)."""
    return AuditEntry(
        at=at,
        session_id=AUDIT_SESSION,
        customer_id=None,
        approver=result.approved_by,
        question=f"catalogue version {result.version}: {result.reason}"[
            : settings.max_question_chars
        ],
        record={
            "catalogue": result.model_dump(mode="json"),
            "verdicts": [{"tool": f"catalogue:{result.action}", "rule": "OK"}],
        },
    )
