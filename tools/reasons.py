"""Why a treatment scores what it does: P's making and the reasons, each dated.

The kernel (:mod:`tools.kernel`) decides every number; this module words them for one
customer (:class:`tools.assess.Assessment`), citing only what the decision used: the
live offer the kernel chose (never an expired, declined or accepted one), the signals
within their recency windows, the open problem a treatment fixes and the stated needs
it meets, the churn score behind the value at risk, and today's bookings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tools.assess import Assessment
from tools.config import NO_ACTION, CVMConfig, Treatment
from tools.customer import Offer
from tools.learning import learned_step
from tools.recommendation import BookedToday, ScoreBreakdown
from tools.rule_verdicts import TreatmentVerdict
from tools.signals import Insight

BASELINE = NO_ACTION


def offer_for(a: Assessment, j: int) -> Offer | None:
    """The live offer the kernel used for treatment ``j`` (None: none entered P)."""
    pos = int(a.decisions.offer_pos[0, j])
    return a.customer.offers[pos] if 0 <= pos < len(a.customer.offers) else None


def _declined_on(a: Assessment, key: str) -> date | None:
    """When the customer last declined an offer of ``key`` (within its cool-off)."""
    found = [
        o.date
        for o in a.customer.offers
        if o.treatment == key and o.status == "declined"
    ]
    return max(found, default=None)


def score(
    key: str, a: Assessment, insights: Mapping[str, Insight], config: CVMConfig
) -> tuple[ScoreBreakdown, Offer | None]:
    """The kernel's P, V, cost and EV for one treatment, with how P was made."""
    d = a.decisions
    j = d.treatments.index(key)
    numbers = {
        "propensity": float(d.propensity[0, j]),
        "value": round(float(d.value_at_risk[0] + d.need_value[0, j]), 2),
        "cost": float(d.cost[j]),
        "expected_value": float(d.expected_value[0, j]),
    }
    if key == BASELINE:
        return ScoreBreakdown(propensity_source="no-action baseline", **numbers), None
    journey = float(d.p_journey[0, j])
    steps = [f"journey {journey:.2f}"]
    offer = offer_for(a, j) if d.from_offer[0, j] else None
    recommender = None if offer is None else float(d.p_offer[0, j])
    if recommender is not None:
        w = config.decisions.offers.recommender_weight
        combined = w * recommender + (1 - w) * journey
        steps[0] += f", recommender {recommender:.2f} → {combined:.2f}"
    if d.declined[0, j]:
        factor = config.decisions.offers.declined_factor
        steps.append(f"declined {_declined_on(a, key)} ×{factor:g}")
    gains = _gains(key, a, insights, config)
    steps += [f"{why} +{g:.2f}" for g, why in gains]
    learned = learned_step(d, 0, j, config)  # outcomes recorded in its cell
    steps += [learned] if learned else []
    breakdown = ScoreBreakdown(
        propensity_source="; ".join(steps),
        journey_propensity=round(journey, 3),
        recommender_propensity=recommender,
        **numbers,
    )
    return breakdown, offer


def _gains(
    key: str, a: Assessment, insights: Mapping[str, Insight], config: CVMConfig
) -> list[tuple[float, str]]:
    """The kernel's P gains for ``key``: the open problem it fixes, needs it meets."""
    d = a.decisions
    out: list[tuple[float, str]] = []
    fixed = [
        (p.gain, p.label)
        for k, (name, p) in enumerate(config.decisions.suitability.items())
        if d.problems[0, k]
        and key in p.addressed_by
        and p.gain
        and not any(s in insights for s in p.in_hand)
    ]
    if fixed:
        gain, label = max(fixed)
        out.append((gain, "service first"))
    met = [
        (need.gain, f"meets stated need {need.label}")
        for need in config.decisions.needs.values()
        if key in need.met_by and need.signal in insights and need.gain
    ]
    if met:  # the largest counts (the kernel's rule)
        out.append(max(met, key=lambda g: g[0]))
    return out


MAX_REASONS = 5


def reasons(
    key: str,
    a: Assessment,
    insights: Mapping[str, Insight],
    offer: Offer | None,
    verdict: TreatmentVerdict,
    config: CVMConfig,
    booked: list[BookedToday] | None = None,
) -> list[str]:
    """Two to five reasons, each dated, each one the decision used.

    First what the treatment is for (the open problem it fixes, the stated needs
    it meets with the live offer that meets them), then the material facts an
    analyst must not miss (``decisions.material_signals``: a deadline, a visit
    already booked, financial difficulty, overage charges) and what waits while a
    problem is open, then the recommender's offer, the signals behind P and the
    value at risk.
    """
    t = config.treatments[key]
    at_risk = _at_risk(a, config)
    if key == BASELINE:
        first = [
            f"Already booked today: {b.display_name} (#{b.allocation_id}, {b.day})"
            for b in booked or []
        ] or ["No contact: the baseline every action has to beat (expected value £0)"]
        return [*first[:3], *material(a, insights, config)[:1], at_risk]
    out = _why(key, a, insights, config)
    out += [m for m in material(a, insights, config) if not _quoted(m, out)]
    if offer:
        until = f" to {offer.expires}" if offer.expires else ""
        out.append(
            f"Recommender offer '{offer.name}' (live {offer.date}{until}; "
            f"the recommender's prior {offer.acceptance_probability:.0%})"
        )
    out += on_hold(key, a, insights, config)
    _add_boosting_signals(out, t, insights)
    out = out[: MAX_REASONS - 1] + [at_risk]
    consent = next(v for v in verdict.verdicts if v.rule == "CONSENT")
    if len(out) < 4 and t.channel != "none":
        out.append(consent.reason[0].upper() + consent.reason[1:])
    return out[:MAX_REASONS]


def _at_risk(a: Assessment, config: CVMConfig) -> str:
    """The value-at-risk reason: the churn score, when it was scored, £ at risk."""
    churn = a.customer.churn
    value = float(a.decisions.value_at_risk[0])
    when = f"{churn.scored_on}"
    if a.as_of and churn.scored_on > a.as_of:  # the one score the store holds
        when += f", after the data's as-of date {a.as_of}: the only score held"
    return (
        f"Churn score {churn.score:.2f} ({when}): £{value:.0f} "
        f"of {config.value.horizon_months}-month margin at risk"
    )


def _add_boosting_signals(
    out: list[str], t: Treatment, insights: Mapping[str, Insight]
) -> None:
    """Add the signals behind P to ``out``, largest boost first, while room is left.

    High churn risk is left to the value-at-risk reason; a signal whose evidence
    ``out`` quotes already is not repeated.
    """
    ranked = sorted(
        (
            (b, s)
            for s, b in t.propensity_boosts.items()
            if s in insights and s != "high_churn_risk"
        ),
        reverse=True,
    )
    for _, signal in ranked:
        line = f"{signal.replace('_', ' ').capitalize()}: {insights[signal].evidence}"
        if len(out) < MAX_REASONS - 1 and not _quoted(line, out):
            out.append(line)


def _quoted(line: str, out: list[str]) -> bool:
    """Whether the evidence of ``line`` is quoted already by a reason of ``out``."""
    evidence = line.split(": ", 1)[-1]
    return any(evidence in r for r in out)


def material(
    a: Assessment, insights: Mapping[str, Insight], config: CVMConfig
) -> list[str]:
    """The facts a reason must never leave out (``decisions.material_signals``)."""
    said = config.decisions.interaction_signals
    out = []
    for signal in config.decisions.material_signals:
        if signal not in insights:
            continue
        i = insights[signal]
        if signal in said and i.quote:
            label = said[signal].label
            out.append(f"{label[0].upper()}{label[1:]} ({i.latest}): '{i.quote}'")
        else:
            out.append(f"{signal.replace('_', ' ').capitalize()}: {i.evidence}")
    return out


def _need_offer(a: Assessment, kinds: list[str]) -> Offer | None:
    """The live offer of one of ``kinds`` worth most (the kernel's need value)."""
    held = {o.name.strip().lower() for o in a.customer.offers if o.status == "accepted"}
    held.add(a.customer.plan.name.strip().lower())
    live = [
        o
        for o in a.customer.offers
        if o.kind in kinds
        and o.status in ("open", "pending")
        and (a.as_of is None or o.expires is None or o.expires >= a.as_of)
        and o.name.strip().lower() not in held
    ]
    return max(live, key=lambda o: o.value or 0.0, default=None)


def _offer_text(o: Offer, config: CVMConfig) -> str:
    until = f" to {o.expires}" if o.expires else ""
    margin = (o.value or 0.0) * config.value.margin_rate
    return f"live offer '{o.name}' ({o.date}{until}, £{margin:.0f} margin)"


def _why(
    key: str, a: Assessment, insights: Mapping[str, Insight], config: CVMConfig
) -> list[str]:
    """The open problems ``key`` fixes and the stated needs it meets, with dates."""
    out = []
    problems = dict(zip(a.decisions.problem_keys, a.decisions.problems[0], strict=True))
    for name, problem in config.decisions.suitability.items():
        if problems.get(name) and key in problem.addressed_by:
            found = [insights[s] for s in problem.signals if s in insights]
            evidence = "; ".join(i.evidence for i in found)
            if any(s in insights for s in problem.in_hand):
                out.append(f"Follows up the open {problem.label}: {evidence}")
            else:
                out.append(f"Fixes the open {problem.label}: {evidence}")
    for need in config.decisions.needs.values():
        if key in need.met_by and need.signal in insights:
            line = (
                f"Meets a stated need, {need.label}: {insights[need.signal].evidence}"
            )
            o = _need_offer(a, need.offer_kinds)
            out.append(line + (f"; {_offer_text(o, config)}" if o else ""))
    return out


def on_hold(
    key: str, a: Assessment, insights: Mapping[str, Insight], config: CVMConfig
) -> list[str]:
    """What waits while a problem is open: selling, and the needs selling would meet.

    Only for a treatment that is not itself marketing (a marketing pick has no open
    problem, or the analyst overrode SUITABILITY).
    """
    d = a.decisions
    if not d.problems[0].any() or config.treatments[key].purpose == "marketing":
        return []
    waiting = []
    for need in config.decisions.needs.values():
        if need.signal not in insights or key in need.met_by:
            continue
        o = _need_offer(a, need.offer_kinds)
        waiting.append(
            f"{need.label} ({insights[need.signal].evidence}"
            + (f"; {_offer_text(o, config)}" if o else "")
            + ")"
        )
    if not waiting:
        return []
    return ["Selling waits until it is fixed (SUITABILITY): " + "; ".join(waiting)]
