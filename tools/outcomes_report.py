"""How treatments did: acceptance and realised value from recorded outcomes.

:func:`outcome_report` reads the ledger's outcomes (aggregated by the store,
:meth:`tools.ledger.outcomes.OutcomeVerbs.outcome_groups`) dated from ``since`` and
groups them by treatment, segment (the learning cells' CVM grid: value band x churn
band), channel and plan. Per group: the outcomes, the customers reached (an
unreachable one is no trial), the acceptances, the acceptance rate with its 95%
Wilson score interval, the realised value, and the P(accept) the policy expected
for those bookings (expected vs realised acceptance: calibration).

The Wilson interval comes from statsmodels (:mod:`tools.outcomes_stats`); the arms
of plans (champion, challenger, held out) and the uplift between them from
:mod:`tools.outcomes_arms`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Literal

from pydantic import Field

from tools.config import CVMConfig
from tools.context import ToolContext
from tools.errors import ToolInputError
from tools.lazy_model import LazyModel
from tools.learning import segment_label
from tools.ledger.days import ledger_day
from tools.ledger.outcomes import TRIAL_STATUSES, OutcomeGroup
from tools.outcomes_arms import ArmReport, arm_report
from tools.outcomes_stats import wilson

DIMENSIONS = ("treatment", "segment", "channel", "plan")
Period = Literal[
    "today", "yesterday", "last_7_days", "last_30_days", "this_month", "last_month"
]


def period_days(period: Period, today: date) -> tuple[date, date]:
    """The first and last day of a named period ending no later than ``today``."""
    if period == "today":
        return today, today
    if period == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if period == "last_7_days":
        return today - timedelta(days=6), today
    if period == "last_30_days":
        return today - timedelta(days=29), today
    first = today.replace(day=1)
    if period == "this_month":
        return first, today
    end = first - timedelta(days=1)
    return end.replace(day=1), end


class ReportRow(LazyModel):
    """One group's outcomes."""

    key: str = Field(description="The treatment key, segment, channel or plan id.")
    label: str
    outcomes: int = Field(description="Outcomes recorded (every status).")
    reached: int = Field(description="Trials: accepted, declined or no response.")
    accepted: int
    declined: int
    no_response: int
    unreachable: int
    rate: float | None = Field(description="accepted / reached (None: no trial).")
    ci95: tuple[float, float] | None = Field(description="Wilson 95% interval.")
    expected_rate: float | None = Field(
        description="Mean P(accept) the policy gave the reached bookings."
    )
    realised_value: float = Field(description="Realised value summed, pounds.")
    valued: int = Field(description="Outcomes with a realised value.")


class OutcomeReport(LazyModel):
    """Acceptance and realised value per treatment, segment, channel and plan."""

    since: date | None
    until: date
    total: ReportRow
    by: dict[str, list[ReportRow]] = Field(
        description="treatment, segment, channel, plan -> rows, most reached first."
    )
    treatment_key: str | None = None
    channel: str | None = None
    arms: ArmReport | None = Field(
        None, description="Champion vs challenger of plans (unfiltered reports)."
    )


def _row(key: str, label: str, groups: Iterable[OutcomeGroup]) -> ReportRow:
    counts = dict.fromkeys(("accepted", "declined", "no_response", "unreachable"), 0)
    value, valued, expected = 0.0, 0, 0.0
    for g in groups:
        counts[g.status] += g.count
        value += g.value
        valued += g.valued
        expected += g.p_expected if g.status in TRIAL_STATUSES else 0.0
    reached = counts["accepted"] + counts["declined"] + counts["no_response"]
    rate = counts["accepted"] / reached if reached else None
    low, high = wilson(counts["accepted"], reached)
    return ReportRow(
        key=key,
        label=label,
        outcomes=sum(counts.values()),
        reached=reached,
        rate=None if rate is None else round(rate, 4),
        ci95=(round(low, 4), round(high, 4)) if reached else None,
        expected_rate=round(expected / reached, 4) if reached else None,
        realised_value=round(value, 2),
        valued=valued,
        **counts,
    )


def _by(
    groups: list[OutcomeGroup],
    key: Callable[[OutcomeGroup], str],
    label: Callable[[str], str],
) -> list[ReportRow]:
    keys: dict[str, list[OutcomeGroup]] = {}
    for g in groups:
        keys.setdefault(key(g), []).append(g)
    rows = [_row(k, label(k), gs) for k, gs in keys.items()]
    return sorted(rows, key=lambda r: (-r.reached, -r.outcomes, r.key))


class ReportArgs(LazyModel):
    """Which outcomes to report on."""

    since: date | None = Field(None, description="From this day (None: all).")
    period: Period | None = Field(
        None, description="A named period instead of since (e.g. last_month)."
    )
    treatment_key: str | None = Field(None, description="Only this treatment.")
    channel: str | None = Field(None, description="Only this channel (sms, call...).")


def outcome_report(
    ctx: ToolContext,
    since: date | None = None,
    period: Period | None = None,
    treatment_key: str | None = None,
    channel: str | None = None,
) -> OutcomeReport:
    """How treatments did: acceptance rate (95% interval) and realised value.

    From recorded outcomes, per treatment, segment, channel and plan, with the
    acceptance the policy expected (calibration). For 'what's the take-up on data
    boosts?', 'how did retention SMS do last month?'.

    Args:
        ctx: Configuration, ledger and clock.
        since: Outcomes dated from this day (None: every outcome).
        period: A named period (overrides ``since``).
        treatment_key: Only this treatment's outcomes.
        channel: Only outcomes of bookings on this channel.

    Raises:
        ToolInputError: ``since`` is after today, or the treatment is unknown.
    """
    config = ctx.config
    today = ledger_day(config, ctx.now())
    until = today
    if period is not None:
        since, until = period_days(period, today)
    if since is not None and since > today:
        raise ToolInputError(f"since {since} is after today ({today})")
    if treatment_key is not None:
        config.treatment(treatment_key)
    groups = [
        g
        for g in ctx.ledger.outcome_groups(since, until)
        if (treatment_key is None or g.treatment_key == treatment_key)
        and (channel is None or g.channel == channel)
    ]
    return OutcomeReport(
        since=since,
        until=until,
        total=_row("all", "all outcomes", groups),
        by=_breakdowns(config, groups),
        treatment_key=treatment_key,
        channel=channel,
        arms=_arms(ctx, groups, since, until, treatment_key or channel),
    )


def _breakdowns(
    config: CVMConfig, groups: list[OutcomeGroup]
) -> dict[str, list[ReportRow]]:
    """The outcomes per treatment, segment, channel and plan."""
    names = {k: t.display_name for k, t in config.treatments.items()}
    return {
        "treatment": _by(groups, lambda g: g.treatment_key, lambda k: names.get(k, k)),
        "segment": _by(
            groups, lambda g: segment_label(g.value_level, g.churn_level), str
        ),
        "channel": _by(groups, lambda g: g.channel, str),
        "plan": _by(
            groups,
            lambda g: g.plan_id or "-",
            lambda k: "booked one by one" if k == "-" else f"plan {k}",
        ),
    }


def _arms(
    ctx: ToolContext,
    groups: list[OutcomeGroup],
    since: date | None,
    until: date,
    filtered: str | None,
) -> ArmReport | None:
    plans = {g.plan_id for g in groups if g.plan_id}
    if filtered or not plans:
        return None
    return arm_report(ctx.ledger, plans, since, until)
