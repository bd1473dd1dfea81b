"""A configuration's treatments as the arrays the kernel works with.

Everything :func:`tools.kernel.decide.decide` needs from the configuration (base
propensities, signal boosts, costs, which consent column each treatment needs, which
treatments are marketing contacts, the tie-break order, the signals' recency windows,
the open problems that hold selling back and the stated needs each treatment meets)
depends on the configuration alone, so it is worked out once per configuration
object and reused by every batch: a chat turn or a booking (a batch of one) then pays
for its customer only.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tools.config import NO_ACTION, CVMConfig
from tools.config_memo import per_config
from tools.kernel.signals import SIGNALS

Compare = Callable[[np.ndarray, float], np.ndarray]
_OPS: dict[str, Compare] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Applicable:
    """When a treatment applies: any of its signals held, or any metric test true."""

    t: int  # the treatment's index
    signals: np.ndarray  # (k,) indexes into SIGNALS
    metrics: tuple[tuple[str, Compare, float], ...]  # (feature column, op, value)
    segments: tuple[str, ...] = ()  # made for these segments only (empty: all)


@dataclass(frozen=True)
class Treatments:
    """The treatments of one configuration, ``T`` of them in config order."""

    keys: tuple[str, ...]  # (T,)
    base: np.ndarray  # (T,) float64 base P(accept)
    boosts: np.ndarray  # (S, T) float64 P(accept) added per signal held
    cost: np.ndarray  # (T,) float64 pounds per contact (0 for the baseline)
    disabled: np.ndarray  # (T,) bool
    consent_columns: tuple[str, ...]  # distinct consent feature columns needed
    consent_t: np.ndarray  # (k,) treatment index of each consent check
    consent_c: np.ndarray  # (k,) index into consent_columns of that check
    marketing: np.ndarray  # (T,) bool: a marketing contact (OBJECTION, VULNERABLE)
    applicable: tuple[Applicable, ...]  # treatments with conditions (soft rule)
    order: tuple[int, ...]  # tie-break: constraint priority, cost, config order
    baseline: int | None  # index of the no-action baseline, if configured
    windows: np.ndarray  # (S,) recency window in days per signal (inf: undated)
    problems: tuple[str, ...]  # (K,) open-problem names (decisions.suitability)
    problem_signals: np.ndarray  # (K, S) bool: a problem is open if any is held
    problem_gain: np.ndarray  # (K, T) P added to the treatments that address it
    problem_in_hand: np.ndarray  # (K, S) bool: a fix is under way if any is held
    need_gain: np.ndarray  # (S, T) P added when the need signal is held (met)
    need_signal: np.ndarray  # (N,) index into SIGNALS of each stated need
    need_met: np.ndarray  # (N, T) bool: the treatment meets the need
    need_kinds: tuple[tuple[str, ...], ...]  # (N,) offer kinds that meet it
    margin_rate: float  # an offer's value x this = its margin (a need met)
    offer_weight: float  # the recommender's weight in the combined P
    cool_off_days: float  # a declined offer's cool-off
    declined_factor: float  # P multiplier of a treatment declined in its cool-off


def _per_treatment(
    config: CVMConfig, keys: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Base P ``(T,)``, boosts ``(S, T)``, cost, disabled and marketing ``(T,)``."""
    n_t = len(keys)
    base, cost = np.zeros(n_t), np.zeros(n_t)
    boosts = np.zeros((len(SIGNALS), n_t))
    disabled = np.zeros(n_t, dtype=bool)
    marketing = np.zeros(n_t, dtype=bool)
    for t, key in enumerate(keys):
        tr = config.treatments[key]
        cost[t] = 0.0 if key == NO_ACTION else tr.cost
        base[t] = tr.base_propensity
        for s, b in tr.propensity_boosts.items():
            boosts[SIGNALS.index(s), t] += b
        disabled[t] = not tr.enabled
        marketing[t] = tr.purpose == "marketing" and tr.channel != "none"
    return base, boosts, cost, disabled, marketing


def _consent_checks(
    config: CVMConfig, keys: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The consent columns needed, and per check its treatment and column index."""
    columns: dict[str, int] = {}
    consent_t: list[int] = []
    consent_c: list[int] = []
    for t, key in enumerate(keys):
        tr = config.treatments[key]
        consent = config.consent_channel(tr.channel)
        if consent is not None:
            column = f"consent_{consent}_{tr.purpose}"
            consent_t.append(t)
            consent_c.append(columns.setdefault(column, len(columns)))
    return (
        tuple(columns),
        np.asarray(consent_t, dtype=np.intp),
        np.asarray(consent_c, dtype=np.intp),
    )


def _conditions(config: CVMConfig, keys: tuple[str, ...]) -> tuple[Applicable, ...]:
    """When each treatment with conditions (signals, metrics, segments) applies."""
    conditions: list[Applicable] = []
    for t, key in enumerate(keys):
        tr = config.treatments[key]
        if tr.applicable_when or tr.segments:
            when = tr.applicable_when
            found = [SIGNALS.index(c.signal) for c in when if c.signal is not None]
            held = np.asarray(found, dtype=np.intp)
            held.setflags(write=False)
            tests = tuple(
                (c.metric, _OPS[c.op or "=="], float(c.value or 0.0))
                for c in when
                if c.metric is not None
            )
            conditions.append(Applicable(t, held, tests, tuple(tr.segments)))
    return tuple(conditions)


def _tie_break(config: CVMConfig, keys: tuple[str, ...]) -> tuple[int, ...]:
    """Treatment indexes by constraint priority, then cost, then config order."""
    prio = {k: c.priority for k, c in config.constraints.items()}
    return tuple(
        sorted(
            range(len(keys)),
            key=lambda t: (prio.get(keys[t], 9), config.treatments[keys[t]].cost, t),
        )
    )


def _windows(config: CVMConfig) -> np.ndarray:
    """The recency window in days per signal, ``(S,)`` (inf: undated)."""
    windows = np.full(len(SIGNALS), np.inf)
    for signal, days in config.decisions.recency_days.items():
        windows[SIGNALS.index(signal)] = days
    return windows


def _build(config: CVMConfig) -> Treatments:
    keys = tuple(config.treatments)
    base, boosts, cost, disabled, marketing = _per_treatment(config, keys)
    consent_columns, consent_t, consent_c = _consent_checks(config, keys)
    problems, problem_signals, problem_gain, need_gain = _problems_and_needs(
        config, keys
    )
    need_met_by = need_signal, need_met = _needs_met(config, keys)
    windows = _windows(config)
    shared = (base, boosts, cost, disabled, marketing, consent_t, consent_c, windows)
    for array in (*shared, problem_signals, problem_gain, need_gain, *need_met_by):
        array.setflags(write=False)  # every batch reads these: none may change them
    offers = config.decisions.offers
    return Treatments(
        keys=keys,
        base=base,
        boosts=boosts,
        cost=cost,
        disabled=disabled,
        consent_columns=consent_columns,
        consent_t=consent_t,
        consent_c=consent_c,
        marketing=marketing,
        applicable=_conditions(config, keys),
        order=_tie_break(config, keys),
        baseline=keys.index(NO_ACTION) if NO_ACTION in keys else None,
        windows=windows,
        problems=problems,
        problem_signals=problem_signals,
        problem_gain=problem_gain,
        problem_in_hand=_in_hand(config),
        need_gain=need_gain,
        need_signal=need_signal,
        need_met=need_met,
        need_kinds=tuple(tuple(n.offer_kinds) for n in config.decisions.needs.values()),
        margin_rate=config.value.margin_rate,
        offer_weight=offers.recommender_weight,
        cool_off_days=float(offers.declined_cool_off_days),
        declined_factor=offers.declined_factor,
    )


def _problems_and_needs(
    config: CVMConfig, keys: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """The open problems (names, signals, gains) and the stated needs' gains."""
    d = config.decisions
    problems = tuple(d.suitability)
    signals = np.zeros((len(problems), len(SIGNALS)), dtype=bool)
    gain = np.zeros((len(problems), len(keys)))
    for k, problem in enumerate(d.suitability.values()):
        for signal in problem.signals:
            signals[k, SIGNALS.index(signal)] = True
        for key in problem.addressed_by:
            if key in keys:  # (a configuration made without validation may lack it)
                gain[k, keys.index(key)] = problem.gain
    need_gain = np.zeros((len(SIGNALS), len(keys)))
    for need in d.needs.values():
        for key in need.met_by:
            if key in keys:
                need_gain[SIGNALS.index(need.signal), keys.index(key)] += need.gain
    return problems, signals, gain, need_gain


def _in_hand(config: CVMConfig) -> np.ndarray:
    """(K, S) the signals that say a problem's fix is already under way."""
    problems = list(config.decisions.suitability.values())
    out = np.zeros((len(problems), len(SIGNALS)), dtype=bool)
    for k, problem in enumerate(problems):
        for signal in problem.in_hand:
            out[k, SIGNALS.index(signal)] = True
    out.setflags(write=False)
    return out


def _needs_met(
    config: CVMConfig, keys: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Each stated need's signal (index into SIGNALS) and the treatments meeting it."""
    needs = list(config.decisions.needs.values())
    signal = np.asarray([SIGNALS.index(n.signal) for n in needs], dtype=np.intp)
    met = np.zeros((len(needs), len(keys)), dtype=bool)
    for k, need in enumerate(needs):
        for key in need.met_by:
            if key in keys:
                met[k, keys.index(key)] = True
    return signal, met


@per_config
def treatments(config: CVMConfig) -> Treatments:
    """The treatment arrays of ``config``, made on its first use."""
    return _build(config)
