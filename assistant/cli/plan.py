"""``cvm plan`` and ``cvm book-plan``: the day's campaign plan from a shell."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from assistant.cli.commands import cli_approver, cli_context, command
from assistant.cli.engine_flags import add_engine_arguments
from tools.errors import CVMError, PolicyBlocked, ToolInputError


def _number(what: str, text: str, kind: Any) -> Any:
    """A flag's value as the field type it sets (``inf`` and ``nan`` refused).

    Raises:
        ToolInputError: One line naming the flag, the value and the problem.
    """
    from pydantic import TypeAdapter, ValidationError  # here: `cvm --help` stays light

    try:
        return TypeAdapter(kind).validate_python(text.strip())
    except ValidationError as exc:
        problem = str(exc.errors()[0]["msg"]).lower()
        raise ToolInputError(f"{what} {text[:40]!r}: {problem}") from None


def _pairs(items: list[str] | None, what: str, kind: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ToolInputError(f"{what} {item!r}: expected KEY=VALUE")
        out[key.strip()] = _number(f"{what} {key.strip()}", value, kind)
    return out


def _scope(items: list[str] | None) -> dict[str, list[str]]:
    names = {"customers", "treatments", "channels", "purposes"}
    out: dict[str, list[str]] = {}
    for key, value in _pairs(items, "--scope", str).items():
        if key not in names:
            raise ToolInputError(
                f"--scope {key}: expected one of {', '.join(sorted(names))}"
            )
        out[key] = [v.strip() for v in value.split(",") if v.strip()]
    return out


def plan_text(plan: Any) -> str:
    """A plan as a few lines of plain text."""
    lines = [
        f"plan {plan.plan_id} for {plan.day}: {plan.assigned:,} of "
        f"{plan.customers:,} customers, expected value £{plan.expected_value:,.2f} "
        f"(bound £{plan.upper_bound:,.2f}, gap {plan.gap:.3%}, {plan.solver})",
        f"  first-come booking £{plan.baselines.first_come:,.2f}, greedy by EV "
        f"£{plan.baselines.greedy_by_value:,.2f}",
    ]
    if plan.arms is not None:
        a = plan.arms
        lines.append(
            f"  held out (no contact) {a.held_out:,} ({a.holdout_share:.1%}); "
            f"challenger {a.challenger} {a.challenger_assigned:,} "
            f"({a.challenger_share:.1%})"
        )
    for key, line in plan.by_treatment.items():
        if line.count or line.shadow_price:
            cap = "unlimited" if line.capacity is None else f"{line.capacity:,}"
            lines.append(
                f"  {key:<20} {line.count:>7,} of {cap:>9}  £{line.value:>11,.2f}"
                f"  one more slot £{line.shadow_price:,.2f}"
            )
    return "\n".join(lines)


@command("plan")
def cmd_plan(args: argparse.Namespace) -> int:
    """Plan the day's campaign across the base."""
    from pydantic import ValidationError

    from tools.fields import Amount, Count
    from tools.planning.export import export_assignment, export_candidates
    from tools.planning.plan import make_plan, plan_store
    from tools.planning.request import PlanRequest

    for path in (args.export, args.out):
        if path and not path.lower().endswith((".csv", ".parquet")):
            raise ToolInputError(f"{path}: export to a .csv or .parquet file")
    budget = None if args.budget is None else _number("--budget", args.budget, Amount)
    raw = {
        "day": args.date,
        "scope": _scope(args.scope),
        "capacity": _pairs(args.capacity, "--capacity", Count),
        "without_channels": args.without_channel or [],
        "budget": budget,
        "channel_budgets": _pairs(args.channel_budget, "--channel-budget", Amount),
    }
    try:
        request = PlanRequest.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]).replace("day", "date", 1)
        raise ToolInputError(f"--{where}: {err['msg']}") from None
    ctx = cli_context()
    if args.among:  # a list found in chat ("plan for those"), read again now
        from tools.planning.tools import scope_among

        scope = scope_among(args.among, request.scope, ctx)
        request = request.model_copy(update={"scope": scope})
    say = None if args.json else (lambda line: print(f"… {line}", file=sys.stderr))
    if args.engine == "ray":
        plan = _plan_on_ray(args, request, ctx)
    else:
        outcome = make_plan(request, ctx, method=args.method, progress=say)
        plan = outcome.plan
        if args.export:
            n = export_candidates(outcome.candidates.problem, args.export)
            print(f"wrote {n:,} candidate pairs to {args.export}", file=sys.stderr)
    if args.out:
        n = export_assignment(plan_store(ctx).rows(plan.plan_id), args.out)
        print(f"wrote {n:,} planned bookings to {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps(plan.summary(), indent=2))
    else:
        print(plan_text(plan))
    return 0


def _plan_on_ray(args: argparse.Namespace, request: Any, ctx: Any) -> Any:
    """The plan made with shards on Ray (``--engine ray``)."""
    if args.export:
        raise ToolInputError("--export: the candidate pairs stay in the shards on Ray")
    from tools.engines.ray_plan import plan_on_ray

    return plan_on_ray(
        ctx,
        request,
        address=args.ray_address,
        shards=args.shards,
        shard_dir=args.shard_dir,
        method=args.method,
    ).plan


def _second_approval_missing(args: argparse.Namespace) -> str | None:
    """The refusal of a big plan booked without ``--confirm-plan ID`` (else None)."""
    from tools.planning.big_plan import big_plan_reason
    from tools.planning.store import plan_store

    ctx = cli_context()
    try:
        plan = plan_store(ctx).get(args.plan_id.strip().upper())
    except CVMError:
        return None  # book_plan names the missing plan
    big = big_plan_reason(plan, ctx.config)
    typed = (args.confirm_plan or "").strip().upper()
    if big and typed != plan.plan_id:
        return (
            f"refused: SECOND-APPROVAL: plan {plan.plan_id} is big ({big}): "
            f"add --confirm-plan {plan.plan_id} to confirm it"
        )
    return None


@command("book-plan")
def cmd_book_plan(args: argparse.Namespace) -> int:
    """Book a stored plan (needs --yes: the analyst's approval of that plan id)."""
    from tools.planning.booking import book_plan

    if not args.yes:
        print(
            f"refused: APPROVAL: add --yes to approve booking plan {args.plan_id}",
            file=sys.stderr,
        )
        return 1
    refused = _second_approval_missing(args)
    if refused:
        print(refused, file=sys.stderr)
        return 1
    try:
        report = book_plan(args.plan_id, args.approver or cli_approver(), cli_context())
    except PolicyBlocked as exc:  # the whole plan: HYPOTHETICAL, PAST-DAY
        print(f"refused: {exc.rule}: {exc.reason}", file=sys.stderr)
        return 1
    refused = ", ".join(f"{n} {rule}" for rule, n in report.refused.items()) or "none"
    text = (
        f"plan {report.plan_id}: booked {report.booked:,}, already booked "
        f"{report.already_booked:,}, refused {refused} ({report.seconds:.1f} s)"
    )
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        print(text)
    return 0


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``plan`` and ``book-plan`` to the ``cvm`` parser."""
    p = add("plan", "plan today's campaign: the best use of capacity across the base")
    p.add_argument("--date", help="the plan's day (YYYY-MM-DD, default today)")
    p.add_argument(
        "--scope",
        action="append",
        metavar="KEY=V1,V2",
        help="customers=…, treatments=…, channels=… or purposes=… (repeatable)",
    )
    p.add_argument(
        "--capacity", action="append", metavar="KEY=N", help="set a daily capacity"
    )
    p.add_argument(
        "--without-channel",
        action="append",
        choices=["call", "sms", "email", "push", "app"],
        help="leave a channel out",
    )
    p.add_argument("--budget", help="total budget for the plan, pounds")
    p.add_argument(
        "--among",
        metavar="LIST_ID",
        help="only the customers of a list found in chat (L…, as `export list`)",
    )
    p.add_argument(
        "--channel-budget", action="append", metavar="CH=B", help="budget per channel"
    )
    p.add_argument("--export", help="write every lawful candidate pair (.csv/.parquet)")
    p.add_argument("--out", help="write the planned bookings (.csv/.parquet)")
    p.add_argument("--method", choices=["auto", "exact", "lagrangian"], default="auto")
    add_engine_arguments(p)
    b = add("book-plan", "book a stored plan (needs --yes)")
    b.add_argument("plan_id")
    b.add_argument("--approver")
    b.add_argument("--yes", action="store_true", help="approve booking this plan")
    b.add_argument(
        "--confirm-plan",
        metavar="ID",
        help="the plan id again: required for a plan above config big_plan",
    )
