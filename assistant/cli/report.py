"""``cvm report [--since D] [--json]``: how treatments did, from recorded outcomes.

Acceptance (accepted of reached, with its 95% Wilson interval), what the policy
expected (calibration) and realised value, per treatment, segment, channel and plan.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from assistant.cli.commands import cli_context, command, emit

if TYPE_CHECKING:
    from tools.outcomes_arms import ArmReport, Uplift


def _rate(rate: float | None, ci: tuple[float, float] | None) -> str:
    if rate is None or ci is None:
        return f"{'-':>6} {'':>15}"
    return f"{rate:>6.1%} [{ci[0]:>5.1%}, {ci[1]:>5.1%}]"


def arms_lines(arms: ArmReport) -> list[str]:
    """Champion vs challenger of the plans, and the holdout, as text lines."""
    lines = [
        f"by arm ({arms.plans} plan(s); {arms.held_out:,} customers held out):",
        f"  {'':<28} {'reached':>8} {'accepted':>8} {'rate':>6} {'95% CI':>15} "
        f"{'expected':>8} {'£/reached':>10}",
    ]
    for a in arms.arms:
        expected = f"{a.expected_rate:.1%}" if a.expected_rate is not None else "-"
        per = f"{a.value_per_reached:,.2f}" if a.value_per_reached is not None else "-"
        lines.append(
            f"  {a.arm:<28} {a.reached:>8,} {a.accepted:>8,} "
            f"{_rate(a.rate, a.ci95)} {expected:>8} {per:>10}"
        )
    lines.append(
        _uplift_line("champion vs challenger", arms.champion_vs_challenger, "reached")
    )
    if arms.held_out_measured:
        lines.append(
            _uplift_line("treated vs held out", arms.treated_vs_held_out, "customer")
        )
        lines.append(
            f"  ({arms.held_out_measured:,} held out measured: {arms.holdout_note})"
        )
    else:
        lines.append(f"  treated vs held out: {arms.holdout_note}")
    return lines


def _uplift_line(what: str, u: Uplift | None, unit: str) -> str:
    if u is None:
        return f"  {what}: too few outcomes in a group"
    value = ""
    if u.value_diff is not None:
        value = f"value £{u.value_diff:+,.2f} per {unit}"
    if u.value_ci95 is not None:
        value += f" [{u.value_ci95[0]:+,.2f}, {u.value_ci95[1]:+,.2f}]"
    return (
        f"  {what}: acceptance {u.rate_diff:+.1%} "
        f"[{u.rate_ci95[0]:+.1%}, {u.rate_ci95[1]:+.1%}] (95%); {value}"
    )


@command("report")
def cmd_report(args: argparse.Namespace) -> int:
    """Print acceptance and realised value per treatment, segment, channel, plan."""
    from tools.outcomes_report import DIMENSIONS, outcome_report

    r = outcome_report(
        cli_context(), since=args.since, treatment_key=args.treatment_key
    )
    span = f"from {r.since} " if r.since else ""
    lines = [
        f"Outcomes {span}to {r.until}: {r.total.outcomes:,} recorded, "
        f"{r.total.reached:,} reached, {r.total.accepted:,} accepted",
    ]
    head = (
        f"  {'':<28} {'reached':>8} {'accepted':>8} {'rate':>6} {'95% CI':>15} "
        f"{'expected':>8} {'value £':>10}"
    )
    for dim in DIMENSIONS:
        lines += ["", f"by {dim}:", head]
        for row in r.by[dim]:
            expected = (
                f"{row.expected_rate:.1%}" if row.expected_rate is not None else "-"
            )
            lines.append(
                f"  {row.label[:28]:<28} {row.reached:>8,} {row.accepted:>8,} "
                f"{_rate(row.rate, row.ci95)} {expected:>8} "
                f"{row.realised_value:>10,.2f}"
            )
    if r.arms is not None:
        lines += ["", *arms_lines(r.arms)]
    emit(args, r.model_dump(mode="json"), "\n".join(lines))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not YYYY-MM-DD") from None


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add report to ``cvm``."""
    p = add("report", "acceptance and realised value from recorded outcomes")
    p.add_argument("--since", type=_day, help="outcomes dated from this day")
    p.add_argument("--treatment-key", help="only this treatment")
