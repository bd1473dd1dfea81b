"""``cvm treatments``: the versioned treatment catalogue from a shell.

``list``, ``show KEY``, ``history`` read; ``add``, ``set KEY field=value ...``,
``disable KEY``, ``enable KEY`` and ``rollback [VERSION]`` change it, each a new
version: the diff is printed first and nothing changes without ``--yes``. Values of
``set`` are read as YAML scalars or lists (``max_per_day=8``, ``enabled=false``,
``applicable_when=[{signal: poor_network}]``) and validated by the configuration's
models, like the file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from assistant.cli.commands import cli_approver, cli_context, command, emit
from tools.errors import PolicyBlocked, ToolInputError

WRITES = ("add", "set", "disable", "enable", "rollback")


@command("treatments")
def cmd_treatments(args: argparse.Namespace) -> int:
    """Run one ``cvm treatments`` action."""
    if args.action in WRITES:
        return _write(args)
    from tools import catalogue

    ctx = cli_context()
    if args.action == "show":
        d = catalogue.show_treatment(args.key, ctx)
        emit(args, d.model_dump(mode="json"), _detail(d))
    elif args.action == "history":
        h = catalogue.catalogue_history(ctx, args.limit)
        emit(args, h.model_dump(mode="json"), _history(h))
    else:
        cat = catalogue.list_treatments(ctx)
        emit(args, cat.model_dump(mode="json"), _table(cat))
    return 0


def _write(args: argparse.Namespace) -> int:
    from tools.catalogue_tools import check_change, commit_change

    change = _change(args)
    ctx = cli_context()
    try:
        preview = check_change(change, ctx)
        if not args.yes:
            print(f"Catalogue version {preview.version}: {change.summary()}")
            print("\n".join(preview.changes + preview.problems))
            print(
                "refused: APPROVAL: a catalogue change needs --yes; nothing changed",
                file=sys.stderr,
            )
            return 1
        result = commit_change(
            change, ctx, args.approver or cli_approver(), login=False
        )
    except PolicyBlocked as exc:
        print(f"refused: {exc.rule}: {exc.reason}", file=sys.stderr)
        return 1
    emit(
        args,
        result.model_dump(mode="json"),
        f"Catalogue version {result.version} is in force (was "
        f"{result.previous_version}), approved by {result.approved_by}:\n"
        + "\n".join(result.changes),
    )
    return 0


def _change(args: argparse.Namespace) -> Any:
    from tools.catalogue_changes import CatalogueChange, slug

    common = {"reason": args.reason or "", "force": args.force}
    if args.action == "rollback":
        return CatalogueChange(action="rollback", to_version=args.version, **common)
    if args.action in ("disable", "enable"):
        return CatalogueChange(action=args.action, treatment_key=args.key, **common)
    if args.action == "set":
        return CatalogueChange(
            action="set", treatment_key=args.key, fields=_pairs(args.pairs), **common
        )
    fields = {
        "display_name": args.name,
        "description": args.description,
        "channel": args.channel,
        "purpose": args.purpose,
        "cost": args.cost,
        "base_propensity": args.propensity,
        "max_per_day": args.per_day,
        "daily_budget": args.budget,
        "priority": args.priority,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    if args.when:
        fields["applicable_when"] = [_condition(w) for w in args.when]
    key = args.key or slug(args.name)
    return CatalogueChange(action="add", treatment_key=key, fields=fields, **common)


def _pairs(pairs: list[str]) -> dict[str, Any]:
    """``field=value`` pairs, the values read as YAML (numbers, booleans, lists)."""
    import yaml  # here: `cvm --help` stays light

    out: dict[str, Any] = {}
    for pair in pairs:
        field, sep, text = pair.partition("=")
        if not sep or not field.strip():
            raise ToolInputError(f"'{pair[:60]}' is not field=value")
        try:
            out[field.strip()] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise ToolInputError(
                f"{field.strip()}: '{text[:60]}' is not a value"
            ) from None
    return out


def _condition(text: str) -> dict[str, Any]:
    """``signal:poor_network`` or ``churn_score>=0.3`` as an applicability condition."""
    if text.startswith("signal:"):
        return {"signal": text.removeprefix("signal:").strip()}
    for op in (">=", "<=", "==", ">", "<"):
        metric, sep, value = text.partition(op)
        if sep:
            try:
                number = float(value)
            except ValueError:
                raise ToolInputError(
                    f"--when {text[:60]}: '{value}' is not a number"
                ) from None
            return {"metric": metric.strip(), "op": op, "value": number}
    raise ToolInputError(
        f"--when {text[:60]}: give signal:NAME or METRIC>=NUMBER "
        "(e.g. churn_score>=0.3)"
    )


def _table(cat: Any) -> str:
    rows = [f"Catalogue version {cat.version}"]
    rows.append(
        f"{'key':<22}{'name':<24}{'channel':<8}{'purpose':<10}"
        f"{'cost':>8}{'per day':>9}  state"
    )
    for t in cat.treatments:
        cap = "-" if t.max_per_day is None else f"{t.max_per_day:,}"
        rows.append(
            f"{t.treatment_key[:21]:<22}{t.display_name[:23]:<24}{t.channel:<8}"
            f"{t.purpose:<10}{'£' + format(t.cost, ',.2f'):>8}{cap:>9}  "
            + ("enabled" if t.enabled else "disabled")
        )
    return "\n".join(rows)


def _detail(d: Any) -> str:
    when = "; ".join(
        c.signal or f"{c.metric} {c.op} {c.value:g}" for c in d.applicable_when
    )
    return "\n".join(
        [
            f"{d.display_name} ({d.treatment_key}), catalogue version {d.version}",
            d.description,
            f"{d.channel}, {d.purpose}, £{d.cost:,.2f} a contact, "
            + ("enabled" if d.enabled else "disabled"),
            f"Daily capacity: {d.max_per_day if d.max_per_day is not None else '-'}"
            + (f", budget £{d.daily_budget:,.2f}" if d.daily_budget else ""),
            f"P(accept) prior {d.base_propensity:.2f}; boosts: "
            + (
                ", ".join(f"{k} +{v:.2f}" for k, v in d.propensity_boosts.items())
                or "none"
            ),
            f"Applicable when: {when or 'always'}",
        ]
    )


def _history(h: Any) -> str:
    out = []
    for v in h.versions:
        mark = " (in force)" if v.in_force else ""
        who = f" by {v.created_by}" if v.created_by else ""
        when = f" {v.created_at}" if v.created_at else ""
        out.append(f"v{v.version}{mark}{when}{who}: {v.action} — {v.reason}")
        out.extend(f"    {line}" for line in v.changes)
    return "\n".join(out)


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``cvm treatments ...`` to the ``cvm`` parser."""
    t = add(
        "treatments",
        "the treatment catalogue: list, show, change, history",
        json_flag=False,
    )
    sub = t.add_subparsers(dest="action", required=True)
    leaf = argparse.ArgumentParser(add_help=False)
    leaf.add_argument("--json", action="store_true", help="machine-readable output")
    write = argparse.ArgumentParser(add_help=False, parents=[leaf])
    write.add_argument("--yes", action="store_true", help="approve the change")
    write.add_argument("--reason", help="why (kept with the version)")
    write.add_argument("--approver", help="who approves (default: cli:<user>)")
    write.add_argument(
        "--force",
        action="store_true",
        help="apply a capacity or budget below today's bookings (they stay)",
    )
    sub.add_parser("list", parents=[leaf], help="the catalogue in force")
    sub.add_parser("show", parents=[leaf], help="one treatment").add_argument("key")
    h = sub.add_parser("history", parents=[leaf], help="versions, newest first")
    h.add_argument("--limit", type=int, default=20)
    a = sub.add_parser("add", parents=[write], help="add a treatment (--yes)")
    a.add_argument("--name", required=True, help="display name")
    a.add_argument("--key", help="treatment key (default: from the name)")
    a.add_argument("--description")
    a.add_argument("--channel", required=True)
    a.add_argument("--purpose", required=True)
    a.add_argument("--cost", type=float, required=True, help="pounds per contact")
    a.add_argument("--per-day", type=int, help="daily capacity")
    a.add_argument("--budget", type=float, help="daily budget in pounds")
    a.add_argument("--priority", type=int)
    a.add_argument("--propensity", type=float, help="P(accept) prior (default 0.1)")
    a.add_argument(
        "--when",
        action="append",
        help="applicable when (repeat): signal:NAME or METRIC>=NUMBER",
    )
    s = sub.add_parser("set", parents=[write], help="change fields (--yes)")
    s.add_argument("key")
    s.add_argument("pairs", nargs="+", metavar="field=value")
    for name in ("disable", "enable"):
        sub.add_parser(
            name, parents=[write], help=f"{name} a treatment (--yes)"
        ).add_argument("key")
    r = sub.add_parser("rollback", parents=[write], help="back to a version (--yes)")
    r.add_argument("version", nargs="?", type=int, help="default: the one before")
