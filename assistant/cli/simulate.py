"""``cvm simulate``: the policies compared on a generated population (issue 19).

``simulate --customers N --days D --policy ours --policy seed-rules --policy random
[--seed S] [--epsilon E] [--json]`` runs each policy day by day against a hidden true
response model (:mod:`tools.simulation`) and prints the realised value of each with
its 95% interval, the calibration error of ours' learned P(accept), and, with
exploration on (``--epsilon``), the off-policy estimate of ours without exploration
against the simulated truth.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.commands import command, emit
from tools.errors import ToolInputError

if TYPE_CHECKING:
    from tools.config import CVMConfig
    from tools.learning_config import Experiment
    from tools.simulation.experiment import LedgerRun

POLICY_NAMES = ("ours", "seed-rules", "random")


def _pounds(x: float) -> str:
    """Whole pounds, a leading minus when negative (as views.text.money)."""
    return f"-£{-x:,.0f}" if x < 0 else f"£{x:,.0f}"


def _text(r: object) -> str:
    from tools.simulation.run import Result

    assert isinstance(r, Result)
    s = r.settings
    lines = [
        f"Simulated {s.customers:,} customers over {s.days} days (seed {s.seed}); "
        "realised value (95% CI):"
    ]
    width = max(len(n) for n in r.policies)
    for name, p in r.policies.items():
        lines.append(
            f"  {name:<{width}}  {_pounds(p.value):>12}  "
            f"[{_pounds(p.ci95[0])} – {_pounds(p.ci95[1])}]  "
            f"{p.contacts:,} contacts, {p.accepted:,} accepted"
        )
    if r.calibration_error is not None:
        first = r.calibration_by_day[0] if r.calibration_by_day else float("nan")
        lines.append(
            f"Calibration of ours' learned P(accept), last 7 days: ECE "
            f"{r.calibration_error:.3f} (against the hidden truth "
            f"{r.calibration_error_true:.3f}; day 1: {first:.3f})"
        )
    if r.off_policy is not None:
        o, got, exp = r.off_policy, r.off_policy.realised, r.off_policy.expected
        lines.append(
            f"Off-policy ({o.method}, exploration {s.epsilon:.2f}): {o.target} "
            f"estimated {_pounds(o.estimate)}; what it would have earned "
            f"[{_pounds(got.ci95[0])} – {_pounds(got.ci95[1])}], simulated "
            f"{_pounds(got.truth)} ({'inside' if got.covered else 'outside'}); its "
            f"expected value [{_pounds(exp.ci95[0])} – {_pounds(exp.ci95[1])}], "
            f"simulated {_pounds(exp.truth)} "
            f"({'inside' if exp.covered else 'outside'})"
        )
    elif r.off_policy_refused is not None:
        lines.append(f"Off-policy: not estimated: {r.off_policy_refused}.")
    lines.append(f"Ran in {r.seconds:.1f} s.")
    return "\n".join(lines)


@command("simulate")
def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the simulation and print the comparison."""
    from pydantic import ValidationError

    from tools.config import get_config
    from tools.context import ToolContext
    from tools.ledger.days import ledger_day
    from tools.simulation.experiment import simulate_to_ledger
    from tools.simulation.population import generated
    from tools.simulation.run import Settings, simulate

    try:
        settings = Settings(
            customers=args.customers,
            days=args.days,
            policies=tuple(args.policy or POLICY_NAMES),
            seed=args.seed,
            epsilon=args.epsilon,
        )
    except ValidationError as exc:
        e = exc.errors()[0]
        raise ToolInputError(f"--{e['loc'][0]}: {e['msg']}") from None
    config = get_config()
    if args.ledger is None:
        r = simulate(settings, config)
        emit(args, r.model_dump(mode="json"), _text(r))
        return 0
    experiment = _experiment(args, config)
    ctx = ToolContext.create(config, state_dir=args.ledger)
    pop = generated(settings.customers, settings.seed, config)
    r = simulate(settings, config, pop)
    run = simulate_to_ledger(
        pop,
        Path(args.ledger),
        experiment,
        ledger_day(ctx.config, ctx.now()),
        days=settings.days,
        seed=settings.seed,
    )
    data = {**r.model_dump(mode="json"), "ledger": run.model_dump(mode="json")}
    emit(args, data, _text(r) + "\n" + _ledger_text(run))
    return 0


def _experiment(args: argparse.Namespace, config: CVMConfig) -> Experiment:
    from pydantic import ValidationError

    from tools.learning_config import Experiment

    try:
        return Experiment(
            holdout_share=(
                config.experiment.holdout_share
                if args.holdout_share is None
                else args.holdout_share
            ),
            challenger_share=args.challenger_share,
        )
    except ValidationError as exc:
        e = exc.errors()[0]
        name = str(e["loc"][0]).replace("_", "-")
        raise ToolInputError(f"--{name}: {e['msg']}") from None


def _ledger_text(run: LedgerRun) -> str:
    return (
        f"Left in the ledger at {run.ledger}: {run.plans} daily plans "
        f"{run.first_day} to {run.last_day} (held out {run.holdout_share:.0%}, "
        f"challenger seed-rules {run.challenger_share:.0%}): {run.bookings:,} "
        f"bookings with outcomes ({run.accepted:,} accepted), {run.held_out:,} "
        "customers held out with their no-contact outcome. "
        "Read it with: CVM_STATE_DIR=<that dir> cvm report"
    )


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``cvm simulate`` to the ``cvm`` parser."""
    p = add("simulate", "compare policies on a generated population")
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--days", type=int, default=60)
    p.add_argument(
        "--policy",
        action="append",
        choices=POLICY_NAMES,
        help="a policy to run (repeat; default: all three)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--epsilon",
        type=float,
        default=0.0,
        help="ours' exploration share (0 = off); on, the run also evaluates "
        "ours without exploration off-policy",
    )
    p.add_argument(
        "--ledger",
        metavar="DIR",
        help="also run a month of plans with control groups (ours as champion, "
        "seed-rules as challenger, a random holdout) and leave its plans, bookings "
        "and outcomes in the ledger of state dir DIR, for CVM_STATE_DIR=DIR cvm report",
    )
    p.add_argument(
        "--holdout-share",
        type=float,
        help="with --ledger: the share held out (default: the configuration's)",
    )
    p.add_argument(
        "--challenger-share",
        type=float,
        default=0.2,
        help="with --ledger: the share planned by seed-rules (default 0.2)",
    )
