"""What a catalogue change does to the catalogue: pure functions on its JSON body.

A change (:class:`CatalogueChange`) is applied to the body of the version in force
(:func:`apply_change`) and the result validated whole by the configuration's models
(:func:`tools.catalogue_versions.with_catalogue`); :func:`diff` says what changed,
line by line, for the analyst to see before approving; :func:`capacity_problems`
finds a change that would leave today's bookings above a treatment's capacity or
budget.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from pydantic import ConfigDict, Field

from tools.catalogue_versions import Body, CatalogueInvalid
from tools.config import NO_ACTION, Constraint, Treatment
from tools.lazy_model import LazyModel
from tools.ledger.model import DayState

Action = Literal["add", "set", "disable", "enable", "rollback"]
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
CONSTRAINT_FIELDS = frozenset(Constraint.model_fields)
# What a change may set on a treatment: every field of both models.
FIELDS = frozenset(Treatment.model_fields) | CONSTRAINT_FIELDS


class CatalogueChange(LazyModel):
    """One change of the catalogue, as the CLI, the tools and the planner give it.

    Attributes:
        action: add, set (fields of a treatment or its capacity), disable, enable,
            or rollback (to ``to_version``; None: the version before the one in
            force).
        treatment_key: The treatment (not for a rollback).
        fields: For add and set: treatment fields (display_name, channel, cost,
            base_propensity, applicable_when, ...) and capacity fields
            (max_per_day, daily_budget, priority, reserved_share).
        reason: Why (kept with the version).
        force: Apply a capacity or budget below what is already booked today
            (today's bookings stay; the new limit binds every new booking).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    treatment_key: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    to_version: int | None = None
    reason: str = ""
    force: bool = False

    def summary(self) -> str:
        """One line naming the change."""
        if self.action == "rollback":
            target = self.to_version if self.to_version else "the previous version"
            return f"roll back the catalogue to {_version(target)}"
        fields = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        what = f"{self.action} {self.treatment_key}"
        return what + (f" ({fields})" if fields else "")


def _version(v: int | str) -> str:
    return f"version {v}" if isinstance(v, int) else str(v)


def slug(name: str) -> str:
    """A treatment key from a name ("10% discount SMS" -> discount_sms_10pct)."""
    words = re.findall(r"[a-z0-9]+%?", name.lower())
    words = [w.replace("%", "pct") for w in words]
    lead = [w for w in words if w[0].isdigit()]
    rest = [w for w in words if not w[0].isdigit()]
    return "_".join(rest + lead)[:48] or "treatment"


def apply_change(body: Body, change: CatalogueChange) -> Body:
    """The catalogue body after an add, set, disable or enable (not yet validated).

    Raises:
        CatalogueInvalid: An unknown treatment (or a known one to add), a key that
            is not a valid name, the no-action baseline changed, no field given, or
            a change that changes nothing.
    """
    new = copy.deepcopy(body)
    treatments, constraints = new["treatments"], new["constraints"]
    key = (change.treatment_key or "").strip()
    where = f"treatments.{key}" if key else "treatment_key"
    if not key:
        raise CatalogueInvalid("treatment_key", "which treatment? none was given")
    if change.action == "add":
        _check_new_key(key, treatments)
        treatment, capacity = _split(change.fields)
        treatment.setdefault("description", treatment.get("display_name", ""))
        treatments[key] = treatment
        if capacity:
            constraints[key] = capacity
        return new
    if key not in treatments:
        raise CatalogueInvalid(
            where, f"no treatment of that name (known: {', '.join(treatments)})"
        )
    if key == NO_ACTION:
        raise CatalogueInvalid(
            where, "the no-action baseline is part of every catalogue; it cannot change"
        )
    fields = dict(change.fields)
    if change.action in ("disable", "enable"):
        fields = {"enabled": change.action == "enable"}
    if not fields:
        raise CatalogueInvalid(where, "no field to change was given")
    treatment, capacity = _split(fields)
    treatments[key] = {**treatments[key], **treatment}
    if capacity:
        constraints[key] = {**constraints.get(key, {}), **capacity}
    if new == body:
        raise CatalogueInvalid(where, f"nothing to change: {_as_is(fields)}")
    return new


def _check_new_key(key: str, treatments: dict[str, Any]) -> None:
    if not KEY_PATTERN.match(key):
        raise CatalogueInvalid(
            "treatment_key",
            f"{key[:60]!r} is not a treatment key (lower-case letters, digits and _, "
            "starting with a letter, at most 48)",
        )
    if key in treatments:
        raise CatalogueInvalid(
            f"treatments.{key}", "already in the catalogue (change it with set)"
        )


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Treatment fields and capacity fields.

    Unknown ones go to the treatment, whose model names them with a did-you-mean.
    """
    treatment = {k: v for k, v in fields.items() if k not in CONSTRAINT_FIELDS}
    capacity = {k: v for k, v in fields.items() if k in CONSTRAINT_FIELDS}
    return treatment, capacity


def _as_is(fields: dict[str, Any]) -> str:
    return ", ".join(f"{k} is already {v!r}" for k, v in fields.items())


def diff(old: Body, new: Body) -> list[str]:
    """What changed from ``old`` to ``new``, one line per treatment or field."""
    lines: list[str] = []
    told, tnew = old["treatments"], new["treatments"]
    cold, cnew = old["constraints"], new["constraints"]
    for key in [*told, *(k for k in tnew if k not in told)]:
        if key not in tnew:
            lines.append(f"- {key}: {_one(told[key], cold.get(key))} (removed)")
        elif key not in told:
            lines.append(f"+ {key}: {_one(tnew[key], cnew.get(key))}")
        else:
            before = {**told[key], **(cold.get(key) or {})}
            after = {**tnew[key], **(cnew.get(key) or {})}
            for field in [*before, *(f for f in after if f not in before)]:
                a, b = before.get(field), after.get(field)
                if a != b:
                    lines.append(f"~ {key}.{field}: {_value(a)} → {_value(b)}")
    return lines


def _one(t: dict[str, Any], c: dict[str, Any] | None) -> str:
    cap = f"{c['max_per_day']} a day" if c and "max_per_day" in c else "no daily limit"
    state = "" if t.get("enabled", True) else ", disabled"
    return (
        f"{t.get('display_name', '?')} ({t.get('channel', '?')}, "
        f"{t.get('purpose', '?')}, £{t.get('cost', 0):,.2f} a contact, {cap}{state})"
    )


def _value(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v) if not isinstance(v, str) else repr(v)


def capacity_problems(new: Body, today: DayState) -> list[str]:
    """Treatments whose bookings today would exceed the new capacity or budget."""
    problems = []
    for key, used in sorted(today.used.items()):
        if used <= 0:
            continue
        spent = today.spent.get(key, 0.0)
        if key not in new["treatments"]:
            problems.append(
                f"{key}: {used} booked today, and this version has no such treatment"
            )
            continue
        cap = new["constraints"].get(key) or {}
        if cap.get("max_per_day") is not None and used > cap["max_per_day"]:
            problems.append(
                f"{key}: {used} already booked today, above the new daily capacity "
                f"{cap['max_per_day']}"
            )
        if cap.get("daily_budget") is not None and spent > cap["daily_budget"] + 1e-9:
            problems.append(
                f"{key}: £{spent:,.2f} already spent today, above the new daily "
                f"budget £{cap['daily_budget']:,.2f}"
            )
    return problems
