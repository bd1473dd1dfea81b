"""Decision logs: what was scored, what each rule said, what was chosen.

INFO lines carry treatment keys, counts, rule ids, the chosen action's P(accept)
(learned from outcomes when any, :mod:`tools.kernel.learned`) and the probability
the action had under the policy in force (``policy_p``), only; the customer id and the
per-treatment detail (P(accept), value at risk, cost, expected value, every rule's
verdict) are logged at DEBUG, never above. Nothing here logs names, transcripts or
other customer text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.recommendation import ExcludedTreatment, RankedTreatment
    from tools.rule_verdicts import RuleVerdict

log = logging.getLogger("tools.decisions")
# The probability the chosen action had under the policy in force: a
# recommendation picks the best expected value (no exploration), so 1. Plans may
# explore (learning.exploration) and log each planned action's own policy_p
# (tools.planning.explore).
POLICY_P = 1.0


def verdicts_text(verdicts: Iterable[RuleVerdict]) -> str:
    """Rule verdicts as ``RULE=ok|FAIL`` pairs (ids only, no reasons)."""
    return " ".join(f"{v.rule}={'ok' if v.passed else 'FAIL'}" for v in verdicts)


def log_ranking(
    what: str,
    customer_id: str,
    ranked: list[RankedTreatment],
    excluded: list[ExcludedTreatment],
    chosen: str | None,
    catalogue_version: int,
) -> None:
    """Log one ranking decision (recommend or alternative).

    Args:
        what: The decision's name, e.g. ``recommend`` or ``alternative``.
        customer_id: Whose decision it is (logged at DEBUG only).
        ranked: The lawful, applicable treatments, best first.
        excluded: The treatments kept out, with their rule ids.
        chosen: The treatment key chosen (None if nothing was).
        catalogue_version: The treatment catalogue version decided on.
    """
    p_accept = next(
        (r.score.propensity for r in ranked if r.treatment_key == chosen), None
    )
    log.info(
        "%s chosen=%s p_accept=%s policy_p=%s ranked=%d excluded=%d catalogue=v%d",
        what,
        chosen,
        "-" if p_accept is None else f"{p_accept:.3f}",
        "-" if chosen is None else f"{POLICY_P:.3f}",
        len(ranked),
        len(excluded),
        catalogue_version,
    )
    if not log.isEnabledFor(logging.DEBUG):
        return
    scores = "; ".join(
        f"{r.treatment_key} ev={r.score.expected_value:.2f} "
        f"p={r.score.propensity:.3f} ({r.score.propensity_source}) "
        f"v={r.score.value:.2f} cost={r.score.cost:.2f}"
        for r in ranked
    )
    out = "; ".join(
        f"{e.treatment_key} {'hard' if e.hard else 'soft'} "
        f"{','.join(x.rule for x in e.exclusions)}"
        for e in excluded
    )
    log.debug(
        "%s customer=%s chosen=%s scores=[%s] excluded=[%s]",
        what,
        customer_id,
        chosen,
        scores,
        out,
    )


def log_booking(
    customer_id: str,
    treatment_key: str,
    verdicts: Iterable[RuleVerdict],
    booked: bool,
    catalogue_version: int,
) -> None:
    """Log the rules' verdicts on one booking at commit time (DEBUG).

    With the treatment catalogue version the booking was judged on.
    """
    if not log.isEnabledFor(logging.DEBUG):  # a plan books thousands at once
        return
    log.debug(
        "allocate customer=%s treatment=%s decision=%s catalogue=v%d verdicts=[%s]",
        customer_id,
        treatment_key,
        "booked" if booked else "refused",
        catalogue_version,
        verdicts_text(verdicts),
    )
